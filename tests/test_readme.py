"""The README's `pressroom ...` commands, run as written against the fixture site.

Every command in the README's shell code blocks runs here, in a fresh folder
that holds copies of an archive of the fixture site under each ``--db`` name the
line uses (and ``pressroom.db``, the default). Only what would leave the
machine is rewritten (SUBSTITUTIONS: real sites -> the fixture site on
127.0.0.1). A line that cannot run offline is listed in SKIPPED with the reason;
a new README line that is neither runnable nor listed fails here.
"""

from __future__ import annotations

import re
import shlex
import signal
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from helpers import PROGRAM, ROOT, free_port

from storage import Archive

README = ROOT / "README.md"
SHELL_BLOCKS = {"bash", "sh", "shell", "console"}

# README command -> why it does not run here. Keyed by the command as written.
# Empty today: every command runs, with SUBSTITUTIONS. Add an entry only for a
# line that truly cannot run offline, with the reason.
SKIPPED: dict[str, str] = {}

# What the README names that is not on this machine, and what stands in for it.
# {site} is the fixture site's address; {release} a release archived from it.
SUBSTITUTIONS = [
    ("pressroom crawl hrw ", "pressroom crawl --source mysite.toml "),  # bundled: real hrw.org
    ("pressroom crawl mysite ", "pressroom crawl fixture "),  # the archive's source is "fixture"
    ("https://example.org/sitemap.xml", "{site}/sitemap.xml"),
    ("https://example.org/rss.xml", "{site}/news/feed.xml"),
    ("https://example.org/news", "{site}/news"),
    ("--allow '/press/'", "--allow '/news/'"),  # the fixture's releases live under /news/
    ("https://www.hrw.org/news/2026/01/12/chad", "{release}"),
    (" hrw ", " fixture "),  # the source name, where the archive has the fixture's pages
    (" --source hrw", " --source fixture"),
]


def readme_commands() -> list[tuple[int, str]]:
    """(line number, command) for each `pressroom ...` command in the README's shell blocks."""
    found = []
    lines = README.read_text(encoding="utf-8").splitlines()
    fence = None
    for number, line in enumerate(lines, 1):
        if line.startswith("```"):
            fence = line[3:].strip() if fence is None else None
            continue
        if fence not in SHELL_BLOCKS or not line.strip() or line.lstrip().startswith("#"):
            continue
        code = strip_comment(line)
        for part in re.split(r"\s*(?:&&|\|\||;)\s*", code):
            words = part.split()
            if words and Path(words[0]).name == "pressroom":
                found.append((number, part.strip()))
    return found


def strip_comment(line: str) -> str:
    """The line without a trailing ``# comment``: the first `` #`` outside quotes."""
    for match in re.finditer(r"\s#", line):
        head = line[: match.start()]
        try:
            shlex.split(head)  # quotes balanced before it: the # is not quoted
        except ValueError:
            continue
        return head.rstrip()
    return line.rstrip()


COMMANDS = readme_commands()


def test_the_readme_has_commands_and_every_skip_is_still_in_it():
    assert len(COMMANDS) >= 20
    assert set(SKIPPED) <= {command for _, command in COMMANDS}, "stale SKIPPED entry"
    assert all(SKIPPED.values()), "each skipped command needs its reason"


@pytest.fixture
def workdir(tmp_path: Path, crawled_archive: Path, fixture_source: Path, site_url: str) -> Path:
    """A fresh folder as a user's: the source file, saved pages, copies of the archive."""
    (tmp_path / "mysite.toml").write_text(fixture_source.read_text())
    saved = tmp_path / "saved"
    (saved / "folder").mkdir(parents=True)
    urls = release_urls(crawled_archive, 3)
    for path, url in zip(["page.html", "folder/a.html", "folder/b.html"], urls, strict=True):
        with urllib.request.urlopen(url, timeout=10) as response:
            (saved / path).write_bytes(response.read())
    return tmp_path


def release_urls(db: Path, n: int) -> list[str]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT url FROM articles ORDER BY url LIMIT ?", (n,)).fetchall()
    return [url for (url,) in rows]


def prepare(command: str, workdir: Path, archive: Path, site_url: str) -> str:
    """The command with SUBSTITUTIONS applied, and the archives it reads copied into workdir."""
    release = release_urls(archive, 1)[0]
    for old, new in SUBSTITUTIONS:
        command = command.replace(old, new.format(site=site_url, release=release))
    words = shlex.split(command)
    names = {"pressroom.db"} | {words[i + 1] for i, word in enumerate(words[:-1]) if word == "--db"}
    for name in names:
        with (
            sqlite3.connect(f"file:{archive}?mode=ro", uri=True) as src,
            sqlite3.connect(workdir / name) as dst,
        ):
            src.backup(dst)
    if words[1] == "history":  # `--diff 1 3` needs three versions: edit the release twice
        edit_twice(workdir / words[words.index("--db") + 1], release)
    return command


def edit_twice(db: Path, url: str) -> None:
    """Store two corrected versions of the release at ``url``, as two later crawls would."""
    with Archive(db) as archive:
        current = next(r for r in archive.articles() if r["url"] == url)
        for field in ("id", "run_id", "first_seen", "last_fetched", "last_changed", "text_hash"):
            current.pop(field, None)  # the archive sets these itself
        for n in (2, 3):
            run = archive.start_run(current["source"], {})
            text = current["text"] + f"\n\nCorrection {n}: an earlier version misstated a figure."
            archive.save_articles([{**current, "text": text}], run)
            archive.finish_run(run, "ok", {})


@pytest.mark.skipif(PROGRAM is None, reason="pip install -e '.[test]' first")
@pytest.mark.parametrize(
    "command", [c for _, c in COMMANDS], ids=[f"README:{n}" for n, _ in COMMANDS]
)
def test_readme_command_runs(command, workdir, crawled_archive, site_url):
    if command in SKIPPED:
        pytest.skip(SKIPPED[command])
    line = prepare(command, workdir, crawled_archive, site_url)
    if line.startswith("pressroom serve"):
        check_serve(line, workdir)
        return
    # Through bash, for redirections; `pressroom` is the installed program on PATH.
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", line],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, f"{line}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr


def check_serve(line: str, workdir: Path) -> None:
    """Serve on a free port (the README's 8001 may be taken), fetch a page, stop."""
    words = shlex.split(line)
    port = free_port()
    proc = subprocess.Popen(
        [PROGRAM, *words[1:], "--port", str(port)],
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    db = Path(words[words.index("--db") + 1]).stem
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/{db}/articles") as page:
                    assert page.status == 200
                    break
            except OSError:
                assert proc.poll() is None, proc.communicate()[1]
                assert time.monotonic() < deadline, "serve did not answer in 60 s"
                time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    assert "Traceback" not in stderr
