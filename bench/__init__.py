"""`make bench`: the service's figures against the platform's limits.

Each stage runs in its own interpreter (``python -m bench.<stage>``) so moto's
process-global state, the lazily built clients and peak memory never leak
from one measurement into the next. ``python -m bench`` runs them all, prints
the table and writes ``bench/results.json``.
"""
