"""The training loop: curated examples from sessions with feedback, redacted datasets with lineage, fine-tuning
jobs (the OpenAI API, or the offline `local` equivalent), retraining and automatic prompt improvement.

See docs/training.md.
"""
