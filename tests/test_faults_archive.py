"""Faults of the archive file (issue 7): read-only, full disk, locked, corrupt, SIGKILL.

Each crawl runs the real `pressroom crawl` in a subprocess against a small site
on 127.0.0.1, into an archive that already holds releases. Whatever goes wrong
with the file, the command says so in one line and exits non-zero, and nothing
already stored is lost. A crawl killed with SIGKILL at random moments leaves a
consistent archive every time, and the next run completes it (20 kills in
``bench/faults.py``; 3 here).

A full disk is a real one: a tmpfs just bigger than the archive, mounted for
the test (needs root and ``mount``; skipped otherwise). ``RLIMIT_FSIZE`` is no
substitute: it caps every file the process writes, so extraction's own
temporary files fail first (py3langid unpacks its model to one). Read-only as
root uses ``setpriv`` to drop CAP_DAC_OVERRIDE, since root ignores file modes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from helpers import PROGRAM, ROOT, free_port, json_when_served, run_cli, without_root_powers

from fixtures.demo.site import build_site
from fixtures.faults import FaultServer, corrupt_archive, kill_during, serve_faults
from fixtures.sources import write_source

RELEASES = 12
STORED = 6  # releases in the archive before each fault


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with serve_faults(build_site(RELEASES, translations_every=0), faults=False) as server:
        yield server


@pytest.fixture(scope="module")
def source(server: FaultServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("source") / "site.toml"
    return write_source(path, "site", sitemaps=[f"{server.url}/sitemap.xml"])


@pytest.fixture(scope="module")
def stored(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive holding STORED releases, closed cleanly (no -wal or -shm left)."""
    db = tmp_path_factory.mktemp("stored") / "stored.db"
    result = crawl(source, db, "--max-pages", str(STORED))
    assert result.returncode == 0, result.stderr
    assert len(articles(db)) == STORED
    return db


def crawl(
    source: Path,
    db: Path,
    *args: str,
    prefix: tuple[str, ...] = (),
    preexec: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "crawler", "crawl", "--source", str(source)]
    return subprocess.run(
        [*prefix, *command, "--db", str(db), "--workers", "0", *args],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=ROOT,
        preexec_fn=preexec,
    )


def articles(db: Path) -> dict[str, str]:
    """url -> text_hash, read without writing (works on read-only files and mounts)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return dict(con.execute("SELECT url, text_hash FROM articles"))
    finally:
        con.close()


def integrity(db: Path) -> str:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_one_line_error(result: subprocess.CompletedProcess, *words: str, code: int = 1) -> str:
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    for word in words:
        assert word in errors[0], errors[0]
    return errors[0]


def copy_of(stored: Path, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    db = directory / "a.db"
    shutil.copy(stored, db)
    return db


# --- read-only -------------------------------------------------------------------


def test_read_only_archive(stored, source, tmp_path):
    db = copy_of(stored, tmp_path)
    db.chmod(0o444)
    before = digest(db)
    result = crawl(source, db, prefix=without_root_powers())
    assert_one_line_error(result, "cannot write to archive", "not writable")
    assert digest(db) == before


@pytest.mark.parametrize("command", [["search", "the"], ["stats"], ["reextract"]])
def test_an_archive_the_user_may_not_read_says_so(stored, tmp_path, command):
    """Another user's archive of mode 0600: "cannot read", not SQLite's "unable to open
    database file", which reads as a missing file. Root reads any file: setpriv drops that."""
    db = copy_of(stored, tmp_path)
    db.chmod(0o200)
    result = run_cli(*command, "--db", str(db), prefix=without_root_powers())
    assert_one_line_error(result, f"cannot read archive {str(db)!r}", "not readable")
    db.chmod(0o600)
    assert digest(db) == digest(stored)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.db"]


@pytest.mark.parametrize("command", [["search", "the"], ["crawl", "demo"], ["serve"]])
def test_an_archive_in_a_folder_the_user_may_not_enter_says_so(stored, tmp_path, command):
    """A folder of mode 0600: looking the archive up at all is "permission denied", which
    every command reported as `unexpected PermissionError`."""
    db = copy_of(stored, tmp_path / "closed")
    db.parent.chmod(0o600)
    try:
        result = run_cli(*command, "--db", str(db), prefix=without_root_powers())
    finally:
        db.parent.chmod(0o755)
    assert_one_line_error(result, f"cannot read archive {str(db)!r}", "may not be entered")
    assert digest(db) == digest(stored)
    assert sorted(p.name for p in db.parent.iterdir()) == ["a.db"]


def read_only_folder(stored: Path, tmp_path: Path) -> tuple[Path, tuple[str, ...]]:
    """A copy of ``stored`` in a folder the command may not write; the command's prefix."""
    db = copy_of(stored, tmp_path / "ro")
    assert db.read_bytes()[18:20] == b"\x02\x02"  # WAL: reading needs a -shm file
    db.parent.chmod(0o555)
    prefix = without_root_powers()
    probe = subprocess.run(
        [*prefix, sys.executable, "-c", "import sys; open(sys.argv[1], 'x')", str(db) + "-shm"],
        capture_output=True,
    )
    if probe.returncode == 0:
        pytest.skip("this platform lets the process write in a folder of mode 0555")
    return db, prefix


READ_COMMANDS = [
    ["search", "the"],
    ["stats"],
    ["export", "--format", "csv"],
    ["pages"],
    ["sources"],
]


@pytest.mark.parametrize("command", READ_COMMANDS, ids=[c[0] for c in READ_COMMANDS])
def test_read_commands_work_on_an_archive_in_a_read_only_folder(stored, tmp_path, command):
    db, prefix = read_only_folder(stored, tmp_path)
    before = digest(db)
    result = run_cli(*command, "--db", str(db), prefix=prefix)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Error" not in result.stderr and result.stdout
    assert digest(db) == before and sorted(p.name for p in db.parent.iterdir()) == ["a.db"]


def test_history_works_on_an_archive_in_a_read_only_folder(stored, tmp_path):
    db, prefix = read_only_folder(stored, tmp_path)
    url = sorted(articles(stored))[0]  # not articles(db): as root it would make db's -shm
    result = run_cli("history", url, "--db", str(db), prefix=prefix)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("v1 ")


def test_an_archive_with_a_wal_file_in_a_read_only_folder_is_still_refused(stored, tmp_path):
    # The log may hold changes an immutable read would miss: no fallback then.
    db, prefix = read_only_folder(stored, tmp_path)
    db.parent.chmod(0o755)
    Path(str(db) + "-wal").write_bytes(b"")
    db.parent.chmod(0o555)
    result = run_cli("stats", "--db", str(db), prefix=prefix)
    # Said so, with what to do, not SQLite's bare "unable to open database file".
    assert_one_line_error(result, "folder is not writable", "-wal file", "wal_checkpoint")


def test_serve_works_on_an_archive_in_a_read_only_folder(stored, tmp_path):
    pytest.importorskip("datasette", reason="pip install 'pressroom[serve]' to test serve")
    db, prefix = read_only_folder(stored, tmp_path)
    refused = run_cli("serve", "--db", str(db), "--no-immutable", prefix=prefix)
    assert_one_line_error(refused, "folder is not writable", "--no-immutable", code=2)
    output = _served_urls_match(db, stored, prefix)
    assert "immutable: its folder is not writable" in output


def _served_urls_match(db: Path, stored: Path, prefix: Sequence[str] = ()) -> str:
    """Serve ``db`` (run by ``prefix``), check it serves ``stored``'s articles, stop it
    with SIGTERM; what it printed. ``articles(stored)``, not ``articles(db)``: a mode=ro
    read of db would make the -wal and -shm files these tests look for."""
    port = free_port()
    assert PROGRAM is not None
    process = subprocess.Popen(
        [*prefix, PROGRAM, "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/a/articles.json?_shape=array&_col=url"
        rows = json_when_served(url, process, wait=30)
        assert {row["url"] for row in rows} == set(articles(stored))  # type: ignore[attr-defined]
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert process.returncode == 0, output
    assert "Traceback" not in output
    return output


@contextlib.contextmanager
def _tmpfs(point: Path, *options: str) -> Iterator[Path]:
    """A tmpfs mounted at ``point`` (made) with ``options`` for one test, unmounted after;
    the test is skipped where mounting is not allowed (needs root)."""
    mount = shutil.which("mount")
    if os.geteuid() != 0 or mount is None:
        pytest.skip("mounting a tmpfs needs root")
    point.mkdir()
    extra = ["-o", ",".join(options)] if options else []
    done = subprocess.run([mount, "-t", "tmpfs", *extra, "tmpfs", str(point)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield point
    finally:
        subprocess.run(["umount", str(point)], check=False)


@pytest.fixture
def read_only_mount(tmp_path: Path, stored: Path) -> Iterator[Path]:
    """A copy of ``stored`` on a tmpfs mounted read-only for this test (needs root)."""
    with _tmpfs(tmp_path / "ro-mount") as point:
        db = copy_of(stored, point)
        subprocess.run(["mount", "-o", "remount,ro", str(point)], check=True)
        yield db


@pytest.mark.parametrize("command", READ_COMMANDS, ids=[c[0] for c in READ_COMMANDS])
def test_read_commands_work_on_an_archive_on_a_read_only_mount(read_only_mount, command):
    # README promises a read-only mount as much as a read-only folder: there SQLite says
    # "unable to open database file" (CANTOPEN) for the -shm file, not READONLY_DIRECTORY,
    # and every read command failed with that line, exit 1.
    db = read_only_mount
    result = run_cli(*command, "--db", str(db))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Error" not in result.stderr and result.stdout
    assert sorted(p.name for p in db.parent.iterdir()) == ["a.db"]


@pytest.mark.parametrize(
    "args",
    [
        ["export", "-o", "{dir}/x.csv"],
        ["export", "--all-revisions", "-o", "{dir}/x.jsonl"],
        ["export", "--dataset", "{dir}/ds"],
        ["stats", "--plot", "{dir}/p.png"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_an_export_onto_a_read_only_mount_says_so_in_one_line(read_only_mount, args):
    # `export -o` said `unexpected OSError: [Errno 30] Read-only file system: 'x.csv.part'`:
    # removing the .part it could not make failed there too (EROFS, not ENOENT). The
    # dataset and the chart said `unexpected ...`, the chart after printing the tables.
    if args[0] == "stats":
        pytest.importorskip("matplotlib", reason="pip install 'pressroom[plot]'")
    db = read_only_mount
    filled = [a.format(dir=db.parent) for a in args]
    result = run_cli(*filled, "--db", str(db))
    line = assert_one_line_error(result, f"cannot write {filled[-1]}: Read-only file system")
    assert result.stdout == "", line
    assert sorted(p.name for p in db.parent.iterdir()) == ["a.db"]


@pytest.mark.parametrize("args", [[], ["--source", "site"]], ids=["all", "one source"])
def test_reextract_on_a_read_only_mount_says_the_archive_cannot_be_written(read_only_mount, args):
    # It said "cannot open archive ...: unable to open database file", SQLite's word for
    # the -shm file it cannot create there, as if the file were missing or damaged.
    db = read_only_mount
    before = digest(db)
    result = run_cli("reextract", *args, "--db", str(db))
    line = assert_one_line_error(result, "read-only file system")
    assert line.startswith(f"Error: cannot write to archive {str(db)!r}: "), line
    assert result.stdout == ""
    assert digest(db) == before and sorted(p.name for p in db.parent.iterdir()) == ["a.db"]


@pytest.fixture
def immutable_archive(stored: Path, tmp_path: Path) -> Iterator[Path]:
    """A copy of ``stored`` made immutable (``chattr +i``) in a writable folder (needs root)."""
    db = copy_of(stored, tmp_path / "immutable")
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(db)]).returncode != 0:
        pytest.skip("needs chattr +i (root, and a filesystem that has the flag)")
    try:
        yield db
    finally:
        subprocess.run([chattr, "-i", str(db)], check=True)


@pytest.mark.parametrize("command", READ_COMMANDS, ids=[c[0] for c in READ_COMMANDS])
def test_read_commands_leave_no_files_beside_an_immutable_archive(immutable_archive, command):
    # Each left a.db-wal and a.db-shm, which no one could remove through SQLite: the
    # last connection deletes them only if it may write the archive, which no one may.
    db = immutable_archive
    before = digest(db)
    result = run_cli(*command, "--db", str(db))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Error" not in result.stderr and result.stdout
    assert digest(db) == before and sorted(p.name for p in db.parent.iterdir()) == ["a.db"]


def test_serve_leaves_no_files_beside_an_immutable_archive(immutable_archive, stored):
    # serve probed the file mode=ro, which left a.db-wal and a.db-shm there; every later
    # command then saw a -wal file and read the archive as if a crawl were writing it.
    pytest.importorskip("datasette", reason="pip install 'pressroom[serve]' to test serve")
    db = immutable_archive
    refused = run_cli("serve", "--db", str(db), "--no-immutable")
    assert_one_line_error(refused, "the file is not writable", "--no-immutable", code=2)
    assert "immutable: the file is not writable" in _served_urls_match(db, stored)
    assert sorted(p.name for p in db.parent.iterdir()) == ["a.db"]


def test_reextract_on_an_immutable_archive_says_it_cannot_be_written(immutable_archive):
    db = immutable_archive
    before = digest(db)
    result = run_cli("reextract", "--db", str(db))
    assert_one_line_error(result, f"cannot write to archive {str(db)!r}")
    assert digest(db) == before and sorted(p.name for p in db.parent.iterdir()) == ["a.db"]


# --- full disk -------------------------------------------------------------------


@pytest.fixture
def tiny_filesystem(tmp_path: Path, stored: Path) -> Iterator[Path]:
    """A tmpfs just bigger than the stored archive, mounted for this test."""
    with _tmpfs(tmp_path / "tiny", f"size={stored.stat().st_size + 96 * 1024}") as point:
        yield point


def test_full_disk_on_a_tiny_filesystem(stored, source, tiny_filesystem):
    db = copy_of(stored, tiny_filesystem)
    result = crawl(source, db)
    assert_one_line_error(result, "cannot write to archive", "disk is full")
    assert integrity(db) == "ok"
    kept = articles(db)
    assert articles(stored).items() <= kept.items()  # nothing stored was lost or changed


# --- locked, corrupt ----------------------------------------------------------------


def test_archive_locked_by_another_writer(stored, source, tmp_path):
    db = copy_of(stored, tmp_path)
    other = sqlite3.connect(db)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        result = crawl(source, db)
    finally:
        other.rollback()
        other.close()
    assert_one_line_error(result, "locked by another writer", "try again later")
    assert articles(db) == articles(stored)


def exit_code_documented_for(words: str) -> int:
    """The code of README's exit-code table whose meaning holds ``words``."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = [line.split("|") for line in readme.splitlines() if line.startswith("| ")]
    codes = [int(row[1]) for row in rows if row[1].strip().isdigit() and words in row[2]]
    assert len(codes) == 1, f"README's exit-code table gives {codes} for {words!r}"
    return codes[0]


def test_an_archive_another_program_locks_exits_as_readme_says(stored, source, tmp_path):
    # README's table listed 75 for another crawl of the source, and nothing for another
    # program holding the archive's write lock: reextract and crawl wait, then exit 1.
    db = copy_of(stored, tmp_path)
    other = sqlite3.connect(db)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        result = run_cli("reextract", "--source", str(source), "--db", str(db), cwd=tmp_path)
    finally:
        other.rollback()
        other.close()
    code = exit_code_documented_for("another program holds the archive locked")
    assert_one_line_error(result, "locked by another writer", "try again later", code=code)
    assert articles(db) == articles(stored)


def test_archive_locked_in_the_middle_of_a_crawl(tmp_path):
    # The pipeline's path for any write that fails mid-crawl (a full disk takes it
    # too): stop the crawl, one line, exit 1, what was committed stays. Crawl-delay
    # keeps the crawl slow enough to be caught in the middle.
    site = build_site(10, translations_every=0)
    with serve_faults(site, robots="crawl-delay:0.5", faults=False) as slow:
        source = write_source(tmp_path / "slow.toml", "slow", sitemaps=[f"{slow.url}/sitemap.xml"])
        db = tmp_path / "a.db"
        command = [sys.executable, "-m", "crawler", "crawl", "--source", str(source)]
        proc = subprocess.Popen(
            [*command, "--db", str(db), "--workers", "0", "-s", "PRESSROOM_BATCH_SIZE=1"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(titles(db)) < 2:
            time.sleep(0.05)
        committed = articles(db)
        other = sqlite3.connect(db, timeout=30)
        other.execute("BEGIN IMMEDIATE")  # held past the crawl's 10 s busy timeout
        time.sleep(12)
        other.rollback()
        other.close()
        out, err = proc.communicate(timeout=120)
    result = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    assert 2 <= len(committed) < 10, "caught the crawl too late"
    assert_one_line_error(result, "locked by another writer")
    assert integrity(db) == "ok"
    assert committed.items() <= articles(db).items()
    con = sqlite3.connect(db)
    status, message = con.execute("SELECT status, message FROM runs").fetchone()
    con.close()
    assert (status, message.split(":")[0]) == ("failed", "archive error")


@pytest.mark.parametrize(
    ("where", "words", "code"),
    [
        # No longer an SQLite file: like any other file given as --db, bad input.
        ("header", ("is not a pressroom archive",), 2),
        # A damaged archive: the run failed.
        ("pages", ("is corrupt", ".recover"), 1),
    ],
)
def test_corrupt_archive(stored, source, tmp_path, where, words, code):
    db = copy_of(stored, tmp_path)
    corrupt_archive(db, where)
    before = digest(db)
    result = crawl(source, db)
    assert_one_line_error(result, *words, code=code)
    assert digest(db) == before  # left exactly as it was: a user's backup can fix it


def damage_table(db: Path, table: str) -> None:
    """Overwrite the root page of ``table`` with junk: SQLite then calls the file malformed."""
    con = sqlite3.connect(db)
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", [table]).fetchone()[0]
    size = con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    with open(db, "r+b") as fp:
        fp.seek((root - 1) * size)
        fp.write(b"\xa5" * size)


def test_a_damaged_profile_table_is_reported_corrupt(stored, tmp_path):
    # `pressroom profile` read its table outside the archive's error names:
    # "unexpected DatabaseError: database disk image is malformed".
    db = copy_of(stored, tmp_path)
    damage_table(db, "profile_blocks")
    result = run_cli("profile", "site", "--all", "--db", str(db))
    assert_one_line_error(result, "is corrupt", ".recover", code=1)
    assert "unexpected" not in result.stderr


def test_text_that_is_not_utf8_is_reported_corrupt(stored, tmp_path):
    # Bytes that are not UTF-8 in a text column (pressroom never writes them: a damaged
    # page) made export say "unexpected OperationalError: Could not decode to UTF-8
    # column 'CASE typeof(a.text) ..." with the query's SQL.
    db = copy_of(stored, tmp_path)
    con = sqlite3.connect(db)
    with con:
        con.execute("UPDATE articles SET text = CAST(x'41ff42' AS TEXT) WHERE id = 1")
    con.close()
    out = tmp_path / "out"
    out.mkdir()
    for command in (["export", "-o", "x.jsonl"], ["export", "--format", "csv"], ["reextract"]):
        result = run_cli(*command, "--db", str(db), cwd=out)
        line = assert_one_line_error(result, "is corrupt", "not valid UTF-8", code=1)
        assert "SELECT" not in line and "CASE" not in line, line
    assert list(out.iterdir()) == []


# --- SIGKILL at random moments --------------------------------------------------------


def test_sigkill_at_random_moments_then_the_next_run_completes(server, source, tmp_path):
    seed = int(os.environ.get("PRESSROOM_KILL_SEED", "7"))
    rng = random.Random(seed)
    db = tmp_path / "killed.db"
    truth = {server.release_url(i): server.releases[i].title for i in range(RELEASES)}
    command = [sys.executable, "-m", "crawler", "crawl", "--source", str(source)]
    command += ["--db", str(db), "--workers", "0", "-s", "PRESSROOM_BATCH_SIZE=2"]
    seen: dict[str, str] = {}
    for kill in range(3):
        # A random moment of the crawl: before the run exists, or after n articles.
        target, jitter = rng.randrange(-2, RELEASES), rng.uniform(0, 0.3)
        full = ["--full"] if kill else []  # every run has all its pages to write again
        moment = kill_during(command + full, db, target, jitter, ROOT)
        if not db.exists():
            continue
        check_consistent(db, truth, seen, f"kill {kill + 1} {moment} (seed {seed})")
        seen = titles(db)
    done = crawl(source, db)
    assert done.returncode == 0, done.stderr
    check_consistent(db, truth, seen, "after the completing run")
    assert set(titles(db)) == set(truth)  # complete


def titles(db: Path) -> dict[str, str]:
    if not db.exists():
        return {}
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return dict(con.execute("SELECT url, title FROM articles"))
    except sqlite3.OperationalError:
        return {}  # killed before the schema was created
    finally:
        con.close()


def check_consistent(db: Path, truth: dict[str, str], seen: dict[str, str], context: str) -> None:
    """integrity_check passes; no article lost, duplicated or wrong."""
    con = sqlite3.connect(db)  # read-write: recovers the WAL like the next run would
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok", context
        tables = {name for (name,) in con.execute("SELECT name FROM sqlite_master")}
        if "articles" not in tables:
            return
        con.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")
        rows = con.execute("SELECT url, title, text_hash FROM articles").fetchall()
    finally:
        con.close()
    urls = [url for url, _, _ in rows]
    assert len(urls) == len(set(urls)), f"duplicated article, {context}"
    assert len({h for _, _, h in rows}) == len(rows), f"duplicated text, {context}"
    now = {url: title for url, title, _ in rows}
    assert seen.items() <= now.items(), f"lost or changed article, {context}"
    for url, title in now.items():
        assert truth.get(url) == title, f"wrong article at {url}, {context}"
