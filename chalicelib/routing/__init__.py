"""Task routing: the model that serves a task best for its cost, learned from feedback."""
