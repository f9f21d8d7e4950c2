"""What each column of ``articles`` means: one text for the dataset card, Parquet and Datasette.

    >>> DESCRIPTIONS["word_count"]
    'Words in `text`.'

A test checks that every column in ``records.ARTICLE_FIELDS`` is described
in article/fields.py (where they are written), so a new column cannot reach an export undocumented.
"""

from __future__ import annotations

from article.fields import DESCRIPTIONS

__all__ = ["DESCRIPTIONS"]
