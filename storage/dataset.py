"""Write a dataset folder ready to publish: Parquet files, a dataset card and checksums.

    >>> summary = write_dataset(archive, "hrw-2024", since="2024-01-01")  # doctest: +SKIP
    >>> summary.rows, [f.name for f in summary.files]  # doctest: +SKIP
    (1204, ['data/train-00000-of-00001.parquet', 'README.md'])

The folder::

    README.md                          dataset card: fields, counts, provenance, licence
    SHA256SUMS                         sha256 of every other file (sha256sum -c SHA256SUMS)
    data/train-00000-of-00002.parquet  the articles, split at about ``max_file_bytes``

It loads as-is with Hugging Face ``datasets``
(``load_dataset("parquet", data_files="DIR/data/*.parquet")``) and on the Hub
(the card's YAML header names the files). Everything written is a function
of the archive and the arguments (no timestamps of the export itself), so the
same archive and arguments give byte-identical folders.
"""

from __future__ import annotations

import collections
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ArchiveError, BadInput
from .fields import DESCRIPTIONS
from .minhash import NearDuplicates
from .parquet import BATCH_ROWS, ParquetWriter, batches, parse_day, type_names
from .provenance import near_duplicates, parquet_metadata, pressroom_version, selection

if TYPE_CHECKING:
    from .archive import Archive

DEFAULT_MAX_FILE_BYTES = 200 * 1000**2  # Hugging Face suggests Parquet files under ~500 MB
CARD = "README.md"
SUMS = "SHA256SUMS"
DATA = "data"
LICENCE_NOTE = (
    "The texts are the work of the organisations that published them and remain "
    "under their copyright and terms of use; pressroom only collected and cleaned "
    "them. Check each source's terms before redistributing this dataset, and cite "
    "the original release (`url`) when quoting it. This card and the file layout "
    "may be reused freely."
)


@dataclass
class DatasetFile:
    name: str  # relative to the dataset folder, with / separators
    rows: int | None
    bytes: int
    sha256: str


@dataclass
class DatasetSummary:
    """What write_dataset() wrote: rows kept, near duplicates dropped, files."""

    directory: Path
    rows: int = 0
    dropped: int = 0
    files: list[DatasetFile] = field(default_factory=list)


@dataclass
class _Tally:
    """Counts gathered while the rows stream past, for the card."""

    sources: collections.Counter[str] = field(default_factory=collections.Counter)
    languages: collections.Counter[str] = field(default_factory=collections.Counter)
    years: collections.Counter[str] = field(default_factory=collections.Counter)
    extractors: collections.Counter[str] = field(default_factory=collections.Counter)
    words: int = 0
    first_day: str | None = None
    last_day: str | None = None

    def add(self, article: Mapping[str, Any]) -> None:
        self.sources[article["source"]] += 1
        self.languages[article.get("language") or "unknown"] += 1
        day = parse_day(article.get("date_published"))
        self.years[str(day.year) if day else "undated"] += 1
        self.extractors[article.get("extractor") or "unknown"] += 1
        self.words += article.get("word_count") or 0
        if day:
            text = day.isoformat()
            self.first_day = min(self.first_day or text, text)
            self.last_day = max(self.last_day or text, text)


def write_dataset(
    archive: Archive,
    directory: str | os.PathLike[str],
    *,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    dedupe: NearDuplicates | None = None,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
    batch_rows: int = BATCH_ROWS,
    **filters: Any,
) -> DatasetSummary:
    """Write the articles matching ``filters`` (those of Archive.articles()) as a dataset folder.

    Refuses an existing non-empty ``directory`` unless ``force`` is given and it
    holds a previous dataset (a SHA256SUMS file): a mistyped path never wipes
    an unrelated folder. Files are split between row groups of ``batch_rows``,
    once one passes ``max_file_bytes``. The folder is built beside the target and moved into
    place at the end, so an interrupted export leaves no half dataset.
    """
    if max_file_bytes <= 0:
        raise BadInput(f"the file size limit must be positive, not {max_file_bytes}")
    target = Path(directory)
    _check_target(target, force)
    articles = archive.articles(**filters)  # validates the filters before any file is made
    if dedupe is not None:
        articles = dedupe.filter(articles)
    part = target.with_name(target.name + ".part")
    shutil.rmtree(part, ignore_errors=True)
    (part / DATA).mkdir(parents=True)
    try:
        summary = DatasetSummary(directory=target)
        tally = _Tally()
        about = parquet_metadata(archive.path.name, filters, dedupe)
        data_files = _write_shards(
            part / DATA, articles, tally, max_file_bytes, batch_rows, progress, about
        )
        summary.rows = sum(rows for _, rows in data_files)
        summary.dropped = dedupe.dropped if dedupe is not None else 0
        for path, rows in data_files:
            summary.files.append(_describe(part, path, rows))
        card = render_card(
            archive, summary, tally, filters=filters, dedupe=dedupe, archive_name=archive.path.name
        )
        (part / CARD).write_text(card, encoding="utf-8", newline="\n")
        summary.files.append(_describe(part, part / CARD, None))
        sums = "".join(f"{f.sha256}  {f.name}\n" for f in sorted(summary.files, key=_by_name))
        (part / SUMS).write_text(sums, encoding="utf-8", newline="\n")
        if target.exists():
            shutil.rmtree(target)
        part.replace(target)
    except BaseException:
        shutil.rmtree(part, ignore_errors=True)
        raise
    return summary


def _check_target(target: Path, force: bool) -> None:
    if target.exists() and not target.is_dir():
        raise BadInput(f"{target} exists and is not a directory")
    if target.is_dir() and any(target.iterdir()):
        if not force:
            raise BadInput(f"{target} exists (use --force to overwrite)")
        if not (target / SUMS).is_file():
            raise BadInput(
                f"{target} is not empty and holds no pressroom dataset ({SUMS}); "
                "refusing to overwrite it"
            )
        if foreign := _foreign(target):
            # The folder is replaced whole: a Hub repository's .git, a file one added,
            # the archive itself would go with it.
            raise BadInput(
                f"{target} holds {foreign}, which is not part of the dataset pressroom "
                "wrote there; move it out of the folder, or export to another one"
            )
    if not target.parent.is_dir():
        raise BadInput(f"directory {target.parent} does not exist")


def _foreign(target: Path) -> str | None:
    """The first entry of the dataset folder ``target`` that its SHA256SUMS does not
    list (nor is SHA256SUMS or the data folder), as a path relative to it; or None.

    >>> _foreign(Path("no-such-folder")) is None
    True
    """
    sums = target / SUMS
    if not sums.is_file():
        return None
    listed = {line.partition("  ")[2] for line in sums.read_text(encoding="utf-8").splitlines()}
    ours = listed | {SUMS, DATA}
    for path in sorted(target.rglob("*")):
        name = path.relative_to(target).as_posix()
        if name not in ours:
            return name
    return None


def _write_shards(
    folder: Path,
    articles: Iterable[dict[str, Any]],
    tally: _Tally,
    max_file_bytes: int,
    batch_rows: int,
    progress: Callable[[int], None] | None,
    metadata: Mapping[str, str] | None = None,
) -> list[tuple[Path, int]]:
    # Files are named once their number is known: train-00000-of-00003.parquet
    # is the Hugging Face convention, which the Hub reads as the train split.
    written: list[tuple[Path, int]] = []
    fp = writer = None
    try:
        for batch in batches(articles, batch_rows):
            if writer is None:
                path = folder / f"shard-{len(written):05d}.parquet"
                fp = path.open("wb")
                writer = ParquetWriter(fp, metadata=metadata)
            for article in batch:
                tally.add(article)
            writer.write(batch)
            if progress is not None:
                progress(len(batch))
            if fp is not None and fp.tell() >= max_file_bytes:
                writer.close()
                fp.close()
                written.append((Path(fp.name), writer.rows))
                fp = writer = None
        if writer is None and not written:
            # An empty selection still gets one (empty) file with the full schema.
            path = folder / "shard-00000.parquet"
            fp = path.open("wb")
            writer = ParquetWriter(fp, metadata=metadata)
        if writer is not None and fp is not None:
            writer.close()
            fp.close()
            written.append((Path(fp.name), writer.rows))
            fp = writer = None
    finally:
        if fp is not None:
            fp.close()
    total = len(written)
    named = []
    for number, (path, rows) in enumerate(written):
        final = path.with_name(f"train-{number:05d}-of-{total:05d}.parquet")
        path.replace(final)
        named.append((final, rows))
    return named


def _describe(root: Path, path: Path, rows: int | None) -> DatasetFile:
    digest = hashlib.sha256()
    with path.open("rb") as fp:
        while chunk := fp.read(1 << 20):
            digest.update(chunk)
    return DatasetFile(
        name=path.relative_to(root).as_posix(),
        rows=rows,
        bytes=path.stat().st_size,
        sha256=digest.hexdigest(),
    )


def _by_name(file: DatasetFile) -> str:
    return file.name


def render_card(
    archive: Archive,
    summary: DatasetSummary,
    tally: _Tally,
    *,
    filters: Mapping[str, Any],
    dedupe: NearDuplicates | None,
    archive_name: str,
) -> str:
    """The dataset card (README.md): YAML header for the Hub, then Markdown for people."""
    runs = _runs(archive, sorted(tally.sources))
    languages = sorted(code for code in tally.languages if code != "unknown")
    lines = [
        "---",
        "pretty_name: " + json.dumps(f"pressroom export of {archive_name}"),
        "license: other",
    ]
    if languages:
        lines += ["language:", *(f"- {code}" for code in languages)]
    lines += [
        "size_categories:",
        f"- {_size_category(summary.rows)}",
        "configs:",
        "- config_name: default",
        "  data_files:",
        "  - split: train",
        f"    path: {DATA}/train-*.parquet",
        "---",
        "",
        f"# pressroom export of {archive_name}",
        "",
        f"{summary.rows:,} news release{'s' * (summary.rows != 1)} from "
        f"{len(tally.sources)} source{'s' * (len(tally.sources) != 1)} "
        f"({', '.join(sorted(tally.sources)) or 'none'}), "
        + (
            f"published {tally.first_day} to {tally.last_day}"
            if tally.first_day
            else "with no publication dates"
        )
        + f", {tally.words:,} words in all, crawled and cleaned by pressroom "
        "into one SQLite archive and exported to Parquet.",
        "",
        "## How it was made",
        "",
        f"- Archive file: `{archive_name}`",
        f"- Selection: {selection(filters)}",
        f"- Near duplicates: {near_duplicates(dedupe)}",
        f"- Crawl window: {_crawl_window(runs)}",
        f"- Source files: {_source_files(runs)}",
        f"- Exported by pressroom {pressroom_version()}; "
        f"crawled by pressroom {_crawl_versions(runs)}",
        f"- Text extracted by: {_counted(tally.extractors)}",
        "- Row order: by `date_published`, then `id` (undated releases first).",
        "",
        "## Files",
        "",
        "| file | rows | bytes | sha256 |",
        "|---|---:|---:|---|",
    ]
    for f in summary.files:
        lines.append(f"| `{f.name}` | {f.rows:,} | {f.bytes:,} | `{f.sha256}` |")
    lines += [
        "",
        f"`{SUMS}` lists the sha256 of every file, this card included: "
        f"`sha256sum -c {SUMS}` checks a copy.",
        "",
        "```python",
        "from datasets import load_dataset",
        f'ds = load_dataset("parquet", data_files="{DATA}/*.parquet", split="train")',
        f'# or: pandas.read_parquet("{DATA}/")',
        "```",
        "",
        "## Fields",
        "",
        "Times are `timestamp[us, UTC]` (a date without a time is midnight UTC); "
        "`published_on` is the day as the page printed it.",
        "",
        "| field | type | meaning |",
        "|---|---|---|",
    ]
    for name, kind in type_names().items():
        lines.append(f"| `{name}` | `{kind}` | {DESCRIPTIONS.get(name, '')} |")
    lines += ["", "## Counts", ""]
    for title, counter in (
        ("source", tally.sources),
        ("language", tally.languages),
        ("year", tally.years),
    ):
        lines += [f"| {title} | releases |", "|---|---:|"]
        lines += [f"| {key} | {count:,} |" for key, count in sorted(counter.items())]
        lines.append("")
    lines += ["## Licence", "", LICENCE_NOTE, ""]
    return "\n".join(lines)


def _size_category(rows: int) -> str:
    for limit, label in (
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
        (10_000_000, "1M<n<10M"),
    ):
        if rows < limit:
            return label
    return "10M<n<100M"


def _runs(archive: Archive, sources: list[str]) -> list[dict[str, Any]]:
    """The runs of ``sources``, oldest first: started, finished and options ({} if none)."""
    wanted = set(sources)
    return [
        {"started": r["started"], "finished": r["finished"], "options": r["options"] or {}}
        for r in reversed(archive.runs())
        if r["source"] in wanted
    ]


def _crawl_window(runs: list[dict[str, Any]]) -> str:
    if not runs:
        return "unknown (no runs recorded)"
    starts = [run["started"] for run in runs if run["started"]]
    ends = [run["finished"] or run["started"] for run in runs if run["finished"] or run["started"]]
    if not starts:
        return f"unknown ({len(runs)} runs without times)"
    return f"{min(starts)} to {max(ends)} ({len(runs)} runs)"


def _source_files(runs: list[dict[str, Any]]) -> str:
    # Only the file name: a full path would publish the crawling machine's layout.
    names = sorted(
        {
            Path(str(run["options"]["source_file"])).name
            for run in runs
            if isinstance(run["options"], dict) and run["options"].get("source_file")
        }
    )
    return ", ".join(f"`{name}`" for name in names) or "none recorded (ad hoc crawls)"


def _crawl_versions(runs: list[dict[str, Any]]) -> str:
    versions = sorted(
        {
            str(run["options"]["pressroom"])
            for run in runs
            if isinstance(run["options"], dict) and run["options"].get("pressroom")
        }
    )
    return ", ".join(versions) or "unknown"


def _counted(counter: Mapping[str, int]) -> str:
    return ", ".join(f"{key} ({count:,})" for key, count in sorted(counter.items())) or "none"


def check_directory(path: str | os.PathLike[str]) -> list[str]:
    """Verify a dataset folder against its SHA256SUMS; return the names that do not match.

    >>> check_directory("hrw-2024")  # doctest: +SKIP
    []
    """
    root = Path(path)
    sums = root / SUMS
    if not sums.is_file():
        raise ArchiveError(f"{root} has no {SUMS}")
    bad = []
    for line in sums.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        file = root / name
        if not file.is_file() or _describe(root, file, None).sha256 != digest:
            bad.append(name)
    return bad


_UNITS = {
    "": 1,
    "B": 1,
    "KB": 1000,
    "MB": 1000**2,
    "GB": 1000**3,
    "KIB": 1024,
    "MIB": 1024**2,
    "GIB": 1024**3,
}


def parse_size(text: str) -> int:
    """Bytes from a size such as ``200MB``, ``1.5GB``, ``512MiB`` or ``1048576``.

    >>> parse_size("200MB"), parse_size("1 KiB")
    (200000000, 1024)
    """
    cleaned = text.strip().upper().replace(" ", "")
    number = cleaned.rstrip("KMGIB")
    unit = cleaned[len(number) :]
    try:
        value = float(number)
    except ValueError:
        value = -1.0
    if unit not in _UNITS or value <= 0:
        raise BadInput(f"invalid size {text!r}: expected e.g. 200MB, 1GB or 512MiB")
    return int(value * _UNITS[unit])
