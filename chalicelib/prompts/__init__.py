"""Prompt templates: versioned, with `{variable}` placeholders, rendered with every variable given."""
