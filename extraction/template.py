"""The page's template: a fingerprint of its layout, shared by the pages of one template.

    >>> from extraction.parse import parse
    >>> key = template_key(parse('<body class="node-7"><main><h1>A</h1></main></body>'))
    >>> len(key), key == template_key(parse('<body class="node-7"><h1>A</h1></body>'))
    (12, False)

Set on every page, releases or not: the crawl learns a site's templates from
it (which ones hold releases), and the boilerplate profile and near-block
groups are kept per template (:mod:`extraction.nearblocks`).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any


def template_key(tree: Any) -> str:
    """A fingerprint of the page's layout: the classes of <body> and of the headline's
    ancestors, digits dropped (node ids). Pages of one template share it.

    >>> from extraction.parse import parse
    >>> key = parse('<body class="node-7"><main><h1>A</h1></main></body>')
    >>> template_key(key) == template_key(
    ...     parse('<body class="node-12"><main><h1>B</h1></main></body>'))
    True
    """
    body = tree.find("body")
    parts = [_classes(body) if body is not None else ""]
    heading = tree.find(".//h1")
    if heading is not None:
        for el in [heading, *heading.iterancestors()]:
            if el.tag in ("body", "html"):
                break
            parts.append(f"{el.tag}.{_classes(el)}")
    return hashlib.sha1("|".join(parts).encode("utf-8")).hexdigest()[:12]


def _classes(el: Any) -> str:
    return " ".join(sorted({re.sub(r"\d+", "", c) for c in (el.get("class") or "").split()}))
