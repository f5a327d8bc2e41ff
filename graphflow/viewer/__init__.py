"""Graph viewer (being written)."""
