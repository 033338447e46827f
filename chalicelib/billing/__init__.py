"""The monthly budget: spend reserved before a model is called and settled after, atomically."""
