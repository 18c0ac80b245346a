"""Index: what the walk needs from each module, read with LibCST."""
