"""A user's right to be forgotten: DELETE /v1/users/{user_id}/data reaches everything Learnloop keeps of them."""
