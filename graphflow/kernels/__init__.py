"""Compute kernels per device. Kernels never import the graph or the session."""
