"""Fixtures: a local HTTPS authority (test CA), a local Graph, and a real GraphClient on them.

Registered for the whole suite from tests/conftest.py, so bot tests can use them too.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.bootstrap import attendance_sync_policy
from config.settings import Settings
from graph.attendance_sync import AttendanceSyncPolicy
from graph.client import GraphClient
from tests.graph.local_authority import CLIENT_ID, CLIENT_SECRET, TENANT, LocalAuthority, TestPki
from tests.graph.local_graph import ORGANISER, LocalGraph


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return TestPki.create(tmp_path_factory.mktemp("pki"))


@pytest.fixture
async def authority(pki: TestPki) -> AsyncIterator[LocalAuthority]:
    server = LocalAuthority(pki)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def graph_server(authority: LocalAuthority) -> AsyncIterator[LocalGraph]:
    server = LocalGraph(authority.issued)
    await server.start()
    yield server
    await server.stop()
    assert not server.violations, server.violations


def graph_settings(
    authority: LocalAuthority, graph_server: LocalGraph, pki: TestPki, tmp_path: Path, **more
) -> Settings:
    values = dict(
        _env_file=None,
        graph_tenant_id=TENANT,
        graph_client_id=CLIENT_ID,
        graph_client_secret=CLIENT_SECRET,
        graph_authority_host=authority.url,
        graph_base_url=graph_server.url,
        graph_ca_bundle=str(pki.ca_file),
        graph_organiser=ORGANISER,
        certificate_dir=str(tmp_path / "certificates"),
    )
    values.update(more)
    return Settings(**values)


@pytest.fixture
def settings_for_graph(authority, graph_server, pki, tmp_path) -> Settings:
    return graph_settings(authority, graph_server, pki, tmp_path)


@pytest.fixture
def sync_policy(settings_for_graph: Settings) -> AttendanceSyncPolicy:
    """The attendance sync's policy, built from the settings as the composition root builds it."""
    return attendance_sync_policy(settings_for_graph)


@pytest.fixture
async def graph(settings_for_graph: Settings) -> AsyncIterator[GraphClient]:
    client = GraphClient(settings_for_graph)
    yield client
    await client.close()
