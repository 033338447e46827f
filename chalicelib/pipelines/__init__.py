"""Data pipelines: definitions (what they read, check and write), runs over the tenant's own data, data quality, the
cron arithmetic of their schedules (`cron.py`, pure) and the run-scheduled-pipelines task. Builds on
`chalicelib/registry/` and `chalicelib/monitoring/` (it reads predictions and writes drift baselines through them);
nothing below imports it."""
