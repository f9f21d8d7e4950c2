"""`pressroom export` as users run it: the file's name and --format, WARC files that
are byte-identical between runs, and refusals that leave no file behind.

Each test runs the installed program (tests/helpers.py run_cli) on a small archive
written here with storage's own API: three releases, each with its stored response.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest
from helpers import PROGRAM, ROOT, Clock, archive_holding, run_cli

from storage import Archive

pytestmark = pytest.mark.skipif(PROGRAM is None, reason="pip install -e '.[test]' first")

PAGES = {
    "https://ngo.example/news/2024/01/05/flood": ("Flood relief", "2024-01-05"),
    "https://ngo.example/news/2024/02/01/school": ("Schools reopen", "2024-02-01"),
    "https://ngo.example/news/2024/03/02/water": ("Clean water", "2024-03-02"),
}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "ngo.db"
    with Archive(path, clock=Clock()) as archive:
        run = archive.start_run("ngo", {})
        rows = []
        for url, (title, day) in PAGES.items():
            body = f"<html><h1>{title}</h1><p>{title} text.</p></html>".encode()
            capture = archive.save_capture(
                url, 200, {"Content-Type": "text/html"}, body, "text/html"
            )
            rows.append(
                {"url": url, "source": "ngo", "title": title, "date_published": day}
                | {"text": f"{title} text.", "language": "en", "capture_hash": capture}
            )
        archive.save_articles(rows, run)
    return path


def refused(result: subprocess.CompletedProcess) -> str:
    """The one `Error:` line of a run refused as bad input (exit 2)."""
    assert result.returncode == 2, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


# -- the output's name says the format ------------------------------------------


def test_a_csv_name_without_format_writes_csv(db, tmp_path):
    out = tmp_path / "z.csv"
    result = run_cli("export", "-o", str(out), "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8").startswith("id,url,")
    assert result.stderr.strip() == f"wrote 3 articles to {out}"


def test_a_jsonl_name_and_an_unknown_one_write_jsonl(db, tmp_path):
    for name in ("a.jsonl", "a.ndjson", "a.txt"):
        result = run_cli("export", "-o", str(tmp_path / name), "--db", str(db))
        assert result.returncode == 0, result.stderr
        lines = (tmp_path / name).read_text(encoding="utf-8").splitlines()
        assert [json.loads(line)["title"] for line in lines][0] == "Flood relief", name


def test_a_parquet_name_without_format_writes_parquet(db, tmp_path):
    pytest.importorskip("pyarrow", reason="pip install 'pressroom[parquet]'")
    out = tmp_path / "z.parquet"
    result = run_cli("export", "-o", str(out), "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:4] == b"PAR1"


def test_a_parquet_file_says_what_it_was_exported_from(db, tmp_path):
    # Only a --dataset folder said it (its card): a single Parquet file held no word of
    # its archive, selection or version. Now its key-value metadata does, and the same
    # export is still the same bytes (nothing in it is the time of the export).
    pq = pytest.importorskip("pyarrow.parquet", reason="pip install 'pressroom[parquet]'")
    first, second = tmp_path / "a.parquet", tmp_path / "b.parquet"
    for out in (first, second):
        args = ("--query", "water OR school", "--since", "2024-01-15", "--dedupe", "near")
        result = run_cli("export", "-o", str(out), *args, "--db", str(db))
        assert result.returncode == 0, result.stderr
    assert first.read_bytes() == second.read_bytes()
    about = json.loads(pq.read_schema(first).metadata[b"pressroom"])
    assert about["archive"] == "ngo.db"  # its name only: no folder of the machine
    assert about["selection"] == 'query="water OR school", since="2024-01-15"'
    assert about["near_duplicates"].startswith("removed: a release whose")
    assert about["exported_by"].startswith("pressroom ")
    assert about["row_order"].startswith("by date_published")
    # school and water match; their three-word texts are near duplicates: one is kept.
    assert pq.read_table(first).num_rows == 1
    plain = tmp_path / "all.parquet"
    assert run_cli("export", "-o", str(plain), "--db", str(db)).returncode == 0
    about = json.loads(pq.read_schema(plain).metadata[b"pressroom"])
    assert about["selection"] == "every article in the archive"
    assert about["near_duplicates"] == "kept (no near-duplicate removal)"


@pytest.mark.parametrize("name", ["z.warc.gz", "z.warc"])
def test_a_warc_name_without_format_writes_warc(db, tmp_path, name):
    out = tmp_path / name
    result = run_cli("export", "-o", str(out), "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert gzip.decompress(out.read_bytes()).startswith(b"WARC/1.")
    assert result.stderr.strip() == f"wrote 3 captures to {out}"


def test_an_all_revisions_csv_name_writes_csv(db, tmp_path):
    out = tmp_path / "history.csv"
    result = run_cli("export", "--all-revisions", "-o", str(out), "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8").startswith("url,source,version,")


@pytest.mark.parametrize(
    ("args", "name", "start", "lines"),
    [
        ([], "z.csv.gz", "id,url,", 1 + len(PAGES)),
        ([], "z.jsonl.gz", '{"id": ', len(PAGES)),
        (["--format", "csv"], "z.gz", "id,url,", 1 + len(PAGES)),
        (["--all-revisions"], "history.csv.gz", "url,source,", 1 + len(PAGES)),
    ],
)
def test_a_gz_name_writes_the_named_format_gzipped(db, tmp_path, args, name, start, lines):
    # `-o hrw.csv.gz` wrote JSON Lines, uncompressed (a name not ending in .csv), which
    # pandas, polars and DuckDB then failed to read as the gzipped CSV the name says.
    out = tmp_path / name
    written = []
    for _ in range(2):
        result = run_cli("export", *args, "-o", str(out), "--force", "--db", str(db))
        assert result.returncode == 0, result.stderr
        written.append(out.read_bytes())
    assert written[0] == written[1]  # byte-identical: no time in the gzip header
    text = gzip.decompress(written[0]).decode("utf-8")
    assert text.startswith(start) and len(text.splitlines()) == lines


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("z.parquet.gz", "Parquet is compressed already"),
        ("z.csv.zst", "gzip only"),
        ("z.jsonl.bz2", "gzip only"),
        ("z.jsonl.xz", "gzip only"),
        ("z.tgz", "gzip only"),
    ],
)
def test_a_compressed_name_pressroom_cannot_write_is_refused(db, tmp_path, name, words):
    line = refused(run_cli("export", "-o", str(tmp_path / name), "--db", str(db)))
    assert words in line and name in line, line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "fmt, name",
    [("jsonl", "z.csv"), ("csv", "z.parquet"), ("parquet", "z.jsonl"), ("warc", "z.csv")],
)
def test_a_format_the_name_contradicts_is_refused(db, tmp_path, fmt, name):
    line = refused(run_cli("export", "--format", fmt, "-o", str(tmp_path / name), "--db", str(db)))
    assert f"--format {fmt}" in line and name in line
    assert list(tmp_path.iterdir()) == []


# -- WARC files are reproducible -----------------------------------------------


def test_warc_export_is_byte_identical_between_runs(db, tmp_path):
    first, second = tmp_path / "1.warc.gz", tmp_path / "2.warc.gz"
    for out in (first, second):
        result = run_cli("export", "--format", "warc", "-o", str(out), "--db", str(db))
        assert result.returncode == 0, result.stderr
    assert first.read_bytes() == second.read_bytes()
    from warcio.archiveiterator import ArchiveIterator

    with open(first, "rb") as fp:
        ids = [r.rec_headers.get_header("WARC-Record-ID") for r in ArchiveIterator(fp)]
    assert len(ids) == len(set(ids)) == 3 and all(i.startswith("<urn:uuid:") for i in ids)
    warcio = shutil.which("warcio")
    if warcio:  # the validator web archivists run; installed with pressroom's warcio
        check = subprocess.run([warcio, "check", "-v", str(first)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr


# -- refusals leave nothing behind -----------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["--all-revisions", "--format", "parquet", "-o", "rev.parquet"],
        ["--all-revisions", "-o", "rev.parquet"],
        ["--all-revisions", "--format", "warc", "-o", "rev.warc.gz"],
        ["--all-revisions", "--since", "2024-01-01", "-o", "rev.jsonl"],
        ["--format", "warc", "--lang", "en", "-o", "x.warc.gz"],
        ["--since", "not-a-date", "-o", "x.jsonl"],
        ["--all-revisions", "--since", "not-a-date", "-o", "x.jsonl"],
        ["--title-only", "-o", "x.jsonl"],
        ["--dedupe", "near", "--format", "warc", "-o", "x.warc.gz"],
        ["--dedupe", "near", "--all-revisions", "-o", "rev.jsonl"],
        ["--dataset", "ds", "--all-revisions"],
        ["--dataset", "ds", "--format", "csv"],
        # A size limit that only --dataset reads was ignored without a word.
        ["--max-file-size", "1MB", "-o", "x.parquet"],
    ],
    ids=lambda args: " ".join(args),
)
def test_a_refused_export_leaves_no_file(db, tmp_path, args):
    refused(run_cli("export", *args, "--db", str(db), cwd=tmp_path))
    assert list(tmp_path.iterdir()) == []


# -- what the captures table (and so a WARC export) holds ---------------------------


def test_only_the_releases_responses_are_kept_as_the_readme_says(crawled_archive, tmp_path):
    # The crawl fetched sitemaps, robots.txt and listing pages too; their responses
    # are not kept, and the README must not promise "every response".
    with sqlite3.connect(f"file:{crawled_archive}?mode=ro", uri=True) as conn:
        fetched = conn.execute("SELECT sum(pages_fetched) FROM runs").fetchone()[0]
        kept = {url for (url,) in conn.execute("SELECT url FROM captures")}
        releases = {
            url
            for (url,) in conn.execute(
                "SELECT c.url FROM captures c WHERE c.hash IN (SELECT capture_hash FROM articles"
                " UNION SELECT capture_hash FROM revisions)"
            )
        }
    assert kept == releases and fetched > len(kept)
    assert not [url for url in kept if "sitemap" in url or url.endswith(("robots.txt", ".xml"))]
    out = tmp_path / "site.warc.gz"
    result = run_cli("export", "-o", str(out), "--db", str(crawled_archive))
    assert result.returncode == 0, result.stderr
    from warcio.archiveiterator import ArchiveIterator

    with open(out, "rb") as fp:
        written = {r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(fp)}
    assert written == releases
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "Every response is kept" not in readme
    assert "No other response is kept: not those of pages judged not releases" in readme


# -- the archive is never an output ---------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["export", "--force", "-o", "{db}"],
        ["export", "--force", "--format", "csv", "-o", "./{name}"],
        ["stats", "--plot", "{db}"],
    ],
    ids=["export -o", "export -o ./name", "stats --plot"],
)
def test_writing_over_the_archive_itself_is_refused(db, tmp_path, args):
    # `export --db a.db -o a.db --force` wrote JSON Lines over the archive, and
    # `stats --plot a.db` a PNG (no --force needed): the archive was lost.
    if args[0] == "stats":
        pytest.importorskip("matplotlib", reason="pip install 'pressroom[plot]'")
    copy = tmp_path / db.name
    shutil.copy(db, copy)
    before = copy.read_bytes()
    filled = [a.format(db=copy, name=copy.name) for a in args]
    line = refused(run_cli(*filled, "--db", str(copy), cwd=tmp_path))
    assert "is the archive" in line, line
    assert copy.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [copy.name]


# -- what -o names: a pipe, a device, a link, "-" ---------------------------------------


@pytest.mark.parametrize("force", [[], ["--force"]], ids=["", "--force"])
def test_a_pipe_given_to_o_is_written_to_not_replaced(db, tmp_path, force):
    # `export -o /dev/null --force` replaced /dev/null with a regular file (as root, the
    # system's own), and `-o /dev/stdout` did the same to the link: the export was
    # written to OUTPUT.part and renamed over OUTPUT. A named pipe stands in for both.
    pipe = tmp_path / "rows"
    os.mkfifo(pipe)
    reader = subprocess.Popen(["cat", str(pipe)], stdout=subprocess.PIPE)
    result = run_cli("export", "--format", "csv", "-o", str(pipe), *force, "--db", str(db))
    try:
        read, _ = reader.communicate(timeout=20)
    except subprocess.TimeoutExpired:  # the pipe was never opened for writing
        reader.kill()
        read, _ = reader.communicate()
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(pipe.lstat().st_mode), "the pipe was replaced by a file"
    assert len(read.decode().splitlines()) == 1 + len(PAGES)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rows"]


def test_a_link_given_to_o_with_force_writes_its_file(db, tmp_path):
    # A link (latest.jsonl -> exports/2024.jsonl) was replaced by a file, its target
    # left as it was; a shell's `>` and cp write through the link.
    (tmp_path / "exports").mkdir()
    target = tmp_path / "exports" / "2024.jsonl"
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "latest.jsonl"
    link.symlink_to(target)
    refused(run_cli("export", "-o", str(link), "--db", str(db)))  # it exists: --force
    result = run_cli("export", "-o", str(link), "--force", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and link.resolve() == target
    assert len(target.read_text(encoding="utf-8").splitlines()) == len(PAGES)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exports", "latest.jsonl"]


def test_a_link_whose_export_fails_leaves_its_file_as_it_was(db, tmp_path):
    # Written through in place, a failed export (here: over the file size limit) left the
    # linked file truncated, its old content gone; now the file it names is made as its
    # .part and renamed once complete, as for any other -o.
    import resource

    # 60 releases of 2 KB: an export of about 150 KB, past the limit below (which the
    # archive's 32 KB -shm file must stay under).
    big = archive_holding(
        tmp_path / "big.db",
        [
            {"url": f"https://x.example/{n}", "source": "x", "title": f"Release {n}"}
            | {"text": f"Release {n}\n\n" + "The council met again. " * 90}
            for n in range(60)
        ],
    )
    target = tmp_path / "2024.jsonl"
    target.write_text("precious\n" * 500, encoding="utf-8")
    link = tmp_path / "latest.jsonl"
    link.symlink_to(target)
    before = sorted(p.name for p in tmp_path.iterdir())

    def small_files() -> None:  # writing past 64 KB fails (EFBIG: Python ignores SIGXFSZ)
        resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))

    result = subprocess.run(
        [PROGRAM, "export", "-o", str(link), "--force", "--db", str(big)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=small_files,
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith(f"Error: cannot write {link}: File too large"), result.stderr
    assert target.read_text(encoding="utf-8") == "precious\n" * 500
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no .part left


@pytest.mark.parametrize("name", ["same.csv", "same.csv.gz"])
def test_an_output_that_is_also_stdout_keeps_the_format_its_name_says(db, tmp_path, name):
    # `-o same.csv > same.csv`: the name is stdout's own file, so it was taken as stdout,
    # before its name chose the format: JSON Lines (not gzipped) went into same.csv(.gz).
    out = tmp_path / name
    with out.open("wb") as stdout:
        result = subprocess.run(
            [PROGRAM, "export", "-o", str(out), "--db", str(db)],
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    text = (gzip.decompress(data) if name.endswith(".gz") else data).decode("utf-8")
    assert text.startswith("id,url,") and len(text.splitlines()) == 1 + len(PAGES)


def test_an_existing_output_with_stdout_closed(db, tmp_path):
    # With stdout closed (`>&-`) and -o naming a file that exists, checking whether -o
    # was stdout's file raised: "Error: unexpected AttributeError", exit 1.
    out = tmp_path / "x.csv"
    out.write_text("old\n", encoding="utf-8")
    command = f"{PROGRAM} export -o {out} --force --db {db} >&-"
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8").startswith("id,url,")


@pytest.mark.parametrize("name", ["-", "/dev/stdout"])
def test_a_dash_or_dev_stdout_given_to_o_is_stdout(db, tmp_path, name):
    # `-o -` wrote a file named "-" and nothing where the user read; `-o /dev/stdout >
    # x.csv` was refused, as x.csv (which the shell had just made) existed.
    (tmp_path / "run").mkdir()
    out = tmp_path / "x.csv"
    with out.open("w") as stdout:
        result = subprocess.run(
            [PROGRAM, "export", "--format", "csv", "-o", name, "--db", str(db)],
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path / "run",
            timeout=120,
        )
    assert result.returncode == 0, result.stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1 + len(PAGES)
    assert list((tmp_path / "run").iterdir()) == []


# -- an impossible date range ---------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["search", "water"],
        ["export", "-o", "x.jsonl"],
        ["export", "--dataset", "ds"],
        ["export"],
    ],
    ids=lambda args: " ".join(args),
)
def test_since_after_until_is_refused_naming_both_dates(db, tmp_path, args):
    # It was "no matches" (or an empty file), exit 0: a typo in a year read as an empty archive.
    dates = ["--since", "2024-03-01", "--until", "2024-01-31"]
    result = run_cli(*args, *dates, "--db", str(db), cwd=tmp_path)
    line = refused(result)
    assert "2024-03-01" in line and "2024-01-31" in line and "--since" in line, line
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("order", ["since first", "until first"])
def test_the_range_is_refused_before_anything_else_whatever_the_order(tmp_path, order):
    # Checked before the archive is opened: no archive here, and the range is what is said.
    dates = [["--since", "2024-03-01"], ["--until", "2024-01-31"]]
    dates = dates if order == "since first" else dates[::-1]
    result = run_cli("export", *dates[0], *dates[1], "-o", "x.csv", "--db", "no.db", cwd=tmp_path)
    assert result.stderr == (
        "Error: --since 2024-03-01 is after --until 2024-01-31: no date is in that range\n"
    )
    assert (result.returncode, result.stdout, list(tmp_path.iterdir())) == (2, "", [])


def test_since_equal_to_until_is_that_one_day(db, tmp_path):
    day = ["--since", "2024-02-01", "--until", "2024-02-01"]
    result = run_cli("export", *day, "--db", str(db), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["title"] for line in result.stdout.splitlines()] == ["Schools reopen"]
