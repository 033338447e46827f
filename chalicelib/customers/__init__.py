"""Customer records (seed 000): recipients, dates, preferences, allergies; personal data, read by admins only."""
