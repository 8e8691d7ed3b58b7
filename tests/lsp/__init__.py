"""End-to-end tests of the language server (a package, so its conftest and module names
cannot collide with those in tests/)."""
