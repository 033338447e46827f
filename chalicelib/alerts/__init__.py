"""Alerts: targets on the figures Learnloop computes, the anomaly detector, and the events every capability emits."""
