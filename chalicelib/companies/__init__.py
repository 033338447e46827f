"""Companies inside a tenant: a key scoped to one company sees that company's registry data alone."""
