"""The tenant's assortment: its own items of any kind (flowers, styles, arrangement types, occasions, budget tiers), with
usage counts, served under `/v1/catalog/{kind}` (not the model catalog, chalicelib/catalog/)."""
