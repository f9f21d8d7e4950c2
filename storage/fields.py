"""What each column of ``articles`` means: one text for the dataset card, Parquet and Datasette.

    >>> DESCRIPTIONS["word_count"]
    'Words in `text`.'

A test checks that every column in ``records.ARTICLE_FIELDS`` is described
here, so a new column cannot reach an export undocumented.
"""

from __future__ import annotations

DESCRIPTIONS: dict[str, str] = {
    "id": "Row id in the archive (stable for the life of the archive file, not across archives).",
    "url": "Normalised canonical URL of the release: the key (unique).",
    "canonical_url": "The page's own rel=canonical URL, as given.",
    "fetched_url": "URL actually fetched, after redirects.",
    "source": "Short name of the source (organisation) the release was crawled from.",
    "title": "Headline.",
    "description": "Standfirst or summary given by the page (meta description, dek).",
    "authors": "People named in the byline (list).",
    "date_published": "Publication time as the page gives it (ISO 8601, with zone when known).",
    "date_modified": "Last-modified time as the page gives it (ISO 8601), if any.",
    "language": "Language of the text (ISO 639-1 code).",
    "tags": "Topics, countries and other tags the page lists (list).",
    "translations": "Other language versions of the release, language -> URL (from hreflang).",
    "text": "Clean text: title, standfirst and body; paragraphs separated by a blank line.",
    "word_count": "Words in `text`.",
    "text_hash": "sha256 of `text` (hex): equal hashes mean identical texts.",
    "capture_hash": "sha256 of the raw response body kept in the archive's captures table.",
    "extractor": "Extractor and version that produced `text`, e.g. 'trafilatura 2.3.1'.",
    "etag": "HTTP ETag of the last fetch (for conditional re-fetches).",
    "http_last_modified": "HTTP Last-Modified header of the last fetch.",
    "rules_version": "Version of the source's extraction rules that produced `text`.",
    "markdown": "The text as Markdown (headings, lists, links kept).",
    "org_author": "Organisation named in the byline, apart from people.",
    "publisher": "Publisher named by the page's metadata.",
    "image_url": "URL of the lead image.",
    "image_caption": "Caption of the lead image.",
    "content_kind": "'html' or 'pdf': what the release was extracted from.",
    "translation_key": "Shared by every language version of the same release (hreflang group).",
    "first_seen": "When pressroom first stored the release (UTC).",
    "last_fetched": "When pressroom last fetched it (UTC).",
    "last_changed": "When its stored content last changed (UTC).",
    "run_id": "Crawl run that last fetched it (runs table of the archive).",
    # Parquet only: see storage/parquet.py.
    "published_on": "Calendar day of publication as the page prints it (its own time zone).",
}
