"""The HTTP edge: one Blueprint per area, thin handlers over the domain."""
