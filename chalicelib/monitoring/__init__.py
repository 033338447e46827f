"""Monitoring of the registry's model versions: predictions with their ground truth (counted exactly once), performance
over time from those counters, drift baselines and the detect-drift task. Builds on `chalicelib/registry/` (it reads
model versions through `registry.models`); data pipelines build on it."""
