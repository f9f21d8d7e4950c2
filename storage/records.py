"""Convert article dicts between their Python shape and their row shape.

    >>> row = prepare_article({"url": "https://x.org/a", "source": "x", "text": "Hi there",
    ...                        "tags": ["eu"]})
    >>> row["tags"], row["word_count"], row["text_hash"][:12]
    ('["eu"]', 2, '8328c36d18b7')
    >>> decode_article(row)["tags"]
    ['eu']

Lists and dicts are stored as JSON text; SQLite has no array type, and JSON
keeps the columns queryable with ``json_each()``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from article import fields
from article.text import word_count

from .errors import ArchiveError

# Derived from the field table (article/fields.py), never listed here.
# Columns the crawler supplies. The archive owns id, first_seen, last_fetched,
# last_changed and run_id, so a caller cannot set those by accident.
CONTENT_FIELDS: tuple[str, ...] = fields.CONTENT
MANAGED_FIELDS: tuple[str, ...] = fields.MANAGED

# Every articles column, in table order: the key order of get(), articles() and export.
ARTICLE_FIELDS: tuple[str, ...] = ("id", *CONTENT_FIELDS, *MANAGED_FIELDS)

JSON_FIELDS: dict[str, type] = fields.JSON
REQUIRED_FIELDS: tuple[str, ...] = fields.REQUIRED
# What makes a new version of a release (a row in revisions): text, title or dates changing.
REVISION_FIELDS: tuple[str, ...] = fields.REVISION


def prepare_article(article: Mapping[str, Any]) -> dict[str, Any]:
    """Validate one crawler article and return it as a row of CONTENT_FIELDS.

        >>> prepare_article({"url": "u", "source": "s", "text": ""})["word_count"]
        0

    Raises ArchiveError naming the field when the article cannot be stored.
    """
    unknown = sorted(set(article) - set(CONTENT_FIELDS))
    if unknown:
        raise ArchiveError(
            f"article {article.get('url')!r} has fields the archive does not store "
            f"or sets itself: {', '.join(unknown)}"
        )
    for field in REQUIRED_FIELDS:
        if not isinstance(article.get(field), str):
            raise ArchiveError(f"article {article.get('url')!r} needs a string {field!r}")
    if not article["url"] or not article["source"]:
        raise ArchiveError(f"article {article.get('url')!r} has an empty url or source")
    row = {field: article.get(field) for field in CONTENT_FIELDS}
    for field, kind in JSON_FIELDS.items():
        row[field] = _encode_json(article.get("url"), field, row[field], kind)
    if row["text_hash"] is None:
        row["text_hash"] = text_hash(row["text"])
    if row["word_count"] is None:
        row["word_count"] = word_count(row["text"])
    return row


def decode_article(row: Mapping[str, Any]) -> dict[str, Any]:
    """Turn a database row back into an article, JSON columns as lists and dicts.

    >>> decode_article({"url": "u", "authors": '["Ann"]', "translations": None})
    {'url': 'u', 'authors': ['Ann'], 'translations': None}
    """
    article = dict(row)
    for field in JSON_FIELDS:
        value = article.get(field)
        if isinstance(value, str):
            article[field] = json.loads(value)
    return article


def text_hash(text: str) -> str:
    """Return the sha256 hex digest of ``text`` encoded as UTF-8.

    >>> text_hash("")[:16]
    'e3b0c44298fc1c14'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def dump_json(value: Any) -> str:
    """Serialise ``value`` the one way the archive does everywhere.

    >>> dump_json({"fr": "https://x.org/fr", "de": "https://x.org/de"})
    '{"de": "https://x.org/de", "fr": "https://x.org/fr"}'

    Sorted keys make the stored text, and so every export, byte-for-byte stable.
    """
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _encode_json(url: Any, field: str, value: Any, kind: type) -> str | None:
    if value is None:
        return None
    # Tuples are fine for lists. A bare string is refused: tags="eu, trade" is
    # an easy slip, and it would come back from the archive as a string.
    if kind is list and isinstance(value, tuple):
        value = list(value)
    if not isinstance(value, kind):
        raise ArchiveError(
            f"article {url!r} field {field!r} must be a {kind.__name__}, not {type(value).__name__}"
        )
    return dump_json(value)
