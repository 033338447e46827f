"""The model catalog: models, task categories and which models suit which task (seed 002)."""
