"""Synthetic sample documents and filings, and their generator."""
