"""Images as a generation's output: the models' declared image parameters and prices, and their storage in S3 (the
offline renderer is the providers', the image half of a generation the generation package's)."""
