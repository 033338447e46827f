"""Benchmarks, run on demand with `make bench`; each prints its figures and writes them to bench/results/."""
