"""Fixtures: moto-backed AWS, the Chalice test client, accounts. Helpers live in tests/helpers.

Each test process (each xdist worker) starts moto once and keeps it on for every
test, so nothing a test does can reach real AWS. A test that asks for ``aws``
starts from moto's reset plus the empty bucket and tables (helpers.aws.World);
chalicelib's caches are reset before a test only when the previous one may have
changed them (helpers.caches).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

import botocore.loaders
import botocore.session
import pytest
from chalice.test import Client
from moto import mock_aws

from tests.contract.faster_moto import faster_moto
from tests.helpers.aws import TEST_ENV, World, forget_everything, process_world
from tests.helpers.caches import ProcessCaches
from tests.helpers.tenants import Tenant, make_tenant


@pytest.hookimpl(trylast=True)  # after -m/-k have deselected
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Order the run for ``-n N --dist worksteal``, which gives each worker one N-th of the
    list and lets a worker that runs dry take the tail of another's.

    Each share starts with its part of the slow tests, modules (or an ``xdist_group``, such as
    the browser package's one stack and browser) kept together and the costliest first
    (``slow(seconds=...)`` is a rough figure, 1 s when absent); then come the other tests, in
    collection order. Every worker orders the same way (xdist compares their lists).
    """
    workers = int(getattr(config, "workerinput", {}).get("workercount", 1))
    slow: dict[str, list[pytest.Item]] = {}
    fast: list[pytest.Item] = []
    for item in items:
        marker = item.get_closest_marker("slow")
        if marker is None:
            fast.append(item)
        else:
            group = item.get_closest_marker("xdist_group")
            key = str(group.args[0]) if group else item.nodeid.split("::")[0]
            slow.setdefault(key, []).append(item)

    def cost(module: list[pytest.Item]) -> float:
        return sum(_seconds(item) for item in module)

    shares: list[list[pytest.Item]] = [[] for _ in range(workers)]
    loads = [0.0] * workers
    for module in sorted(slow.values(), key=cost, reverse=True):
        lighter = loads.index(min(loads))
        shares[lighter].extend(module)
        loads[lighter] += cost(module)
    ordered: list[pytest.Item] = []
    for number, share in enumerate(shares, start=1):
        # each share is filled up with fast tests to its N-th of the list
        wanted = max(0, len(items) * number // workers - len(ordered) - len(share))
        ordered += share + fast[:wanted]
        fast = fast[wanted:]
    items[:] = ordered + fast


def pytest_collection_finish(session: pytest.Session) -> None:
    """The collector's full passes cost ~0.2 s each over a heap of botocore, moto and
    Hypothesis that never dies: about 30 of them took 5 s of each worker's minute.
    What is alive once the tests are collected is set aside (``gc.freeze``), and a full
    pass runs after 100 partial ones rather than 10; cycles are still collected."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(700, 10, 100)


def pytest_unconfigure(config: pytest.Config) -> None:
    """The interpreter's last collections would walk the whole heap on the way out (a second or
    so per worker, at the end of the run): what is alive now dies with the process."""
    gc.freeze()


def _seconds(item: pytest.Item) -> float:
    marker = item.get_closest_marker("slow")
    return float(marker.kwargs.get("seconds", 1)) if marker else 0.0


@pytest.fixture(scope="session", autouse=True)
def shared_botocore_loader() -> Iterator[None]:
    """chalicelib.aws shares one loader for the sessions the service makes; this does
    the same for the sessions tests make themselves (each would parse the S3,
    DynamoDB and endpoint JSON again, ~0.3 s). Nothing else changes."""
    loader = botocore.loaders.create_loader()

    def register(session: botocore.session.Session) -> None:
        session._components.lazy_register_component("data_loader", lambda: loader)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.session.Session, "_register_data_loader", register)
        yield


@pytest.fixture(scope="session", autouse=True)
def mocked_aws(shared_botocore_loader: None) -> Iterator[None]:
    """moto for the whole test process, from its first test to its last (DynamoDB's
    two per-request costs of moto's taken away: helpers.faster_moto)."""
    with mock_aws(), faster_moto():
        yield


@pytest.fixture(scope="session")
def caches() -> ProcessCaches:
    return ProcessCaches()


@pytest.fixture
def extra_env() -> dict[str, str]:
    """What a module's tests run with on top of TEST_ENV: a module overrides this fixture
    rather than changing the environment in a fixture of its own, so that its tests
    share chalicelib's caches as the others do."""
    return {}


@pytest.fixture(autouse=True)
def test_env(monkeypatch: pytest.MonkeyPatch, caches: ProcessCaches, extra_env: dict[str, str]) -> Iterator[None]:
    for name in [n for n in os.environ if n.startswith("MEDIA_")]:
        monkeypatch.delenv(name)
    for name, value in {**TEST_ENV, **extra_env}.items():
        monkeypatch.setenv(name, value)
    caches.before_test()
    yield
    caches.after_test()


@pytest.fixture(scope="session")
def world(mocked_aws: None) -> World:
    return process_world()


@pytest.fixture
def aws(test_env: None, world: World) -> Iterator[None]:
    """moto in-process, nothing in it but the empty bucket and tables."""
    world.reset()
    yield
    forget_everything()


@pytest.fixture
def fakes(test_env: None) -> Iterator[None]:
    """The in-memory records and storage (tests/fakes), installed as the ports' implementations;
    tests/contract proves them equal to DynamoDB and S3 on moto."""
    from chalicelib import records, storage
    from tests.fakes.records import MemoryRecords
    from tests.fakes.storage import MemoryStorage

    records.use(MemoryRecords())
    storage.use(MemoryStorage())
    yield
    records.use(None)
    storage.use(None)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> None:
    """What the service's records and storage are for a test: moto, unless the test's folder
    chooses the fakes (tests/unit, tests/api); a test marked ``moto`` always gets moto."""
    request.getfixturevalue("aws")


@pytest.fixture
def client(backend: None, tmp_path: Path) -> Iterator[Client]:
    """The Chalice test client, without the deployed stages' environment.

    chalice.test.Client applies .chalice/config.json's stage variables to every
    request; an empty project dir keeps the test environment above in force.
    """
    from app import app

    with Client(app, stage_name="test", project_dir=str(tmp_path)) as test_client:
        yield test_client


@pytest.fixture
def tenant(backend: None) -> Tenant:
    return make_tenant("Acme")


@pytest.fixture
def other_tenant(backend: None) -> Tenant:
    return make_tenant("Globex")
