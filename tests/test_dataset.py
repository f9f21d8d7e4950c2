"""Parquet exports, dataset folders and near-duplicate removal, on real archives (no mocks)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from helpers import Clock

from fixtures.demo.releases import releases
from pressroom.cli import main
from storage import Archive, BadInput, export
from storage.dataset import SUMS, check_directory, parse_size, write_dataset
from storage.minhash import NearDuplicates, shingles, signature, similarity
from storage.records import ARTICLE_FIELDS

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

ROOT = Path(__file__).resolve().parents[1]
RELEASES = 300
# Copies of releases 0-9 published a day later under other URLs, lightly edited:
# a sentence appended and one word changed, so their text hashes differ.
NEAR_COPIES = 10


def corpus() -> list[dict[str, Any]]:
    rows = list(releases(RELEASES))
    rows[0]["translations"] = {"fr": "https://rwd.example/fr/x", "de": "https://rwd.example/de/x"}
    rows[1]["date_published"] = "2022-01-04"  # a day, no time
    rows[2]["date_published"] = "2022-01-05T10:00:00"  # a time, no zone
    rows[3]["date_published"] = None
    for original in rows[:NEAR_COPIES]:
        copy = dict(original, url=original["url"] + "-copy")
        copy["text"] = original["text"].replace(" the ", " a ", 1) + "\n\nUpdated on request."
        rows.append(copy)
    return rows


def build(path: Path) -> Path:
    with Archive(path, clock=Clock()) as archive:
        for source in ("rwd", "ministry", "unwire", "eudesk"):
            options = {"source_file": f"/home/someone/sources/{source}.toml", "pressroom": "0.1.0"}
            run = archive.start_run(source, options)
            archive.save_articles([r for r in corpus() if r["source"] == source], run)
            archive.finish_run(run, "ok", {})
    return path


@pytest.fixture(scope="module")
def archive_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("dataset") / "press.db")


@pytest.fixture
def archive(archive_path: Path) -> Any:
    with Archive(archive_path, readonly=True) as opened:
        yield opened


def parquet_bytes(archive: Archive, **options: Any) -> bytes:
    buffer = io.BytesIO()
    export(archive, buffer, "parquet", **options)
    return buffer.getvalue()


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


# -- Parquet ------------------------------------------------------------------------


def test_parquet_has_real_types_and_the_same_rows_as_jsonl(archive):
    table = pq.read_table(io.BytesIO(parquet_bytes(archive)))
    types = {field.name: field.type for field in table.schema}
    assert types["date_published"] == pa.timestamp("us", tz="UTC")
    assert types["published_on"] == pa.date32()
    assert types["tags"] == pa.list_(pa.string())
    assert types["translations"] == pa.list_(
        pa.struct([("language", pa.string()), ("url", pa.string())])
    )
    assert types["id"] == types["word_count"] == pa.int64()
    assert table.schema.names[: len(ARTICLE_FIELDS) + 1] == [
        *ARTICLE_FIELDS[: ARTICLE_FIELDS.index("date_published") + 1],
        "published_on",
        *ARTICLE_FIELDS[ARTICLE_FIELDS.index("date_published") + 1 :],
    ]
    assert table.schema.field("text").metadata[b"description"].startswith(b"Clean text")

    jsonl = io.StringIO()
    export(archive, jsonl, "jsonl")
    lines = [json.loads(line) for line in jsonl.getvalue().splitlines()]
    rows = table.to_pylist()
    assert [r["id"] for r in rows] == [r["id"] for r in lines]
    by_url = {r["url"]: r for r in rows}
    first = by_url["https://rwd.example/fr/news/0"]
    assert first["translations"] == [
        {"language": "de", "url": "https://rwd.example/de/x"},
        {"language": "fr", "url": "https://rwd.example/fr/x"},
    ]
    assert first["tags"] and isinstance(first["tags"], list)
    zoned = next(r for r in lines if r["date_published"] and r["date_published"][-6] in "+-")
    local = dt.datetime.fromisoformat(zoned["date_published"])
    assert by_url[zoned["url"]]["date_published"] == local.astimezone(dt.UTC)
    assert by_url[zoned["url"]]["published_on"] == local.date()  # the page's own day
    day_only = next(r for r in rows if r["published_on"] == dt.date(2022, 1, 4))
    assert day_only["date_published"] == dt.datetime(2022, 1, 4, tzinfo=dt.UTC)
    naive = next(r for r in rows if r["published_on"] == dt.date(2022, 1, 5))
    assert naive["date_published"] == dt.datetime(2022, 1, 5, 10, tzinfo=dt.UTC)
    assert rows[0]["date_published"] is None and rows[0]["published_on"] is None  # undated first


def test_parquet_is_byte_identical_across_runs_and_archives(archive, tmp_path):
    first = parquet_bytes(archive, source="rwd")
    assert parquet_bytes(archive, source="rwd") == first
    # The same releases written again into a file of the same name (its name is in the
    # file's metadata, storage/provenance.py): the same bytes.
    (tmp_path / "again").mkdir()
    with Archive(build(tmp_path / "again" / archive.path.name), readonly=True) as again:
        assert parquet_bytes(again, source="rwd") == first
    assert b"ARROW:schema" in first and first[:4] == b"PAR1"


def test_export_query_filter_and_progress(archive):
    ticks: list[int] = []
    buffer = io.StringIO()
    count = export(archive, buffer, "jsonl", query="police", title_only=True, progress=ticks.append)
    rows = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert count == len(rows) == sum(ticks) == archive.count(query="police", title_only=True)
    assert rows and all("police" in row["title"].lower() for row in rows)
    ticks.clear()
    parquet_bytes(archive, progress=ticks.append)
    assert sum(ticks) == archive.count()


def test_jsonl_writes_stored_json_exactly_as_decoding_would(tmp_path):
    # JSONL splices the stored JSON text into each line instead of decoding and
    # re-encoding it; strings that look like that splice must survive untouched.
    tricky = {
        "url": "https://x.example/1",
        "source": "x",
        "title": 'He said "tags": 0 and left',
        "description": '"authors": 0, "translations": 0',
        "text": 'Quote: \\" backslash \\ and "tags": 0 and ünïcode',
        "authors": ['Ann "Quote" Lee', "Bø"],
        "tags": ['"tags": 0', "eu"],
        "translations": {"fr": "https://x.example/fr/1", "de": "https://x.example/de/1"},
    }
    with Archive(tmp_path / "t.db") as archive:
        odd = {"url": "u3", "source": "x", "text": "Odd.", "authors": [{"tags": 0}], "tags": ["t"]}
        plain = {"url": "u2", "source": "x", "text": "No lists."}
        archive.save_articles([tricky, plain, odd], None)
        buffer = io.StringIO()
        export(archive, buffer, "jsonl")
        expected = "".join(
            json.dumps({field: a[field] for field in ARTICLE_FIELDS}, ensure_ascii=False) + "\n"
            for a in archive.articles()
        )
    assert buffer.getvalue() == expected
    first = json.loads(buffer.getvalue().splitlines()[0])
    assert first["tags"] == ['"tags": 0', "eu"] and first["title"] == tricky["title"]


# -- near duplicates ---------------------------------------------------------------


def test_minhash_estimates_jaccard_similarity():
    texts = [r["text"] for r in releases(40)]
    for one, other in zip(texts, texts[1:], strict=False):
        a, b = shingles(one), shingles(other)
        exact = len(a & b) / len(a | b)
        assert abs(similarity(signature(one), signature(other)) - exact) < 0.25
    edited = texts[0].replace(" the ", " a ", 1) + " One more sentence."
    assert similarity(signature(texts[0]), signature(edited)) >= 0.8
    assert signature(texts[0]) == signature(texts[0])  # no salted hash() anywhere


def test_dedupe_near_drops_the_later_copies(archive):
    dedupe = NearDuplicates()
    buffer = io.StringIO()
    count = export(archive, buffer, "jsonl", dedupe=dedupe)
    kept = {json.loads(line)["url"] for line in buffer.getvalue().splitlines()}
    assert dedupe.dropped == NEAR_COPIES
    assert count == archive.count() - NEAR_COPIES
    assert not any(url.endswith("-copy") for url in kept)
    assert "https://rwd.example/fr/news/0" in kept


def test_cli_dedupe_reports_what_it_dropped(archive_path, tmp_path):
    out = tmp_path / "d.jsonl"
    result = CliRunner().invoke(
        main, ["export", "--dedupe", "near", "-o", str(out), "--db", str(archive_path)]
    )
    assert result.exit_code == 0, result.output
    assert f"dropped {NEAR_COPIES} near duplicates (Jaccard >= 0.8)" in result.output
    assert len(out.read_text().splitlines()) == RELEASES


# -- dataset folders -----------------------------------------------------------------


def test_dataset_folder_files_checksums_and_split(archive, tmp_path):
    target = tmp_path / "ds"
    summary = write_dataset(archive, target, max_file_bytes=40_000, batch_rows=50)
    data = sorted((target / "data").glob("*.parquet"))
    assert len(data) > 2
    assert [p.name for p in data][0] == f"train-00000-of-{len(data):05d}.parquet"
    assert summary.rows == sum(pq.read_metadata(p).num_rows for p in data) == archive.count()
    assert check_directory(target) == []
    sums = (target / SUMS).read_text().splitlines()
    assert len(sums) == len(data) + 1  # every data file and the card
    for line in sums:
        digest, name = line.split("  ")
        assert hashlib.sha256((target / name).read_bytes()).hexdigest() == digest
    (target / "README.md").write_text("tampered")
    assert check_directory(target) == ["README.md"]
    assert not (tmp_path / "ds.part").exists()


def test_dataset_card_documents_fields_counts_and_provenance(archive, tmp_path):
    dedupe = NearDuplicates()
    write_dataset(archive, tmp_path / "ds", dedupe=dedupe, since="2022-01-01")
    card = (tmp_path / "ds" / "README.md").read_text()
    header = card.split("---\n")[1]
    assert "license: other" in header and "- en\n- fr\n" in header
    assert "path: data/train-*.parquet" in header
    # since= leaves out release 3 (undated) and its copy: 9 copies to drop.
    rows = archive.count(since="2022-01-01") - (NEAR_COPIES - 1)
    assert f"{rows:,} news releases from 4 sources" in card
    assert "| `date_published` | `timestamp[us, tz=UTC]` | Publication time" in card
    assert "| `tags` | `list<item: string>` |" in card
    for field in ARTICLE_FIELDS:
        assert f"| `{field}` |" in card
    kept = list(NearDuplicates().filter(archive.articles(since="2022-01-01")))
    english = sum(1 for a in kept if a["language"] == "en")
    assert f"| en | {english:,} |" in card and f"| fr | {len(kept) - english:,} |" in card
    assert "| 2022 |" in card and "| rwd |" in card
    assert 'Selection: since="2022-01-01"' in card
    assert f"removed {NEAR_COPIES - 1}" in card and "Jaccard similarity of 0.8" in card
    assert "Crawl window: 2026-11-27T21:03:01+00:00 to" in card and "(4 runs)" in card
    assert "`eudesk.toml`, `ministry.toml`, `rwd.toml`, `unwire.toml`" in card
    assert "/home/someone" not in card
    assert "trafilatura 2.3.1 (" in card and "crawled by pressroom 0.1.0" in card
    assert "## Licence" in card and "copyright" in card


def test_dataset_is_byte_identical_for_the_same_archive_and_arguments(archive, tmp_path):
    write_dataset(archive, tmp_path / "one", max_file_bytes=60_000, batch_rows=100)
    (tmp_path / "twin").mkdir()  # the card names the archive file: same name, other folder
    with Archive(build(tmp_path / "twin" / archive.path.name), readonly=True) as twin:
        write_dataset(twin, tmp_path / "two", max_file_bytes=60_000, batch_rows=100)
    one, two = tree(tmp_path / "one"), tree(tmp_path / "two")
    assert one == two
    assert len(one) > 3


def test_dataset_refuses_to_overwrite(archive, archive_path, tmp_path):
    target = tmp_path / "ds"
    write_dataset(archive, target)
    with pytest.raises(BadInput, match="exists"):
        write_dataset(archive, target)
    write_dataset(archive, target, force=True, source="rwd")  # a previous dataset: replaced
    assert "Selection: source=" in (target / "README.md").read_text()
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    result = CliRunner().invoke(
        main, ["export", "--dataset", str(precious), "--force", "--db", str(archive_path)]
    )
    assert result.exit_code == 2
    assert "holds no pressroom dataset" in result.output
    assert (precious / "thesis.tex").read_text() == "years of work"


def test_force_keeps_what_the_dataset_folder_holds_besides_the_dataset(archive_path, tmp_path):
    # --force deleted the whole folder: a Hub repository's .git, a licence file one had
    # added, even the archive --db read when it was kept in there (exit 0, without a word).
    from helpers import run_cli

    target = tmp_path / "ds"
    assert run_cli("export", "--dataset", str(target), "--db", str(archive_path)).returncode == 0
    (target / ".git").mkdir()
    (target / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    shutil.copy(archive_path, target / "press.db")
    for db in (archive_path, target / "press.db"):
        again = run_cli("export", "--dataset", str(target), "--force", "--db", str(db))
        assert again.returncode == 2, again.stderr
        assert again.stderr == (
            f"Error: {target} holds .git, which is not part of the dataset pressroom "
            "wrote there; move it out of the folder, or export to another one\n"
        )
        assert (target / ".git" / "HEAD").is_file() and (target / "press.db").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]  # no ds.part left


def test_cli_dataset_and_parquet_outputs(archive_path, tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["export", "--dataset", str(tmp_path / "ds"), "--max-file-size", "50KB"]
        + ["--lang", "en", "--db", str(archive_path)],
    )
    assert result.exit_code == 0, result.output
    assert "articles to" in result.output and "(1 data file)" in result.output
    stdout = runner.invoke(main, ["export", "--format", "parquet", "--db", str(archive_path)])
    assert stdout.exit_code == 0
    table = pq.read_table(io.BytesIO(stdout.stdout_bytes))
    assert table.num_rows == RELEASES + NEAR_COPIES
    bad = runner.invoke(main, ["export", "--dataset", "x", "-o", "y", "--db", str(archive_path)])
    assert bad.exit_code == 2 and "not both" in bad.output
    size = runner.invoke(
        main, ["export", "--dataset", "z", "--max-file-size", "lots", "--db", str(archive_path)]
    )
    assert size.exit_code == 2 and "invalid size 'lots'" in size.output
    lone = runner.invoke(main, ["export", "--title-only", "--db", str(archive_path)])
    assert lone.exit_code == 2 and "--title-only applies to --query" in lone.output
    assert parse_size("1.5MB") == 1_500_000


def test_progress_bar_only_on_a_terminal(archive_path, tmp_path):
    # stderr on a pseudo-terminal: a bar; through a pipe (CliRunner): no bar.
    leader, follower = pty.openpty()
    process = subprocess.run(
        [sys.executable, "-m", "crawler", "export", "--db", str(archive_path)]
        + ["-o", str(tmp_path / "x.jsonl")],
        stderr=follower,
        stdout=subprocess.DEVNULL,
        cwd=ROOT,
        timeout=120,
    )
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert process.returncode == 0
    assert b"exporting" in seen and b"100%" in seen
    piped = CliRunner().invoke(
        main, ["export", "--db", str(archive_path), "-o", str(tmp_path / "y.jsonl")]
    )
    assert "exporting" not in piped.output and "wrote" in piped.output


def test_hugging_face_datasets_loads_the_folder(archive, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    datasets = pytest.importorskip("datasets", reason="pip install datasets to run this check")
    write_dataset(archive, tmp_path / "ds", max_file_bytes=60_000, batch_rows=100)
    loaded = datasets.load_dataset(
        "parquet",
        data_files=str(tmp_path / "ds" / "data" / "*.parquet"),
        split="train",
        cache_dir=str(tmp_path / "hf-cache"),
    )
    assert loaded.num_rows == archive.count()
    assert str(loaded.features["date_published"].dtype) == "timestamp[us, tz=UTC]"
    assert loaded[0]["id"] == next(archive.articles())["id"]
    titles = {row["url"]: row["title"] for row in loaded}
    assert (
        titles["https://rwd.example/fr/news/0"]
        == archive.get("https://rwd.example/fr/news/0")["title"]
    )
