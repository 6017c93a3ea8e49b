"""The filing domain, its use cases and the ports adapters implement."""
