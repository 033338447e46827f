"""Seed 000's floral designs: an image generation with its catalog context, favourite and approved flags, ratings."""
