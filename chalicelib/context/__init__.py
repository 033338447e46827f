"""Context windows per user and store (seed 004): store data, recent conversations and optimisation actions."""
