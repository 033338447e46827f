"""Learnloop's domain layer: one package per capability, shared infrastructure in `core`."""

__version__ = "0.1.0"
