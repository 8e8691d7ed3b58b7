"""pitfalls: catches the production pitfalls that ordinary Python linters miss."""

__version__ = "0.1.0"
