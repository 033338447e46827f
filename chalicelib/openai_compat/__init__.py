"""OpenAI-compatible routes: chat completions, image generations and models, on the generation flow."""
