"""The tenant's own catalog (seed 000: flowers, styles, arrangement types, occasions, budget tiers) with usage counts."""
