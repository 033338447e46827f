"""Versioned AI configuration (seed 003's AIConfig): typed prompts, categories, behaviour and industry settings."""
