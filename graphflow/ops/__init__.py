"""Graph-level op definitions and the public functions that create nodes (no numba here)."""
