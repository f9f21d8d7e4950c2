"""The canonical guard: a page may not overwrite another release by naming it as canonical.

    >>> guard = CanonicalGuard()
    >>> guard.held
    []

A step of the single writer (crawler/pipelines.py), run in each batch's
transaction: it needs the archive as it stands, and holds aliases to the end.
"""

from __future__ import annotations

from typing import Any

from crawler.items import ArticleItem, FailureItem


class CanonicalGuard:
    """Hold articles reached through their canonical link until the crawl's last write.

        >>> guard = CanonicalGuard()
        >>> articles, refused = guard.sort(batch, archive, final=False)  # doctest: +SKIP

    Every page fetched from its own URL is written first; then each held
    article is checked by :func:`canonical_conflicts` against an archive that
    holds everything the crawl fetched directly, in whatever order it came.
    """

    def __init__(self) -> None:
        self.held: list[ArticleItem] = []

    def sort(
        self, items: list[ArticleItem], archive: Any, *, final: bool
    ) -> tuple[list[ArticleItem], list[FailureItem]]:
        direct = []
        for item in items:
            if item.article.get("fetched_url", item.article["url"]) == item.article["url"]:
                direct.append(item)
            else:
                self.held.append(item)
        if not final:
            return direct, []
        held, self.held = self.held, []
        return canonical_conflicts(direct + held, archive)


def canonical_conflicts(
    items: list[ArticleItem], archive: Any
) -> tuple[list[ArticleItem], list[FailureItem]]:
    """Split off articles whose canonical link names another, different release.

    A page may name any URL as canonical; the spider keys the article by it,
    which merges aliases (``/node/5`` -> ``/news/x``) into one release. A
    misconfigured page that names *another* release would overwrite it, and
    the two would then take turns as each other's "new version". So an article
    reached through its canonical link is refused when that URL already holds a
    different text fetched from a different URL (archived, or fetched directly
    in the same batch). A page fetched from its own URL always wins.
    """
    direct = {
        item.article["url"]: item.article.get("text")
        for item in items
        if item.article.get("fetched_url", item.article["url"]) == item.article["url"]
    }
    kept: list[ArticleItem] = []
    refused: list[FailureItem] = []
    for item in items:
        key = item.article["url"]
        fetched = item.article.get("fetched_url") or key
        if fetched != key:
            if key in direct:
                other = direct[key]
            else:
                stored = archive.get(key)
                same_page = stored is None or stored.get("fetched_url") in (fetched, None)
                other = None if same_page else stored.get("text")
            if other is not None and other != item.article.get("text"):
                reason = f"canonical link points to {key}, which holds a different release"
                refused.append(FailureItem(fetched, reason, 200, item.capture))
                continue
        kept.append(item)
    return kept, refused
