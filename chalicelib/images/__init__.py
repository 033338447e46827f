"""Images as a generation's output: the models' declared image parameters and prices, the offline renderer, storage in S3."""
