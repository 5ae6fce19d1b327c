"""The tests' embedded cluster leaves no folder behind: removed after the server stopped, and
also when starting or stopping it failed (a full run's cluster is ~1 GB)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from node.storage.embedded import ClusterPaths, EmbeddedPostgres
from tests.support.databases import CLUSTER_PREFIX, TestDatabases, remove_cluster


class FakeServer(EmbeddedPostgres):
    """Writes a data directory like a cluster would, and records what it saw when stopped."""

    def __init__(self, data_dir: Path, *, fail_start: bool = False, fail_stop: bool = False):
        self.data_dir, self.paths = data_dir, ClusterPaths.under(data_dir)
        self.fail_start, self.fail_stop = fail_start, fail_stop
        self.folder_at_stop: bool | None = None

    def start(self, timeout: float = 60.0) -> None:
        self.paths.pgdata.mkdir(parents=True)
        (self.paths.pgdata / "PG_VERSION").write_text("15\n")
        if self.fail_start:
            raise RuntimeError("initdb failed")

    def stop(self, timeout: float = 30.0) -> None:
        self.folder_at_stop = (self.paths.pgdata / "PG_VERSION").exists()
        if self.fail_stop:
            raise RuntimeError("the server did not stop")


class Embedded(TestDatabases):
    """TestDatabases on the embedded path (no TEST_DATABASE_URL), with a fake server."""

    def __init__(self, **failures: bool) -> None:
        super().__init__()
        self.admin_dsn = ""
        self.failures = failures
        self.servers: list[FakeServer] = []

    def new_server(self, directory: Path) -> EmbeddedPostgres:
        self.servers.append(FakeServer(directory, **self.failures))
        return self.servers[-1]


def test_stopping_removes_the_cluster_folder_after_the_server_stopped() -> None:
    dbs = Embedded()
    dbs.start()
    directory = dbs.directory
    assert directory is not None and directory.exists()
    assert directory.parent == Path(tempfile.gettempdir())
    assert directory.name.startswith(CLUSTER_PREFIX)
    assert dbs.admin_dsn, "the session's databases go to the embedded server"

    dbs.stop()

    assert dbs.servers[0].folder_at_stop is True, "the folder outlives the server"
    assert not directory.exists()
    dbs.stop()  # a second stop (a failing session's teardown) is harmless


def test_a_cluster_that_fails_to_start_leaves_no_folder() -> None:
    dbs = Embedded(fail_start=True)
    with pytest.raises(RuntimeError, match="initdb failed"):
        dbs.start()
    assert dbs.directory is None
    assert not dbs.servers[0].data_dir.exists()


def test_a_server_that_fails_to_stop_still_leaves_no_folder() -> None:
    dbs = Embedded(fail_stop=True)
    dbs.start()
    with pytest.raises(RuntimeError, match="did not stop"):
        dbs.stop()
    assert not dbs.servers[0].data_dir.exists()


def test_remove_cluster_removes_a_tree_and_accepts_a_missing_one(tmp_path: Path) -> None:
    cluster = tmp_path / "cluster"
    (cluster / "var" / "postgres" / "base").mkdir(parents=True)
    (cluster / "var" / "postgres" / "base" / "1").write_bytes(b"\0" * 1024)
    remove_cluster(cluster)
    assert not cluster.exists()
    remove_cluster(cluster)
