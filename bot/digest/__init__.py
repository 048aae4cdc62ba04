"""Channel digests: the schedule maths, what a digest contains, and the runner that posts each one once."""
