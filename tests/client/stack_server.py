"""A local stack for the client's tests, in a process of its own, as `make run` serves it.

    python -m tests.client.stack_server DATA_DIR [--direct-max BYTES] [--presign put]

Prints one JSON line (``api_url``, ``moto_url``, ``demo_key``) once it answers,
then serves until its standard input closes. ``--direct-max`` lowers the direct
route's limit after the stack starts (the local stack's own is 50 MB; deployed
it is 4 MB), so both of the client's routes can be exercised; ``--presign put``
hands out presigned PUT URLs instead of POST forms (backends without POST policies).
"""

from __future__ import annotations

import argparse
import atexit
import gc
import json
import os
import sys
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", type=Path)
    parser.add_argument("--direct-max", type=int)
    parser.add_argument("--presign", choices=["post", "put"], default="post")
    args = parser.parse_args()

    from app import app
    from chalicelib import config
    from ops import local_stack
    from ops.dev_server import create_api_server, lambda_functions, serving

    server = create_api_server(app, "127.0.0.1", 0)
    api_url = f"http://127.0.0.1:{server.port}"
    # No S3 lag, and no snapshot (the stack's restarts are tested in tests/stack).
    stack = local_stack.LocalStack(args.data, functions=lambda_functions(app), event_delay=0, persist=False)
    stack.start(api_url)
    if args.direct_max:
        os.environ["MEDIA_DIRECT_UPLOAD_MAX_BYTES"] = str(args.direct_max)
    os.environ["MEDIA_PRESIGN_METHOD"] = args.presign
    config.reset_settings()
    try:
        with serving(server):
            print(json.dumps({"api_url": api_url, "moto_url": stack.moto_url, "demo_key": stack.demo_key}), flush=True)
            sys.stdin.read()
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    atexit.register(gc.freeze)  # as manage.py does: no last walk of the whole heap on the way out
    sys.exit(main())
