"""Order sync records (built by the orders work)."""
