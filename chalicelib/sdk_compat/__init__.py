"""The OpenAI-SDK-compatible routes: chat completions, image generations and models on the generation flow."""
