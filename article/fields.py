"""The article's fields, declared once: every other list of them is derived from ``FIELDS``.

    >>> by_name("word_count").parquet, by_name("tags").json
    ('int64', <class 'list'>)
    >>> [f.name for f in FIELDS if f.revision]
    ['title', 'date_published', 'date_modified', 'text_hash']

Each field says what it is (``type``: the Python type of the value), whether
the archive keeps it as JSON text (``json``: list or dict, else None), what it
means (``description``, for the dataset card, Parquet and Datasette), whether
a change makes a new revision (``revision``), whether exports write it
(``exported``), its Parquet type (``parquet``, as Arrow spells it) and who
sets it (``owner``): "extraction" reads it from the page, "crawl" from the
fetch, "archive" sets it on write (a caller cannot). ``stored=False`` marks a
column that exports derive (published_on) and the archive does not keep.

Storage derives its column tuples (storage/records.py), descriptions
(storage/fields.py), Parquet schema (storage/parquet.py), revision check
(storage/archive.py) and export columns (storage/export.py) from this table;
a new field is one entry here, one migration and the code that reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Field:
    """One column of an article (see the module docstring for what each attribute means)."""

    name: str
    type: type
    description: str
    owner: str = "extraction"
    json: type | None = None
    revision: bool = False
    exported: bool = True
    parquet: str = "string"
    stored: bool = True
    required: bool = False


_TIME = "timestamp[us, UTC]"

FIELDS: tuple[Field, ...] = (
    Field(
        "id",
        int,
        "Row id in the archive (stable for the life of the archive file, not across archives).",
        owner="id",
        parquet="int64",
    ),
    Field(
        "url",
        str,
        "Normalised canonical URL of the release: the key (unique).",
        owner="crawl",
        required=True,
    ),
    Field("canonical_url", str, "The page's own rel=canonical URL, as given."),
    Field("fetched_url", str, "URL actually fetched, after redirects.", owner="crawl"),
    Field(
        "source",
        str,
        "Short name of the source (organisation) the release was crawled from.",
        owner="crawl",
        required=True,
    ),
    Field("title", str, "Headline.", revision=True),
    Field(
        "description",
        str,
        "Standfirst or summary given by the page (meta description, dek).",
    ),
    Field(
        "authors",
        list,
        "People named in the byline (list).",
        json=list,
        parquet="list<string>",
    ),
    Field(
        "date_published",
        str,
        "Publication time as the page gives it (ISO 8601, with zone when known).",
        revision=True,
        parquet=_TIME,
    ),
    # Parquet only, right after date_published: see storage/parquet.py.
    Field(
        "published_on",
        str,
        "Calendar day of publication as the page prints it (its own time zone).",
        owner="export",
        parquet="date32",
        stored=False,
    ),
    Field(
        "date_modified",
        str,
        "Last-modified time as the page gives it (ISO 8601), if any.",
        revision=True,
        parquet=_TIME,
    ),
    Field("language", str, "Language of the text (ISO 639-1 code)."),
    Field(
        "tags",
        list,
        "Topics, countries and other tags the page lists (list).",
        json=list,
        parquet="list<string>",
    ),
    Field(
        "translations",
        dict,
        "Other language versions of the release, language -> URL (from hreflang).",
        json=dict,
        parquet="list<struct<language: string, url: string>>",
    ),
    Field(
        "text",
        str,
        "Clean text: title, standfirst and body; paragraphs separated by a blank line.",
        required=True,
    ),
    Field("word_count", int, "Words in `text`.", parquet="int64"),
    Field(
        "text_hash",
        str,
        "sha256 of `text` (hex): equal hashes mean identical texts.",
        revision=True,
    ),
    Field(
        "capture_hash",
        str,
        "sha256 of the raw response body kept in the archive's captures table.",
        owner="crawl",
    ),
    Field(
        "extractor",
        str,
        "Extractor and version whose reading `text` is: 'trafilatura 2.3.1' (pressroom's own"
        " pass), 'trafilatura 2.3.1 (defaults)' or 'readability-lxml 0.9' when the vote kept"
        " theirs, 'pypdf ...' for a PDF.",
    ),
    # m002: HTTP validators for conditional re-fetches, and which source rules
    # produced the text (so a re-extraction can tell what changed).
    Field("etag", str, "HTTP ETag of the last fetch (for conditional re-fetches).", owner="crawl"),
    Field("http_last_modified", str, "HTTP Last-Modified header of the last fetch.", owner="crawl"),
    Field(
        "rules_version",
        str,
        "Version of the source's extraction rules that produced `text`.",
        owner="crawl",
    ),
    # m003: Markdown beside the plain text, an organisation byline kept apart
    # from people, the lead image, HTML or PDF, and the hreflang group.
    Field("markdown", str, "The text as Markdown (headings, lists, links kept)."),
    Field("org_author", str, "Organisation named in the byline, apart from people."),
    Field("publisher", str, "Publisher named by the page's metadata."),
    Field("image_url", str, "URL of the lead image."),
    Field("image_caption", str, "Caption of the lead image."),
    Field("content_kind", str, "'html' or 'pdf': what the release was extracted from."),
    Field(
        "translation_key",
        str,
        "Shared by every language version of the same release (hreflang group).",
    ),
    # m007: the body's outbound links, for citation and link studies.
    Field(
        "links",
        list,
        "Links in the body, in order: each a URL and its anchor text (list of {url, text}).",
        json=list,
        parquet="list<struct<url: string, text: string>>",
    ),
    # Set by the archive on every write, never by a caller.
    Field(
        "first_seen",
        str,
        "When pressroom first stored the release (UTC).",
        **{"owner": "archive", "parquet": _TIME},
    ),
    Field(
        "last_fetched", str, "When pressroom last fetched it (UTC).", owner="archive", parquet=_TIME
    ),
    Field(
        "last_changed",
        str,
        "When its stored content last changed (UTC).",
        owner="archive",
        parquet=_TIME,
    ),
    Field(
        "run_id",
        int,
        "Crawl run that last fetched it (runs table of the archive).",
        owner="archive",
        parquet="int64",
    ),
)

# Derived views of the table (storage builds its own from these).
COLUMNS: tuple[Field, ...] = tuple(f for f in FIELDS if f.stored)
# What a caller supplies: read from the page or the fetch; the archive sets the rest.
CONTENT: tuple[str, ...] = tuple(f.name for f in COLUMNS if f.owner in ("extraction", "crawl"))
MANAGED: tuple[str, ...] = tuple(f.name for f in COLUMNS if f.owner == "archive")
JSON: dict[str, type] = {f.name: f.json for f in COLUMNS if f.json is not None}
REQUIRED: tuple[str, ...] = tuple(f.name for f in COLUMNS if f.required)
REVISION: tuple[str, ...] = tuple(f.name for f in COLUMNS if f.revision)
EXPORTED: tuple[str, ...] = tuple(f.name for f in COLUMNS if f.exported)
DESCRIPTIONS: dict[str, str] = {f.name: f.description for f in FIELDS}


def by_name(name: str) -> Field:
    """The field called ``name``; KeyError if there is none.

    >>> by_name("url").owner
    'crawl'
    """
    for field in FIELDS:
        if field.name == name:
            return field
    raise KeyError(name)


def stored_row(
    extracted: Mapping[str, Any], crawl: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The row the archive stores for one release: the extraction result plus the fetch's facts.

        >>> row = stored_row({"title": "T", "text": "x"}, {"url": "u", "source": "s"})
        >>> list(row)[:4], row["title"], row["etag"]
        (['url', 'canonical_url', 'fetched_url', 'source'], 'T', None)

    Every content field is present, in table order (absent ones are None);
    ``crawl`` (the "crawl" fields: url, source, validators, ...) wins over the
    extraction's value of the same name (e.g. url, the page's own key).
    Unknown names are kept, so the archive can refuse them by name.
    """
    merged = {**extracted, **(crawl or {})}
    row = {name: merged.get(name) for name in CONTENT}
    row.update((key, value) for key, value in merged.items() if key not in row)
    return row
