"""The process-wide caches of chalicelib, and the one way to forget them.

Settings, storage clients, the model binding, the API key cache and fetched
SSM parameters are built lazily and kept for the life of a (Lambda) process.
Whatever changes the environment of a running process (the local stack,
ops commands switching stage, tests) calls :func:`reset` afterwards.
"""

from __future__ import annotations


def reset() -> None:
    """Forget every lazily built client, binding and cache (a new environment)."""
    from chalicelib import auth, config, models, parameters, storage

    config.reset_settings()
    storage.reset()
    models.unbind()
    auth.clear_cache()
    parameters.reset()
