"""The local stack of `make run`: an embedded DynamoDB-compatible server, the API and the scheduler."""
