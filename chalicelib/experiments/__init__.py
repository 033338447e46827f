"""Experiments: sticky A/B tests of prompt and model variants, Thompson-sampling traffic, sequential statistics."""
