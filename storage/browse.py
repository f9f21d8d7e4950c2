"""The SQL the archive offers to browsing tools (Datasette): canned queries and checks.

    >>> sorted(REVISION_HISTORY)
    ['description', 'sql', 'title']
    >>> SUBSTRING_SEARCH["title"]
    'Search inside words (Chinese, Japanese, Thai)'

pressroom/serve.py builds Datasette's metadata from these; the SQL stays in
storage, with the schema it reads.
"""

from __future__ import annotations

import os

from .connection import open_readonly

REVISION_COLUMNS = {"article_id", "title", "date_modified", "text_hash", "text"}
REVISION_TIMES = {"first_fetched", "superseded_at"}
REVISION_HISTORY = {
    "title": "Revision history of one release",
    "description": (
        "Every stored version of the release at a URL (its key, canonical or fetched URL), "
        "newest first: the current text from articles, earlier ones from revisions."
    ),
    "sql": (
        "with release as (\n"
        "  select * from articles\n"
        "  where :url in (url, canonical_url, fetched_url)\n"
        "  order by id limit 1\n"
        ")\n"
        "select 'current' as version, last_changed as since, null as until,\n"
        "  title, date_modified, text_hash, text\n"
        "from release\n"
        "union all\n"
        "select 'revision ' || r.id, r.first_fetched, r.superseded_at,\n"
        "  r.title, r.date_modified, r.text_hash, r.text\n"
        "from revisions r join release on r.article_id = release.id\n"
        "order by since desc"
    ),
}

# The full-text index splits words at spaces (FTS5 unicode61): a word inside an unspaced
# Chinese, Japanese or Thai sentence is never a token of its own, so the ranked search and
# Datasette's search box cannot find it. This one reads the texts (as `pressroom search`
# does for such a query): the text as typed, anywhere in the title or the text.
SUBSTRING_SEARCH = {
    "title": "Search inside words (Chinese, Japanese, Thai)",
    "description": (
        "Releases whose title or text holds the text as typed, anywhere, even inside a "
        "word: for scripts without spaces between words (人権, 漁業), which the full-text "
        "search does not find inside a sentence. Exact characters (ASCII letters too), no "
        "operators; title hits first, then newest first."
    ),
    "sql": (
        "select\n"
        "  date_published,\n"
        "  source,\n"
        "  language,\n"
        "  title,\n"
        "  substr(text, max(1, instr(text, :q) - 30), 90) as snippet,\n"
        "  url\n"
        "from articles\n"
        "where :q != '' and (instr(title, :q) > 0 or instr(text, :q) > 0)\n"
        "order by instr(title, :q) > 0 desc, date_published desc, id\n"
        "limit 100"
    ),
}


def has_revisions(path: str | os.PathLike[str]) -> bool:
    """Whether the archive at ``path`` has the revisions table the canned query reads.

    Opened read-only (mode=ro): a check before serving must not migrate the file.
    """
    conn = open_readonly(path)
    try:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(revisions)")}
    finally:
        conn.close()
    return columns >= REVISION_COLUMNS | REVISION_TIMES
