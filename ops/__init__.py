"""Operations tooling that is never deployed: the local stack and admin helpers.

- ``ops.moto_server.EmbeddedMotoServer``: moto (S3 + DynamoDB) in-process, with
  DynamoDB requests serialised like the real service executes them.
- ``ops.local_stack``: environment, data directory, demo account, ``LocalStack``.
- ``ops.snapshot``: persistence of the in-memory moto state under ``.data/``.
- ``ops.events``: S3 ObjectCreated events (via a local SQS queue) to the ingest handler.
- ``ops.storage_guard``: the storage port's rules in front of moto (signed requests only,
  checked POST forms, public reads, CORS), with ``ops.sigv4``, ``ops.post_policy``,
  ``ops.post_form``, ``ops.storage_cors`` and ``ops.storage_errors``.
- ``ops.dev_server``: the API on chalice's local server (``manage.py serve``), its HTTP
  handler ``ops.local_http`` and its request rate limits ``ops.rate_limit``.
- ``ops.targets``: which backend a ``manage.py`` command acts on.
- ``ops.cli``: what every ``manage.py`` command shares (target, exit codes, ``--json``);
  ``ops.accounts_cli``, ``ops.keys_cli``, ``ops.media_cli``, ``ops.deploy_cli``: its
  command groups; ``ops.tables``: their tables.
"""
