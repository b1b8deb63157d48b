"""chalicelib's process-wide caches between tests: kept while they are what a reset would build.

``chalicelib.caches.reset()`` drops the settings, the storage client and every
model's DynamoDB connection; building them again costs ~0.15 s (a botocore
session and client each). So before a test the caches are reset only when the
previous test may have left them different from what a reset would build in
this test's environment:

- it ended with another environment than it started with (monkeypatch, os.environ),
  or the next test starts from another one;
- or the settings it leaves cached differ from the settings its environment gives
  (it reset or switched them), or the models are bound to other settings.

The short-lived API key and SSM parameter caches are cleared before every test.
Tests that point the process somewhere else for a while (the local stack, the
embedded moto server) restore the environment and reset the state when they leave.
"""

from __future__ import annotations

import os


class ProcessCaches:
    def __init__(self) -> None:
        self._clean = False  # the last test left the caches as a reset would build them
        self._environment: dict[str, str] | None = None  # the environment the last test started with

    def before_test(self) -> None:
        """With the test environment applied."""
        from chalicelib import auth, caches, parameters

        environment = _environment()
        if self._clean and environment == self._environment:
            auth.clear_cache()
            parameters.reset()
        else:
            caches.reset()
        self._environment = environment

    def after_test(self) -> None:
        """Before the test's environment changes are undone."""
        self._clean = _environment() == self._environment and _caches_fit_environment()


def _environment() -> dict[str, str]:
    # pytest names the running test and phase in PYTEST_CURRENT_TEST: not an input of any cache.
    return {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}


def _caches_fit_environment() -> bool:
    from chalicelib import config, models

    if not config.get_settings.cache_info().currsize:
        return models._bound is None
    cached = config.get_settings()
    try:
        fresh = config.get_settings.__wrapped__()
    except Exception:  # an environment the service refuses: start over
        return False
    return bool(cached == fresh) and models._bound in (None, cached)
