import sys

from pitfalls.startup import forget_working_directory

forget_working_directory()

from pitfalls.cli import main  # noqa: E402 - only once the working directory is off sys.path

sys.exit(main())
