"""botocore sessions that share one data loader.

Every botocore session parses the service model JSON (endpoints, S3,
DynamoDB) again on its first client: ~0.1-0.3 s each. PynamoDB builds one
session per connection (one per model), so a cold start paid that several
times over. Sessions made here share a loader, so each model file is parsed
once per process. ``storage``, ``models`` and ``parameters`` use it.
"""

from __future__ import annotations

import functools

import botocore.loaders
import botocore.session


@functools.lru_cache(maxsize=1)
def _loader() -> botocore.loaders.Loader:
    return botocore.loaders.create_loader()


def new_session() -> botocore.session.Session:
    """A fresh botocore session (own credentials, events) over the shared loader."""
    session = botocore.session.get_session()
    session.register_component("data_loader", _loader())
    return session
