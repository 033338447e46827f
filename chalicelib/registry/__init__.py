"""The ML model registry: model versions and their life cycle, training runs, feature importance, ML experiments and
deployments with rollback. Monitoring (predictions, performance, drift) is `chalicelib/monitoring/` and data pipelines
`chalicelib/pipelines/`: both build on this package, which imports neither."""
