"""The ML model registry: model versions and their life cycle, training runs, predictions with ground truth,
performance over time, drift, data pipelines and data quality, experiments and deployments."""
