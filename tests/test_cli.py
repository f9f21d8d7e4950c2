"""The `pressroom` command: help with examples, and one-line errors instead of tracebacks."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from helpers import run_cli

from fixtures.sources import write_source
from pressroom.cli import main
from storage import Archive

COMMANDS = ["crawl", "sources", "search", "export", "stats", "runs", "demo"]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def small_archive(tmp_path):
    path = tmp_path / "a.db"
    with Archive(path) as archive:
        run = archive.start_run("demo", {})
        archive.save_articles(
            [
                {
                    "url": "https://x.org/news/1",
                    "source": "demo",
                    "title": "Chad: Free Detained Activists",
                    "text": "Chad: Free Detained Activists\n\nAuthorities hold twelve activists.",
                    "date_published": "2026-01-12T09:30:00+01:00",
                    "language": "en",
                    "tags": ["Chad"],
                    "authors": ["Jane Roe"],
                },
                {
                    "url": "https://x.org/news/2",
                    "source": "demo",
                    "title": "Rivers Poisoned by Mining",
                    "text": "Rivers Poisoned by Mining\n\nVillagers in Chad report sick children.",
                    "date_published": "2025-05-02",
                    "language": "en",
                },
            ],
            run,
        )
        archive.finish_run(run, "ok", {"articles_new": 2})
    return path


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(runner, command):
    result = runner.invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
    assert "pressroom " + command in result.output


def test_top_level_help_and_version(runner):
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.output
    assert runner.invoke(main, ["--version"]).output.startswith("pressroom, version")


def test_sources_lists_bundled_and_archived(runner, small_archive):
    result = runner.invoke(main, ["sources", "--db", str(small_archive)])
    assert result.exit_code == 0
    assert result.output.startswith("hrw\tbundled")
    assert "demo\tin " in result.output and "2 articles" in result.output


def test_search_table_and_json(runner, small_archive):
    result = runner.invoke(main, ["search", "chad", "--db", str(small_archive)])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "2026-01-12  Chad: Free Detained Activists"  # title match ranks first
    assert "[Chad]" in result.output
    result = runner.invoke(main, ["search", "mining", "--json", "--db", str(small_archive)])
    assert result.exit_code == 0
    assert '"url": "https://x.org/news/2"' in result.output


def test_search_filters(runner, small_archive):
    result = runner.invoke(
        main, ["search", "chad", "--since", "2026-01-01", "--db", str(small_archive)]
    )
    assert "Rivers Poisoned" not in result.output
    assert "Chad: Free" in result.output


def test_export_jsonl_csv_and_no_overwrite(runner, small_archive, tmp_path):
    out = tmp_path / "out.jsonl"
    result = runner.invoke(main, ["export", "--db", str(small_archive), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert len(out.read_text().splitlines()) == 2
    again = runner.invoke(main, ["export", "--db", str(small_archive), "-o", str(out)])
    assert again.exit_code == 2
    assert "exists (use --force" in again.output
    forced = runner.invoke(main, ["export", "--db", str(small_archive), "-o", str(out), "--force"])
    assert forced.exit_code == 0
    csv_out = runner.invoke(main, ["export", "--format", "csv", "--db", str(small_archive)])
    assert csv_out.output.splitlines()[0].startswith("id,url,")


def test_stats(runner, small_archive):
    result = runner.invoke(main, ["stats", "--db", str(small_archive)])
    assert result.exit_code == 0
    assert result.output.startswith("2 articles, 0 failures, 1 run\n")
    assert "\nsource  articles\ndemo           2\n" in result.output
    assert "\nlanguage  articles\nen               2\n" in result.output
    assert "\nmonth    demo\n2025-05     1\n2026-01     1\n" in result.output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["crawl", "nope"], 2, "unknown source 'nope'"),
        (["crawl", "--sitemap", "ftp://x.org/s.xml"], 2, "--sitemap: not an http"),
        (["crawl", "--feed", "https://x.org/f", "--allow", "("], 2, "--allow: invalid regex"),
        (["crawl"], 2, "give --sitemap, --feed or --start-url"),
        (["crawl", "hrw", "--sitemap", "https://x.org/s.xml"], 2, "not both"),
        (["search", "x", "--db", "missing.db"], 2, "no archive at missing.db"),
        (["search", '"unterminated', "--db", "{db}"], 2, "invalid search query"),
        (["search", "x", "--since", "2024-13-45", "--db", "{db}"], 2, "2024-13-45"),
        (["stats", "--db", "{corrupt}"], 2, "not a pressroom archive"),
    ],
)
def test_errors_are_one_line(runner, small_archive, tmp_path, args, code, message):
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"this is not sqlite" * 100)
    args = [a.format(db=small_archive, corrupt=corrupt) for a in args]
    result = runner.invoke(main, args)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    error_lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(error_lines) == 1


def test_a_source_name_and_a_source_file_together_are_refused(tmp_path):
    # `crawl hrw --source mine.toml` crawled mine.toml's source and dropped `hrw` without
    # a word; `crawl hrw --sitemap URL` was already refused.
    mine = write_source(tmp_path / "mine.toml", "mine", sitemaps=["http://127.0.0.1:9/s.xml"])
    result = run_cli("crawl", "hrw", "--source", str(mine), "--db", "a.db", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "not both" in result.stderr and "hrw" in result.stderr
    assert not (tmp_path / "a.db").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["search", "chad", "--source", "nosuch"],
        ["export", "--source", "nosuch"],
        ["export", "--source", "nosuch", "--all-revisions"],
        ["export", "--source", "nosuch", "--format", "warc"],
        ["pages", "--source", "nosuch"],
        ["reextract", "--source", "nosuch"],
        ["profile", "nosuch"],
        ["extract", "{page}", "--source", "nosuch"],
    ],
)
def test_a_source_the_archive_never_saw_is_refused(small_archive, tmp_path, args):
    # A typo in --source answered "no matches" or an empty file, exit 0 (a review).
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>Hello.</p></body></html>")
    args = [a.format(page=page) for a in args]
    result = run_cli(*args, "--db", str(small_archive), cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "Error: no source 'nosuch' in a.db (its sources: demo)\n".replace(
        "a.db", str(small_archive)
    )
    with Archive(small_archive, readonly=True) as archive:
        assert len(archive.runs()) == 1  # reextract started no run


def test_a_known_source_or_language_with_no_match_is_an_empty_result(small_archive):
    db = str(small_archive)
    empty = run_cli("search", "chad", "--source", "demo", "--lang", "fr", "--db", db)
    assert (empty.returncode, empty.stdout, empty.stderr) == (0, "", "no matches\n")
    found = run_cli("search", "chad", "--source", "demo", "--lang", "EN", "--db", db)
    assert found.returncode == 0 and "Chad: Free Detained Activists" in found.stdout
    exported = run_cli("export", "--source", "demo", "--since", "2030-01-01", "--db", db)
    assert (exported.returncode, exported.stdout) == (0, "")


@pytest.mark.parametrize("command", [["search", "chad"], ["export"]])
@pytest.mark.parametrize("value", ["english", "12", "", "e", "und"])
def test_a_language_that_is_not_a_code_is_refused(small_archive, command, value):
    result = run_cli(*command, "--lang", value, "--db", str(small_archive))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "Error: Invalid value for '--lang': expected a language code as the archive stores "
        f"it, two letters (ISO 639-1: en, fr) or three where there are not two (haw), "
        f"got {value!r} (see 'pressroom {command[0]} --help')\n"
    )


@pytest.mark.parametrize("command", [["search", "chad"], ["export"]])
def test_a_three_letter_code_the_archive_lacks_is_refused_naming_its_languages(
    small_archive, command
):
    # "fra" is French's other code: it matched nothing, silently, where French is "fr".
    result = run_cli(*command, "--lang", "eng", "--db", str(small_archive))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"Error: no article in language 'eng' in {small_archive} (its languages: en); "
        "give the two-letter code where ISO 639-1 has one (fr, not fra)\n"
    )


@pytest.mark.parametrize("value", ["en-GB", "pt_BR"])
def test_a_language_with_a_region_is_refused_naming_the_code_stored(small_archive, value):
    # The archive stores "en" for a page declaring en-GB: the region is not kept.
    result = run_cli("search", "chad", "--lang", value, "--db", str(small_archive))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "Error: Invalid value for '--lang': the archive stores languages without a region: "
        f"give {value[:2].lower()!r}, not {value!r} (see 'pressroom search --help')\n"
    )


HAWAIIAN_RELEASE = """<html lang="haw"><head><title>Ka hoʻolaha</title>
<meta property="og:type" content="article">
<meta property="article:published_time" content="2024-05-01"></head>
<body><article><h1>Ua hoʻokuʻu ʻia nā limahana</h1>
<p>Ua ʻōlelo ka ʻahahui i kēia lā he pono i ke aupuni ke hoʻokuʻu koke i nā limahana i
hopu ʻia ma ka mahina i hala, a e noiʻi pono i nā hana a nā mākaʻi.</p>
<p>Ua hele mai nā ʻohana he nui i ka hale hoʻokolokolo e kākoʻo i ko lākou mau keiki, a
ua noho lākou ma laila a hiki i ke ahiahi.</p></article></body></html>"""


def test_a_three_letter_language_the_archive_stores_is_a_valid_lang(tmp_path):
    # The language detector does not know Hawaiian: the page's own lang="haw" is what
    # extraction stores, and "--lang haw" was refused as "not an ISO 639-1 code".
    page = tmp_path / "haw.html"
    page.write_text(HAWAIIAN_RELEASE)
    extracted = run_cli("extract", str(page))
    assert extracted.returncode == 0, extracted.stderr
    article = json.loads(extracted.stdout)
    assert (article["kind"], article["language"]) == ("article", "haw")
    db = tmp_path / "a.db"
    with Archive(db) as archive:
        run = archive.start_run("demo", {})
        fields = ("title", "text", "date_published", "language", "extractor")
        row = {key: article[key] for key in fields}
        archive.save_articles([row | {"url": "https://x.org/haw/1", "source": "demo"}], run)
        archive.finish_run(run, "ok", {})
    for value in ("haw", "HAW"):
        found = run_cli("search", "limahana", "--lang", value, "--json", "--db", str(db))
        assert found.returncode == 0, found.stderr
        assert [hit["url"] for hit in json.loads(found.stdout)] == ["https://x.org/haw/1"]


def test_an_empty_folder_to_extract_is_an_error(tmp_path):
    # It printed nothing and exited 0 (a review): an empty result looked like success.
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.txt").write_text("not a page")
    for folder in ("empty", "notes"):
        result = run_cli("extract", folder, cwd=tmp_path)
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr == (
            f"Error: no .html, .htm, .xhtml or .pdf file (gzipped or not) in {folder}\n"
        )


def test_depth_without_link_walking_is_refused(tmp_path):
    # --depth with --sitemap was silently ignored (a review).
    db = tmp_path / "x.db"
    result = run_cli(
        "crawl", "--sitemap", "http://127.0.0.1:1/s.xml", "--depth", "2", "--db", str(db)
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "Error: --depth applies to link walking: --start-url, or a source with follow_links\n"
    )
    assert not db.exists()


@pytest.mark.parametrize(
    ("command", "option", "words"),
    [
        ("crawl", "--workers", "[default: 2; 0: none, pages are extracted in this process]"),
        ("worker", "--workers", "[default: 2; 0: none, pages are extracted in this process]"),
        ("crawl", "--depth", "[default: 5]"),
        ("search", "--limit", "Show at most N matches.  [default: 10; x>=1]"),
        ("demo", "--db", "Archive file the demo crawls into"),
    ],
)
def test_options_say_what_they_do_and_their_default(command, option, words):
    shown = run_cli(command, "--help")
    assert shown.returncode == 0
    text = " ".join(shown.stdout.split())  # click wraps the help column
    options = text[text.index("Options:") :]
    line = options[options.index(option + " ") :]
    assert line[: len(option) + 160].find(" ".join(words.split())) != -1, line[:200]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["history", "https://x.org/news/1", "--diff", "1", "2", "--db", "{db}"],
            "no version 2: this release has only version 1",
        ),
        (["sources", "--db", "{corrupt}"], "not a pressroom archive"),
    ],
    ids=["history --diff of a missing version", "sources --db not an archive"],
)
def test_a_refusal_comes_alone_without_the_output_before_it(small_archive, tmp_path, args, message):
    # history printed the release's version list, and sources the bundled sources, on
    # stdout before the Error line: a script reading stdout took them for an answer.
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"this is not sqlite" * 100)
    args = [a.format(db=small_archive, corrupt=corrupt) for a in args]
    result = run_cli(*args, cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, ""), result.stdout
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: ") and message in line, line
