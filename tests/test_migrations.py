"""Migrations are atomic: a kill part-way leaves the archive as it was, and it migrates again.

The kill test runs the real open (``Archive(path)``) in a subprocess, holds it
inside a migration just before one of its statements, and SIGKILLs it there.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import ROOT
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from storage import Archive
from storage.migrations import MigrationError, apply, migrations

ALL = [m.name for m in migrations.pending(Database(memory=True))]

# Opens the archive as pressroom does, but pauses when SQLite is about to run a
# statement containing argv[2]: the migration's earlier steps have run, in the
# open transaction, when the parent kills it.
PAUSING_OPEN = textwrap.dedent(
    """
    import sqlite3, sys, time
    connect = sqlite3.connect

    def pausing_connect(*args, **kwargs):
        conn = connect(*args, **kwargs)

        def trace(sql):
            if sys.argv[2] in sql:
                print("paused", flush=True)
                time.sleep(120)

        conn.set_trace_callback(trace)
        return conn

    sqlite3.connect = pausing_connect
    from storage import Archive
    Archive(sys.argv[1])
    print("finished", flush=True)
    """
)


def schema(path: Path) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
            "ORDER BY type, name"
        ).fetchall()
    finally:
        conn.close()


def columns(path: Path, table: str) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [row[1] for row in conn.execute(f"PRAGMA table_info([{table}])")]
    finally:
        conn.close()


def old_archive(path: Path, stop_before: str) -> None:
    """An archive as an older pressroom left it: migrated up to ``stop_before``, with data."""
    db = Database(path)
    db.enable_wal()
    apply(db, stop_before=stop_before)
    if "runs" not in db.table_names():  # before m001: only the migrations table
        db.close()
        return
    with db.atomic():
        db.execute("INSERT INTO runs (source, status) VALUES ('demo', 'ok')")
        db.execute(
            "INSERT INTO articles (url, source, title, text, run_id) "
            "VALUES ('https://example.org/a', 'demo', 'Old release', 'Floods in the delta', 1)"
        )
        if "page_blocks" in db.table_names():
            for url, language in (("https://example.org/a", "en"), ("https://example.org/b", "")):
                db.execute(
                    "INSERT INTO page_blocks (url, source, language, template, blocks) "
                    "VALUES (?, 'demo', ?, '', x'00')",
                    [url, language],
                )
    db.close()


@pytest.fixture(scope="module")
def fresh_schema(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, str]]:
    path = tmp_path_factory.mktemp("fresh") / "fresh.db"
    Archive(path).close()
    return schema(path)


def assert_upgraded(
    path: Path, fresh_schema: list[tuple[str, str, str]], *, titles: list[str]
) -> None:
    with Archive(path) as archive:
        assert [m.name for m in migrations.applied(archive.db)] == ALL
        assert [hit["title"] for hit in archive.search("delta")] == titles
    assert schema(path) == fresh_schema


@pytest.mark.parametrize(
    ("migration", "pause_before"),
    [
        # after the first ALTER of five, before the second
        ("m002_incremental", "ADD COLUMN http_last_modified"),
        # after seven ALTERs, between creating two tables
        ("m003_extraction", "CREATE TABLE profile_blocks"),
        # after creating the table, before filling it from page_blocks
        ("m005_profile_groups", "INSERT INTO profile_groups"),
    ],
)
def test_sigkill_inside_a_migration_then_migrate_again(
    tmp_path: Path, fresh_schema: list[tuple[str, str, str]], migration: str, pause_before: str
) -> None:
    path = tmp_path / "old.db"
    old_archive(path, stop_before=migration)
    before = schema(path)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    child = subprocess.Popen(
        [sys.executable, "-c", PAUSING_OPEN, str(path), pause_before],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "paused"
        # A reader sees none of the migration's steps already run, uncommitted.
        assert schema(path) == before
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()

    # After the kill: exactly the state before the migration, which runs again.
    assert schema(path) == before
    assert migration not in [m.name for m in migrations.applied(Database(path))]
    assert_upgraded(path, fresh_schema, titles=["Old release"])


@pytest.mark.parametrize("level", ALL)
def test_an_archive_at_every_earlier_level_upgrades(
    tmp_path: Path, fresh_schema: list[tuple[str, str, str]], level: str
) -> None:
    path = tmp_path / "old.db"
    old_archive(path, stop_before=level)
    had_groups = "profile_groups" in Database(path).table_names()
    had_blocks = "page_blocks" in Database(path).table_names()
    assert_upgraded(path, fresh_schema, titles=[] if level == ALL[0] else ["Old release"])
    if had_blocks and not had_groups:
        # m005 counted the pages the older archive already held
        db = Database(path)
        assert db.execute("SELECT grp, pages FROM profile_groups ORDER BY grp").fetchall() == [
            ("*", 2),
            ("lang:en", 1),
        ]


def test_a_failing_migration_leaves_nothing_behind() -> None:
    steps = Migrations("test")

    @steps()
    def m001_two_tables(db: Database) -> None:
        db.execute("CREATE TABLE one (id INTEGER)")
        db.execute("ALTER TABLE one ADD COLUMN two TEXT")
        raise RuntimeError("disk on fire")

    db = Database(memory=True)
    with pytest.raises(RuntimeError, match="disk on fire"):
        apply(db, migration_set=steps)
    assert "one" not in db.table_names()
    assert steps.applied(db) == []
    assert not db.conn.in_transaction


def test_a_migration_that_commits_is_refused() -> None:
    steps = Migrations("test")

    @steps()
    def m001_commits(db: Database) -> None:
        db.execute("CREATE TABLE one (id INTEGER)")
        db.conn.commit()  # what VACUUM or sqlite3's executescript() would do

    db = Database(memory=True)
    with pytest.raises(MigrationError, match="m001_commits ended its transaction early"):
        apply(db, migration_set=steps)
    assert steps.applied(db) == []


def test_foreign_keys_are_off_during_a_migration_and_restored() -> None:
    seen = []
    steps = Migrations("test")

    @steps()
    def m001_looks(db: Database) -> None:
        seen.append(db.execute("PRAGMA foreign_keys").fetchone()[0])

    db = Database(memory=True)
    db.execute("PRAGMA foreign_keys = ON")
    assert apply(db, migration_set=steps) == ["m001_looks"]
    assert seen == [0]
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


# -- the program on an archive an older pressroom wrote ---------------------------------

READERS = [
    ["search", "delta"],
    ["export"],
    ["export", "--format", "csv", "-o", "x.csv"],
    ["stats"],
    ["runs"],
    ["pages"],
    ["sources"],
    ["history", "https://example.org/a"],
]


@pytest.mark.parametrize("level", ["m009_fts_marks", "m002_incremental"])
def test_an_older_archive_is_read_once_pressroom_upgrade_has_migrated_it(tmp_path, level):
    # Every command that reads said `archive 'old.db' needs upgrading (m009_fts_marks not
    # applied); open it once without readonly to migrate it`, exit 1: words for Python's
    # API, and no command that migrates without crawling. The archive of the last release
    # (before m009) could then only be read after a crawl.
    from helpers import run_cli

    path = tmp_path / "old.db"
    old_archive(path, stop_before=level)
    before = path.read_bytes()
    for args in READERS:
        result = run_cli(*args, "--db", str(path), cwd=tmp_path)
        assert result.returncode == 1, (args, result.stderr)
        assert result.stdout == "" and len(result.stderr.splitlines()) == 1, args
        assert f"pressroom upgrade --db {path}" in result.stderr, result.stderr
        assert path.read_bytes() == before and sorted(tmp_path.iterdir()) == [path], args
    result = run_cli("upgrade", "--db", str(path))
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.startswith(f"upgraded {path}: applied {level}") and ALL[-1] in result.stdout
    )
    assert sorted(tmp_path.iterdir()) == [path]  # no -wal or -shm left
    hits = run_cli("search", "delta", "--json", "--db", str(path))
    assert [hit["title"] for hit in json.loads(hits.stdout)] == ["Old release"], hits.stderr
    again = run_cli("upgrade", "--db", str(path))
    assert (again.returncode, again.stdout) == (0, f"{path} is up to date\n"), again.stderr


def test_upgrade_makes_no_archive_where_there_is_none(tmp_path):
    from helpers import run_cli

    result = run_cli("upgrade", "--db", "none.db", cwd=tmp_path)
    assert result.returncode == 2 and "no archive at none.db" in result.stderr, result.stderr
    assert list(tmp_path.iterdir()) == []
