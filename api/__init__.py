"""HTTP API, reviewer pages, CLI and worker: the composition root."""
