"""The pitfalls language server (``pitfalls server``), built on pygls."""
