"""Adapters for intake's ports: SQL repositories and blob stores.

``storage.sql`` holds the database side (engine, unit of work, migrations),
``storage.blobs`` the blob stores; ``storage.errors`` their error tree.
"""
