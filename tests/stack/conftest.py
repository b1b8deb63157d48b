"""Fixtures the ops CLI's stack tests share: one running local stack per module, which
manage.py finds through its stack.json (a module that needs another kind of stack
defines its own ``stack``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ops import local_stack, targets
from tests.helpers.manage import stack_for_manage


@pytest.fixture(scope="module")
def stack_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One running local stack for the module, found by manage.py through stack.json."""
    data = tmp_path_factory.mktemp("stack")
    with stack_for_manage(data):
        yield data


@pytest.fixture
def stack(stack_data: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The module's stack for this test: manage.py finds it, and chalicelib calls made
    by the test itself act on it (the per-test environment points elsewhere)."""
    monkeypatch.setenv(local_stack.DATA_ENV, str(stack_data))
    targets.use_local_stack(stack_data)
    return stack_data
