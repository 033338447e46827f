"""Seed 003's learning half: feedback on predictions, policy actions, champion and challenger, deployment health."""
