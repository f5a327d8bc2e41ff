"""GraphDef, meta graph and checkpoint serialization."""
