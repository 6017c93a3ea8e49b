"""Adapters for intake's ports: SQL repositories and blob stores."""
