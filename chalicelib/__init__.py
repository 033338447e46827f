"""Learnloop's domain layer: one package per capability, shared infrastructure in `core`.

Importing it installs the capabilities' contributions to each other's extension points (chalicelib/contributions.py:
a list of functions, whose capability modules load when a point is first used).
"""

from . import contributions as contributions

__version__ = "0.1.0"
