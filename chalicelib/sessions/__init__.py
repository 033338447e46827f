"""Sessions (recorded AI calls) and users' feedback on them."""
