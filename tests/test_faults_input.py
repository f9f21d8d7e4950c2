"""Bad user input (issue 7): one line naming the problem, exit code 2, never a traceback.

Also the archive's SQL under hostile input: filter values and queries that
look like SQL are only ever bound parameters, and an export never overwrites
a file without --force.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ROOT, run_cli, without_root_powers

from fixtures.sources import write_source
from pressroom.cli import main
from storage import Archive

GOOD_SOURCE = """\
name = "example"
allowed_domains = ["example.org"]
[discover]
sitemaps = ["https://example.org/sitemap.xml"]
"""

# (file content, words the one error line must hold besides the file name)
BAD_SOURCES = [
    ("name = ", "not valid TOML"),
    ('name = "x"\nallowed_domains = "example.org"\n', "'allowed_domains' must be a list"),
    (GOOD_SOURCE.replace("sitemaps", "sitemapz"), "unknown field 'discover.sitemapz'"),
    (GOOD_SOURCE + "[scrape]\nx = 1\n", "unknown table [scrape]"),
    (GOOD_SOURCE.replace('"example"', '"Bad Name"'), "field 'name'"),
    (GOOD_SOURCE.replace('["example.org"]', "[]"), "'allowed_domains' must list"),
    (GOOD_SOURCE.replace("https://example.org", "ftp://example.org"), "not http(s)"),
    (GOOD_SOURCE.replace("https://example.org", "https://evil.example"), "outside allowed_domains"),
    (GOOD_SOURCE.replace("https://example.org/sitemap.xml", "http://[::1"), "discover.sitemaps"),
    (GOOD_SOURCE + "[articles]\nallow = ['(']\n", "invalid regex"),
    (GOOD_SOURCE + "[articles]\ndeny = ['[a-']\n", "invalid regex"),
    (
        GOOD_SOURCE.replace("sitemaps = [", "feeds = []\nsitemaps = [").replace(
            '"https://example.org/sitemap.xml"', ""
        ),
        "needs at least one of",
    ),
    (GOOD_SOURCE + "[crawl]\ndelay = -1\n", "'crawl.delay' must be >= 0"),
    (GOOD_SOURCE + "[crawl]\nconcurrency = 0\n", "'crawl.concurrency' must be >= 1"),
    (GOOD_SOURCE + "[extract]\nmin_words = true\n", "'extract.min_words' must be an integer"),
    (GOOD_SOURCE + "[discover]\n", "not valid TOML"),  # a table defined twice
    # Selectors that do not compile: every page of the crawl failed with a selector error
    # (exit 0, or 1 when the listing's next_page was the bad one) instead of exit 2 here.
    (GOOD_SOURCE + "[extract]\nprune = ['div[[[']\n", "'extract.prune' has an invalid CSS"),
    (GOOD_SOURCE + "[extract]\nprune_xpath = ['//div[[[']\n", "invalid XPath '//div[[['"),
    (GOOD_SOURCE.replace("sitemaps", "next_page = 'a[[['\nsitemaps"), "'discover.next_page'"),
    (GOOD_SOURCE + "[crawl]\ndelay = nan\n", "'crawl.delay' must be >= 0 and finite"),
    (GOOD_SOURCE + "[crawl]\ndelay = inf\n", "'crawl.delay' must be >= 0 and finite"),
    (GOOD_SOURCE + "[extract]\nmin_words = -5\n", "'extract.min_words' must be >= 0"),
    (
        GOOD_SOURCE.replace("sitemaps", "max_listing_pages = -1\nsitemaps"),
        "'discover.max_listing_pages' must be >= 1",
    ),
]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    path = tmp_path / "a.db"
    with Archive(path) as archive:
        run = archive.start_run("demo", {})
        archive.save_articles(
            [
                {
                    "url": f"https://x.org/news/{i}",
                    "source": "demo",
                    "title": f"Release {i} on detention",
                    "text": f"Release {i} on detention\n\nAuthorities hold {i} activists.",
                    "date_published": f"2025-0{i}-01",
                    "language": "en",
                    "tags": ["Chad"],
                }
                for i in range(1, 4)
            ],
            run,
        )
        archive.finish_run(run, "ok", {"articles_new": 3})
    return path


def one_line_error(result, code: int = 2) -> str:
    """The single 'Error:' line of a failed command; no traceback, the right exit code."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.output
    return errors[0]


@pytest.mark.parametrize(("text", "words"), BAD_SOURCES)
def test_malformed_source_file(runner, tmp_path, text, words):
    path = tmp_path / "mysite.toml"
    path.write_text(text)
    line = one_line_error(runner.invoke(main, ["crawl", "--source", str(path)]))
    assert str(path) in line
    assert words in line


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["crawl", "nope"], "unknown source 'nope'"),
        (["crawl", "--source", "{tmp}/missing.toml"], "no such source file"),
        (["crawl", "--source", "{tmp}/binary.toml"], "cannot read source file"),
        (["crawl", "--sitemap", "notaurl"], "--sitemap: not an http(s) URL"),
        (["crawl", "--feed", "ftp://x.org/rss"], "--feed: not an http(s) URL"),
        (["crawl", "--start-url", "http://"], "--start-url: not an http(s) URL"),
        (["crawl", "--sitemap", "http://[::1"], "--sitemap: not an http(s) URL"),
        (["crawl", "--sitemap", "file:///etc/passwd"], "--sitemap: not an http(s) URL"),
        (["crawl", "--feed", "https://x.org/f", "--allow", "("], "--allow: invalid regex"),
        (["crawl", "--feed", "https://x.org/f", "--deny", "*x"], "--deny: invalid regex"),
        (["crawl", "--feed", "https://x.org/f", "--recheck-older-than", "soon"], "12h, 30d"),
        (["crawl", "--feed", "https://x.org/f", "--workers", "100000"], "0<=x<=256"),
        (["worker", "--redis", "redis://127.0.0.1:9", "--workers", "9999"], "0<=x<=256"),
        (["crawl", "--feed", "https://x.org/f", "-s", "lower=1"], "-s expects NAME=VALUE"),
        (["search", "x", "--since", "2024-13-45", "--db", "{db}"], "invalid since date"),
        (["search", "x", "--until", "yesterday", "--db", "{db}"], "invalid until date"),
        (["search", "x", "--since", "20240101", "--db", "{db}"], "expected YYYY-MM-DD"),
        (["export", "--since", "2024-02-30", "--db", "{db}"], "invalid since date"),
        (["search", '"unterminated', "--db", "{db}"], "invalid search query"),
        (["search", "detention AND", "--db", "{db}"], "invalid search query"),
        (["search", "(", "--db", "{db}"], "invalid search query"),
        (["search", "detention AND AND rights", "--db", "{db}"], "invalid search query"),
        (["search", "   ", "--db", "{db}"], "empty search query"),
        (["search", "***", "--db", "{db}"], "no words to search for"),
        (["search", "x", "--db", "{tmp}/missing.db"], "no archive at"),
        (["export", "-o", "{tmp}/binary.toml", "--db", "{db}"], "exists (use --force"),
        (["export", "-o", "{db}", "--db", "{db}", "--force"], "is the archive --db reads"),
        (["export", "-o", "{tmp}/no/such/dir/out.jsonl", "--db", "{db}"], "cannot write"),
        (["export", "-o", "{db}/out.jsonl", "--db", "{db}"], "no directory"),
        (["history", "https://x.org/never", "--db", "{db}"], "no archived release"),
        # click's own usage errors: still one Error: line, exit 2
        (["crawl", "--feed", "https://x.org/f", "--max-pages", "-1"], "--max-pages"),
        (["search", "x", "--limit", "0", "--db", "{db}"], "--limit"),
        (["export", "--format", "xml", "--db", "{db}"], "--format"),
        (["export", "-o", "{tmp}", "--db", "{db}"], "is a directory"),
    ],
)
def test_bad_arguments(runner, archive, tmp_path, args, words):
    (tmp_path / "binary.toml").write_bytes(b"\xff\xfe\x00name")
    args = [a.format(db=archive, tmp=tmp_path) for a in args]
    line = one_line_error(runner.invoke(main, args))
    assert words in line


def test_export_never_overwrites_without_force(runner, archive, tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text("precious\n")
    one_line_error(runner.invoke(main, ["export", "-o", str(out), "--db", str(archive)]))
    assert out.read_text() == "precious\n"
    assert not Path(str(out) + ".part").exists()
    forced = runner.invoke(main, ["export", "-o", str(out), "--force", "--db", str(archive)])
    assert forced.exit_code == 0, forced.output
    assert out.read_text().count("\n") == 3


def test_export_to_a_directory_that_cannot_be_written(archive, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    prefix = without_root_powers()
    out = locked / "out.jsonl"
    result = subprocess.run(
        [*prefix, sys.executable, "-m", "crawler", "export", "-o", str(out)]
        + ["--db", str(archive)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == f"Error: cannot write {out}: Permission denied"
    assert list(locked.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [["export", "--dataset", "{locked}/ds"], ["stats", "--plot", "{locked}/p.png"]],
    ids=["export --dataset", "stats --plot"],
)
def test_a_dataset_or_plot_in_a_folder_that_cannot_be_written(archive, tmp_path, args):
    # Both said `unexpected PermissionError: [Errno 13] Permission denied: '.../ds.part'`
    # (exit 1), and stats only after printing its tables; `export -o` said it in one line.
    if args[0] == "stats":
        pytest.importorskip("matplotlib", reason="pip install 'pressroom[plot]'")
    else:
        pytest.importorskip("pyarrow", reason="pip install 'pressroom[parquet]'")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    filled = [a.format(locked=locked) for a in args]
    result = run_cli(*filled, "--db", str(archive), prefix=without_root_powers())
    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    assert result.stderr.strip() == f"Error: cannot write {filled[-1]}: Permission denied"
    assert list(locked.iterdir()) == []


INJECTIONS = [
    "x' OR '1'='1",
    "'; DROP TABLE articles; --",
    '" OR 1=1 --',
    "demo') UNION SELECT sql FROM sqlite_master --",
    "%",
    "_",
    "\x00",
]


@pytest.mark.parametrize("value", INJECTIONS)
def test_filter_values_are_bound_parameters_never_sql(archive, value):
    with Archive(archive, readonly=True) as ro:
        assert list(ro.articles(source=value)) == []
        assert list(ro.articles(tag=value)) == []
        assert list(ro.articles(language=value)) == []
        assert ro.count(source=value, tag=value, language=value) == 0
        assert ro.search("detention", source=value) == []
        assert ro.search("detention", tag=value) == []
    with Archive(archive) as rw:
        assert rw.validators(value) is None
        assert rw.get(value) is None
        assert rw.history(value) == []
        assert rw.stats()["articles"] == 3  # nothing dropped, nothing matched by a wildcard


@pytest.mark.parametrize("value", INJECTIONS[:4])
def test_search_queries_that_look_like_sql_are_searched_or_refused(runner, archive, value):
    result = runner.invoke(main, ["search", value, "--db", str(archive)])
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output
    with Archive(archive, readonly=True) as ro:
        assert ro.stats()["articles"] == 3


@pytest.mark.parametrize("command", [["search"], ["export", "--query"]], ids=["search", "export"])
@pytest.mark.parametrize("distance", ["x", "2x"])
def test_a_near_distance_that_is_not_a_number_is_a_bad_query(archive, command, distance):
    query = f"NEAR(detention activists, {distance})"
    result = run_cli(*command, query, "--db", str(archive))
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"Error: invalid search query {query!r}: expected integer")
    assert "hint: NEAR's distance is a whole number" in result.stderr
    assert result.stderr.count("\n") == 1
    good = run_cli(*command, "NEAR(detention activists, 10)", "--db", str(archive))
    assert good.returncode == 0 and good.stdout.count("https://x.org/news/") == 3, good.stderr


@pytest.mark.parametrize("limit", [2**63 - 1, 2**63, 10**30])
def test_a_search_limit_past_sqlites_largest_integer_means_no_limit(archive, limit):
    result = run_cli("search", "detention", "--limit", str(limit), "--format", "jsonl", "--db",
                     str(archive))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 3


def test_a_recheck_batch_past_sqlites_largest_integer_means_no_limit(archive, tmp_path):
    # Old releases, so the crawl asks the archive for them; they and the sitemap
    # are on port 9, where nothing listens.
    with Archive(archive) as rw:
        rw.db.execute(
            "UPDATE articles SET last_fetched = '2000-01-01T00:00:00+00:00',"
            " fetched_url = 'http://127.0.0.1:9/news/' || id"
        )
        rw.db.conn.commit()
    source = write_source(tmp_path / "demo.toml", "demo", sitemaps=["http://127.0.0.1:9/s.xml"])
    result = run_cli("crawl", "--source", str(source), "--db", str(archive), "--workers", "0",
                     "--recheck-older-than", "1h", "--recheck-batch", str(2**63))  # fmt: skip
    assert "too large" not in result.stderr and "start items" not in result.stderr, result.stderr
    assert result.returncode == 1 and " 4 failed" in result.stdout  # the sitemap, 3 rechecks
    # The sitemap, the one entry point, failed: the line says why (crawler/extensions.py).
    assert result.stderr.endswith(
        "Error: nothing could be fetched: http://127.0.0.1:9/s.xml: connection refused\n"
    )


# The values users type (filters, queries, URLs): never formatted into SQL text.
USER_VALUES = {"source", "tag", "language", "lang", "query", "q", "url", "since", "until"}
USER_VALUES |= {"value", "text", "title", "term", "word", "name", "pattern"}


def test_no_user_value_is_formatted_into_sql_text():
    """A static companion to the injection tests: in storage/, f-strings may
    splice fixed fragments (column lists, a WHERE built of placeholders) into
    SQL, but never a function parameter that carries a user's value."""
    offences = []
    for path in sorted((Path(__file__).parents[1] / "storage").glob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for func in ast.walk(tree):
            if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                params = {a.arg for a in [*func.args.args, *func.args.kwonlyargs]}
                for node in ast.walk(func):
                    for name in sorted(_spliced_into_sql(node) & params & USER_VALUES):
                        offences.append(f"{path.name}:{node.lineno} {func.name}() splices {name}")
    assert not offences, offences


def _spliced_into_sql(node: ast.AST) -> set[str]:
    """Names used inside the {...} of an f-string that reads like SQL."""
    if not isinstance(node, ast.JoinedStr):
        return set()
    text = "".join(v.value for v in node.values if isinstance(v, ast.Constant)).upper()
    if not any(word in text for word in ("SELECT", "WHERE", "INSERT", "UPDATE", "DELETE")):
        return set()
    spliced = [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
    return {n.id for expr in spliced for n in ast.walk(expr) if isinstance(n, ast.Name)}


@pytest.mark.parametrize("command", ["crawl", "extract"])
def test_a_bad_selector_in_a_source_file_stops_the_installed_program(cli, tmp_path, command):
    # Through the program users run: refused when the file is read, before any page.
    path = tmp_path / "mysite.toml"
    path.write_text(GOOD_SOURCE + "[extract]\nprune = ['div[[[']\n")
    args = ["--source", str(path)] + ([str(tmp_path)] if command == "extract" else [])
    result = cli(command, *args, "--db", str(tmp_path / "a.db"))
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"Error: {path}: field 'extract.prune' has an invalid CSS selector")
