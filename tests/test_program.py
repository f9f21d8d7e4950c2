"""What users run is what we test: the installed `pressroom` program, every command and format.

Each test runs the console script in a subprocess (tests/helpers.py run_cli) on
one archive that a real `pressroom crawl` made of the fixture site (conftest's
``crawled_archive``), and checks what a researcher would: the exit code, no
traceback, and files that pandas, polars, duckdb and Hugging Face ``datasets``
load with as many rows as the archive has articles. In-process CliRunner tests
elsewhere miss what only the program does (pressroom/__main__.py loads
sqlite-utils without pandas; issue 14: that once broke every Parquet export).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from helpers import PROGRAM, json_when_served, program_serving, run_cli

from pressroom.cli import main
from storage import Archive

pytestmark = pytest.mark.skipif(PROGRAM is None, reason="pip install -e '.[test]' first")

pd = pytest.importorskip("pandas", reason="pip install -e '.[test]': pandas reads the exports")
pl = pytest.importorskip("polars", reason="pip install -e '.[test]': polars reads the exports")
duckdb = pytest.importorskip("duckdb", reason="pip install -e '.[test]': duckdb reads the exports")
pytest.importorskip("pyarrow", reason="pip install -e '.[test]': Parquet needs pyarrow")

QUERY = "rights"  # words every release of the fixture site uses


def ok(result: subprocess.CompletedProcess, code: int = 0) -> subprocess.CompletedProcess:
    """The run ended with ``code`` and printed no traceback."""
    assert result.returncode == code, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in (result.stderr or "") + (result.stdout or "")
    return result


def duckdb_count(sql: str) -> int:
    """The one number a ``SELECT count(*)`` returns, through duckdb's own connection."""
    return duckdb.execute(sql).fetchone()[0]


def article_count(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]


def copy_archive(db: Path, to: Path) -> Path:
    """A private copy for commands that write (reextract), made with SQLite's backup."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as src, sqlite3.connect(to) as dst:
        src.backup(dst)
    return to


@pytest.fixture(scope="module")
def db(crawled_archive: Path) -> Path:
    return crawled_archive


@pytest.fixture(scope="module")
def articles(db: Path) -> int:
    count = article_count(db)
    assert count >= 30, "the fixture crawl should archive the site's releases"
    return count


# -- every command answers --help, with an example ----------------------------


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help_with_an_example(command):
    out = ok(run_cli(command, "--help")).stdout
    assert out.startswith(f"Usage: pressroom {command}")
    assert "Example" in out


def test_version_and_unknown_command():
    assert ok(run_cli("--version")).stdout.startswith("pressroom, version ")
    ok(run_cli("nosuch"), 2)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["nosuch"], "Error: No such command 'nosuch'. (see 'pressroom --help')"),
        (["extract"], "Error: Missing argument 'PATHS...'. (see 'pressroom extract --help')"),
        (["search", "--bogus", "x"], "Error: No such option '--bogus'"),
        (["export", "--format", "nope"], "Error: Invalid value for '--format': 'nope'"),
    ],
)
def test_a_usage_mistake_is_one_line_like_every_other_error(args, said):
    # README: every error is one line starting "Error:"; click's own usage errors were
    # three (the usage, "Try ... for help.", then the error).
    result = ok(run_cli(*args), 2)
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith(said), result.stderr


# -- crawl and sources ------------------------------------------------------


def test_crawl_made_the_archive_and_a_rerun_reports_nothing_new(
    db, articles, fixture_source, tmp_path
):
    copy = copy_archive(db, tmp_path / "rerun.db")
    rerun = ok(run_cli("crawl", "--source", str(fixture_source), "--db", str(copy)))
    assert rerun.stdout.startswith("run 2 fixture: ok - 0 new"), rerun.stdout
    assert article_count(copy) == articles


def test_sources_lists_bundled_and_crawled(db, articles):
    out = ok(run_cli("sources", "--db", str(db))).stdout
    assert "hrw\tbundled" in out
    assert f"fixture\tin {db}\t{articles} articles" in out


# -- search: table, json (one array), jsonl / --nl, csv ---------------------


@pytest.fixture(scope="module")
def hits(db: Path) -> list[dict]:
    with Archive(db, readonly=True) as archive:
        found = archive.search(QUERY, limit=1000)
    assert len(found) >= 10
    return found


@pytest.mark.parametrize(
    "args",
    [["--format", "json"], ["--json"]],
    ids=["format-json", "json-flag"],
)
def test_search_json_is_one_array(db, hits, args, tmp_path):
    out = ok(run_cli("search", QUERY, "--limit", "1000", *args, "--db", str(db))).stdout
    rows = json.loads(out)
    assert [r["url"] for r in rows] == [h["url"] for h in hits]
    path = tmp_path / "hits.json"
    path.write_text(out, encoding="utf-8")
    assert len(pd.read_json(path)) == len(hits)
    assert len(pl.read_json(path)) == len(hits)
    assert duckdb_count(f"SELECT count(*) FROM read_json('{path}')") == len(hits)


@pytest.mark.parametrize("args", [["--format", "jsonl"], ["--nl"]], ids=["format-jsonl", "nl-flag"])
def test_search_jsonl_is_one_object_per_line(db, hits, args, tmp_path):
    out = ok(run_cli("search", QUERY, "--limit", "1000", *args, "--db", str(db))).stdout
    assert [json.loads(line)["url"] for line in out.splitlines()] == [h["url"] for h in hits]
    path = tmp_path / "hits.jsonl"
    path.write_text(out, encoding="utf-8")
    assert len(pd.read_json(path, lines=True)) == len(hits)
    assert len(pl.read_ndjson(path)) == len(hits)


def test_search_csv_and_table(db, hits, tmp_path):
    out = ok(run_cli("search", QUERY, "--limit", "1000", "--format", "csv", "--db", str(db)))
    path = tmp_path / "hits.csv"
    path.write_text(out.stdout, encoding="utf-8")
    assert list(pd.read_csv(path)["url"]) == [h["url"] for h in hits]
    assert len(pl.read_csv(path)) == len(hits)
    table = ok(run_cli("search", QUERY, "--limit", "3", "--db", str(db))).stdout
    assert hits[0]["title"] in table and hits[0]["url"] in table
    nothing = ok(run_cli("search", "zzzznotaword", "--json", "--db", str(db)))
    assert json.loads(nothing.stdout) == []


def test_search_two_formats_and_a_bad_query_exit_2(db):
    both = ok(run_cli("search", QUERY, "--json", "--nl", "--db", str(db)), 2)
    assert "give one output format" in both.stderr
    bad = ok(run_cli("search", "rights AND", "--db", str(db)), 2)
    assert bad.stderr.startswith("Error: invalid search query")


# -- export: every format, to a file and to stdout, read by four libraries --


def load_counts(path: Path, fmt: str) -> dict[str, int]:
    """How many rows each library reads from an exported file."""
    name = str(path)
    if fmt == "jsonl":
        return {
            "pandas": len(pd.read_json(path, lines=True)),
            "polars": len(pl.read_ndjson(path)),
            "duckdb": duckdb_count(
                f"SELECT count(*) FROM read_json('{name}', format='newline_delimited')"
            ),
        }
    if fmt == "csv":
        return {
            "pandas": len(pd.read_csv(path)),
            "polars": len(pl.read_csv(path)),
            "duckdb": duckdb_count(f"SELECT count(*) FROM read_csv('{name}')"),
        }
    return {
        "pandas": len(pd.read_parquet(path)),
        "polars": len(pl.read_parquet(path)),
        "duckdb": duckdb_count(f"SELECT count(*) FROM read_parquet('{name}')"),
        "datasets": len(hf_load(name)),
    }


def hf_load(data_files: str):
    """Hugging Face's Parquet loader, offline, its cache in a temporary folder."""
    datasets = pytest.importorskip("datasets", reason="pip install -e '.[test]'")
    cache = Path(os.environ.get("PRESSROOM_CACHE_DIR", ".")) / "hf-cache"
    return datasets.load_dataset("parquet", data_files=data_files, split="train", cache_dir=cache)


@pytest.fixture(autouse=True)
def hf_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_export_to_a_file_loads_everywhere_with_every_article(db, articles, fmt, tmp_path):
    out = tmp_path / f"articles.{fmt}"
    result = ok(run_cli("export", "--format", fmt, "-o", str(out), "--db", str(db)))
    assert result.stderr.strip() == f"wrote {articles} articles to {out}"
    counts = load_counts(out, fmt)
    assert counts == dict.fromkeys(counts, articles)
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_export_to_stdout_matches_the_file(db, articles, fmt, tmp_path):
    out = tmp_path / f"to-file.{fmt}"
    ok(run_cli("export", "--format", fmt, "-o", str(out), "--db", str(db)))
    piped = tmp_path / f"stdout.{fmt}"
    with open(piped, "wb") as fp:
        result = subprocess.run(
            [PROGRAM, "export", "--format", fmt, "--db", str(db)],
            stdout=fp,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    ok(result)
    assert piped.read_bytes() == out.read_bytes()  # same options, byte-identical
    assert load_counts(piped, fmt)["pandas"] == articles


def test_export_dataset_folder_loads_everywhere(db, articles, tmp_path):
    folder = tmp_path / "fixture-dataset"
    ok(run_cli("export", "--dataset", str(folder), "--max-file-size", "1MB", "--db", str(db)))
    assert sorted((folder / "data").glob("*.parquet"))
    assert (folder / "README.md").exists() and (folder / "SHA256SUMS").exists()
    assert len(pd.read_parquet(folder / "data")) == articles
    assert len(pl.read_parquet(folder / "data" / "*.parquet")) == articles
    where = f"{folder}/data/*.parquet"
    assert duckdb_count(f"SELECT count(*) FROM read_parquet('{where}')") == articles
    assert len(hf_load(where)) == articles


def test_export_filters_query_and_dedupe(db, articles, hits, tmp_path):
    out = tmp_path / "rights.parquet"
    ok(run_cli("export", "--format", "parquet", "--query", QUERY, "-o", str(out), "--db", str(db)))
    with Archive(db, readonly=True) as archive:
        matching = archive.count(query=QUERY)
    assert len(pd.read_parquet(out)) == matching
    fr = tmp_path / "fr.jsonl"
    ok(run_cli("export", "--lang", "fr", "-o", str(fr), "--db", str(db)))
    french = pd.read_json(fr, lines=True)
    assert 0 < len(french) < articles and set(french["language"]) == {"fr"}
    deduped = ok(run_cli("export", "--dedupe", "near", "--db", str(db)))
    assert "dropped" in deduped.stderr and "near duplicates" in deduped.stderr


def test_export_all_revisions_and_warc(db, articles, tmp_path):
    history = tmp_path / "history.jsonl"
    result = ok(run_cli("export", "--all-revisions", "-o", str(history), "--db", str(db)))
    versions = len(pd.read_json(history, lines=True))
    assert versions >= articles and f"wrote {versions} versions" in result.stderr
    csv_history = tmp_path / "history.csv"
    ok(
        run_cli(
            "export", "--all-revisions", "--format", "csv", "-o", str(csv_history), "--db", str(db)
        )
    )
    assert len(pd.read_csv(csv_history)) == versions
    warc = tmp_path / "fixture.warc.gz"
    result = ok(run_cli("export", "--format", "warc", "-o", str(warc), "--db", str(db)))
    from warcio.archiveiterator import ArchiveIterator

    with open(warc, "rb") as fp:
        responses = [r for r in ArchiveIterator(fp) if r.rec_type == "response"]
    assert len(responses) >= articles and "captures" in result.stderr


def test_export_bad_input_exits_2(db, tmp_path):
    taken = tmp_path / "taken.jsonl"
    taken.write_text("keep me")
    ok(run_cli("export", "-o", str(taken), "--db", str(db)), 2)
    assert taken.read_text() == "keep me"
    ok(run_cli("export", "--db", str(tmp_path / "missing.db")), 2)


@pytest.mark.parametrize(
    "command",
    [
        "export --format jsonl",
        "export --format csv",
        "export --format parquet",
        "export --all-revisions",
        "export --format warc",
    ],
)
def test_a_reader_that_leaves_the_pipe_is_not_an_error(db, command):
    # A real shell pipe; `head -c 1` leaves after one byte, long before the
    # program is done (the output is far larger than a pipe's buffer).
    assert shutil.which("bash") and shutil.which("head")
    script = f'set -o pipefail; "{PROGRAM}" {command} --db "{db}" | head -c 1 > /dev/null'
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    size = f'"{PROGRAM}" {command} --db "{db}" | wc -c'
    whole = subprocess.run(["bash", "-c", size], capture_output=True, text=True, timeout=120)
    # More than a pipe's buffer (64 KiB), so the program is still writing when `head` leaves.
    assert int(whole.stdout) > 64 * 1024 + 1


@pytest.mark.parametrize(
    "command",
    ["export --format csv", "export --format parquet", "search the --json", "stats", "runs"],
)
def test_an_output_on_a_full_disk_or_a_closed_stdout_is_one_line(db, command):
    # On a full disk (/dev/full) every command said `unexpected OSError: [Errno 28] No
    # space left on device (set PRESSROOM_DEBUG=1 for details)`; with stdout closed
    # (`>&-`), a traceback from the exit's flush of a stream that is not there.
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    full = f'"{PROGRAM}" {command} --db "{db}" > /dev/full'
    result = subprocess.run(["bash", "-c", full], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr == "Error: cannot write the output: No space left on device\n"
    closed = f'"{PROGRAM}" {command} --db "{db}" >&-'
    result = subprocess.run(["bash", "-c", closed], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) <= 1, result.stderr


# -- stats, history, profile, reextract, extract ----------------------------


def test_stats_and_plot(db, articles, tmp_path):
    out = ok(run_cli("stats", "--db", str(db))).stdout
    assert out.startswith(f"{articles} articles, ")
    assert "fixture" in out and "language" in out
    pytest.importorskip("matplotlib", reason="pip install 'pressroom[plot]'")
    png = tmp_path / "coverage.png"
    ok(run_cli("stats", "--plot", str(png), "--db", str(db)))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_history_of_a_release(db):
    with Archive(db, readonly=True) as archive:
        row = next(iter(archive.articles(limit=1)))
    out = ok(run_cli("history", row["url"], "--db", str(db))).stdout
    assert out.startswith("v1  ") and " -> now  " in out and row["title"] in out
    url = row["url"]
    missing = ok(run_cli("history", url + "-nope", "--db", str(db)), 2)
    assert missing.stderr.startswith("Error: no archived release at")
    # The same release by a URL as pasted from a newsletter or a browser.
    for other in (url + "/", url + "?utm_source=newsletter#top"):
        assert ok(run_cli("history", other, "--db", str(db))).stdout == out, other


def test_profile_every_format(db, tmp_path):
    text = ok(run_cli("profile", "fixture", "--all", "--db", str(db))).stdout
    assert text.startswith("fixture: learned from ")
    shown = len(text.splitlines()) - 1
    array = json.loads(ok(run_cli("profile", "fixture", "--all", "--json", "--db", str(db))).stdout)
    same = ok(run_cli("profile", "fixture", "--all", "--format", "json", "--db", str(db))).stdout
    assert json.loads(same) == array and len(array) == shown
    lines = ok(run_cli("profile", "fixture", "--all", "--nl", "--db", str(db))).stdout
    assert [json.loads(line) for line in lines.splitlines()] == array
    path = tmp_path / "profile.json"
    path.write_text(same, encoding="utf-8")
    assert len(pd.read_json(path)) == shown


def test_reextract_on_a_copy(db, articles, tmp_path):
    copy = copy_archive(db, tmp_path / "copy.db")
    out = ok(run_cli("reextract", "--source", "fixture", "--db", str(copy))).stdout
    assert out.startswith(f"re-extracted {articles} releases: ")
    assert out.rstrip().endswith(" 0 failed")


@pytest.fixture(scope="module")
def saved_pages(db: Path, site_url: str, tmp_path_factory) -> Path:
    """Three release pages of the fixture site saved as a user would (curl -o)."""
    folder = tmp_path_factory.mktemp("saved")
    with Archive(db, readonly=True) as archive:
        urls = [row["url"] for row in archive.articles(limit=3)]
    for i, url in enumerate(urls):
        with urllib.request.urlopen(url, timeout=10) as response:
            (folder / f"page{i}.html").write_bytes(response.read())
    return folder


@pytest.mark.parametrize(
    "args, array",
    [
        ([], False),
        (["--nl"], False),
        (["--format", "jsonl"], False),
        (["--json"], True),
        (["--format", "json"], True),
    ],
    ids=["default-jsonl", "nl", "format-jsonl", "json", "format-json"],
)
def test_extract_every_format(db, saved_pages, args, array, tmp_path):
    # --source fixture: the rules recorded by the crawl, and its learned profile
    out = ok(run_cli("extract", str(saved_pages), *args, "--source", "fixture", "--db", str(db)))
    out = out.stdout
    path = tmp_path / "pages.json"
    path.write_text(out, encoding="utf-8")
    rows = json.loads(out) if array else [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 3 and all(r["title"] and r["text"] for r in rows)
    assert len(pd.read_json(path, lines=not array)) == 3
    assert len(pl.read_json(path) if array else pl.read_ndjson(path)) == 3


# -- serve and demo ------------------------------------------------------------


def test_serve_answers_over_http_then_stops(db, articles):
    pytest.importorskip("datasette", reason="pip install 'pressroom[serve]'")
    with program_serving(db) as served:
        url = f"{served.url}/{db.stem}/articles.json?_shape=array&_size=max"
        rows = json_when_served(url, served.process)
        assert len(rows) == articles  # type: ignore[arg-type]
        with urllib.request.urlopen(f"{served.url}/{db.stem}", timeout=5) as page:
            assert page.status == 200 and b"articles" in page.read()
    assert f"at {served.url}/{db.stem}/articles" in served.stdout
    assert "Traceback" not in served.stderr


def test_the_program_leaves_pandas_importable():
    # The program loads sqlite-utils without pandas (crawler/startup.py); a
    # process that then imports pandas gets the real module, not a block.
    code = (
        "import sys\n"
        "import pressroom.__main__, pandas, pyarrow\n"
        "assert 'pandas' in sys.modules and pandas.DataFrame({'a': [1]}).shape == (1, 1)\n"
        "import sqlite_utils.db as d; print(len([t for t in d.COLUMN_TYPE_MAPPING if "
        "getattr(t, '__module__', '').startswith(('pandas', 'numpy'))]))\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"  # sqlite-utils did load without them
