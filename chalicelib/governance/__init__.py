"""AI governance: policies with thresholds, checks of every drift report, performance window and data-quality
run against them, and the violations a breach opens."""
