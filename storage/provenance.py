"""What an export says about where its rows came from: the dataset card's lines, and the
key-value metadata of a Parquet file.

    >>> selection({"source": "hrw", "query": '"forced labor"', "lang": None})
    'query="\\\\"forced labor\\\\"", source="hrw"'
    >>> sorted(json.loads(parquet_metadata("hrw.db", {"source": "hrw"}, None)["pressroom"]))
    ['archive', 'exported_by', 'near_duplicates', 'row_order', 'selection']

Nothing in it depends on the time of the export: the same archive and options
give the same bytes (README: Exports). Only the archive's file name is named,
never its folder: a path would publish the exporting machine's layout.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import metadata
from typing import Any

from .minhash import SHINGLE, NearDuplicates

ROW_ORDER = "by date_published, then id (undated releases first)"


def pressroom_version() -> str:
    """The installed pressroom's version, or 'unknown' when run from a bare checkout."""
    try:
        return metadata.version("pressroom")
    except metadata.PackageNotFoundError:
        return "unknown"


def selection(filters: Mapping[str, Any]) -> str:
    """The export's filters as ``key="value"`` pairs, or 'every article in the archive'."""
    given = {key: value for key, value in filters.items() if value not in (None, False)}
    if not given:
        return "every article in the archive"
    return ", ".join(
        f"{key}={json.dumps(str(value), ensure_ascii=False)}"
        for key, value in sorted(given.items())
    )


def near_duplicates(dedupe: NearDuplicates | None, *, counted: bool = True) -> str:
    """How near duplicates were treated: kept (``dedupe`` None), or the rule that removed
    them, and how many if ``counted`` (a Parquet file names the rule before its rows)."""
    if dedupe is None:
        return "kept (no near-duplicate removal)"
    removed = f"removed {dedupe.dropped:,}" if counted else "removed"
    return (
        f"{removed}: a release whose {SHINGLE}-word shingles have an estimated Jaccard "
        f"similarity of {dedupe.threshold} or more (MinHash) with an earlier one was "
        "dropped; the earliest published was kept"
    )


def parquet_metadata(
    archive_name: str, filters: Mapping[str, Any], dedupe: NearDuplicates | None
) -> dict[str, str]:
    """The key-value metadata a Parquet export carries: one key, ``pressroom``, a JSON
    object naming the archive file, the selection, near duplicates, row order and version."""
    about = {
        "archive": archive_name,
        "selection": selection(filters),
        "near_duplicates": near_duplicates(dedupe, counted=False),
        "row_order": ROW_ORDER,
        "exported_by": f"pressroom {pressroom_version()}",
    }
    return {"pressroom": json.dumps(about, ensure_ascii=False, sort_keys=True)}
