"""Declarative library knowledge: what calls, names and methods mean, in tables.

Rules read these tables; they never spell library names themselves. To teach pitfalls
about a new library, add rows here.
"""
