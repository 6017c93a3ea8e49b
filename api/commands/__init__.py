"""Operator command groups of the ``intake`` CLI, registered on the app in ``api.cli``.

Each module holds one concept: reading files and scoring reading
(:mod:`~api.commands.reading`), offline verification
(:mod:`~api.commands.verification`), policy packs (:mod:`~api.commands.policy`)
and benchmarks (:mod:`~api.commands.bench`).
"""
