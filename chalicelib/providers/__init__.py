"""LLM providers behind one small interface: OpenAI-compatible endpoints through the openai SDK, and `local`."""
