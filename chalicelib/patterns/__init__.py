"""Optimisation patterns (seed 004): conditions as data, solutions, success rates learned from outcomes."""
