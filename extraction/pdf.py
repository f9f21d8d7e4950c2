"""PDF releases: text and document metadata, read with pypdf (pure Python).

    >>> result = analyse_pdf(pdf_bytes, "https://x.org/files/report.pdf", Rules())  # doctest: +SKIP
    >>> result.article["content_kind"], result.article["title"]  # doctest: +SKIP
    ('pdf', 'Annual Report 2025')

Text comes page by page; lines are joined back into paragraphs (a blank line,
or a short line that ends a sentence, ends one) and words hyphenated across a
line break are rejoined. Title, author, subject, keywords and dates come from
the document information dictionary when the PDF has one; the language is
detected from the text. Called from :func:`extraction.extract.analyse` for bytes
that start with ``%PDF-``.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any

from article.text import Block, render, unspaced
from extraction import cleaning, language
from extraction.metadata import _people_and_orgs, _split_authors, unique
from extraction.results import PageResult, check_article
from extraction.rules import Rules

MAX_PAGES = 300  # a longer PDF is a book, not a release; read its first pages
_PDF_DATE = re.compile(
    r"^D?:?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+-])?(\d{2})?'?(\d{2})?'?$"
)


def analyse_pdf(data: bytes, url: str, rules: Rules) -> Any:
    """A :class:`extraction.results.PageResult` for a PDF: an article, or failed with a reason."""
    from pypdf import PdfReader
    from pypdf import __version__ as pypdf_version
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            reader.decrypt("")
        pages = [page.extract_text() or "" for page in reader.pages[:MAX_PAGES]]
        info = reader.metadata or {}
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        return PageResult(url, "failed", reason=f"unreadable PDF: {exc}".splitlines()[0])
    paragraphs = [p for page in pages for p in paragraphs_of(page)]
    title = _info(info, "/Title")
    if paragraphs and (not title or cleaning.same_text(paragraphs[0], title)):
        title = title or paragraphs[0]
        paragraphs = paragraphs[1:]
    words = sum(cleaning.word_count(p) for p in paragraphs)  # characters in CJK and Thai
    least = rules.least_words(vouched=True)  # read only when the patterns call it a release
    if words < least:
        return PageResult(
            url, "failed", reason=f"too little text in PDF ({words} words; need {least})"
        )
    if not title:
        return PageResult(url, "failed", reason="no title found in PDF")
    blocks: list[Block] = [("p", p, p) for p in paragraphs]
    text, markdown = render(title, blocks)
    people, orgs = _people_and_orgs(_split_authors(_info(info, "/Author")))
    published = pdf_date(_info(info, "/CreationDate"))
    modified = pdf_date(_info(info, "/ModDate"))
    keywords = _info(info, "/Keywords") or ""
    article = {
        "url": url,
        "canonical_url": None,
        "title": title,
        "description": _info(info, "/Subject"),
        "authors": people,
        "org_author": ", ".join(orgs) or None,
        "publisher": None,
        "date_published": published,
        "date_modified": modified if modified and modified != published else None,
        "language": language.choose("\n".join(paragraphs), None),
        "tags": unique(k for k in re.split(r"[;,]", keywords)),
        "translations": {},
        "translation_key": None,
        "image_url": None,
        "image_caption": None,
        "text": text,
        "markdown": markdown,
        "word_count": cleaning.word_count(text),
        "content_kind": "pdf",
        "extractor": f"pypdf {pypdf_version}",
    }
    check_article(article)
    return PageResult(url, "article", article=article)


def paragraphs_of(page: str) -> list[str]:
    """Join a page's lines into paragraphs.

    >>> paragraphs_of("Title\\nA long line that goes on and on\\nand ends here.\\n\\nA sec-\\nond.")
    ['Title', 'A long line that goes on and on and ends here.', 'A second.']
    >>> paragraphs_of("水産庁は本日新たな方針を公表しまし\\nた。")
    ['水産庁は本日新たな方針を公表しました。']
    """
    lines = [" ".join(line.split()) for line in page.splitlines()]
    longest = max((len(line) for line in lines), default=0)
    out: list[str] = []
    current = ""
    for line in lines:
        if not line:
            if current:
                out.append(current)
            current = ""
            continue
        if not current:
            current = line
        elif current.endswith("-") and line[:1].islower():
            current = current[:-1] + line
        elif unspaced(current[-1]) and unspaced(line[0]):
            current += line  # Chinese, Japanese, Thai: a line break is no space between words
        else:
            current = f"{current} {line}"
        # A short line that ends a sentence ends its paragraph; a short line with no
        # closing punctuation, alone, is a heading.
        ends = (".", "!", "?", ":", "”", '"', "。", "！", "？", "」")
        ends_sentence = len(line) < 0.7 * longest and line.endswith(ends)
        heading = current == line and len(line) < 0.5 * longest and line[-1:].isalnum()
        if ends_sentence or heading:
            out.append(current)
            current = ""
    if current:
        out.append(current)
    return out


def pdf_date(value: str | None) -> str | None:
    """ISO 8601 from a PDF date string.

    >>> pdf_date("D:20250301093000+01'00'"), pdf_date("D:20250301"), pdf_date("junk")
    ('2025-03-01T09:30:00+01:00', '2025-03-01', None)
    """
    match = _PDF_DATE.match((value or "").strip())
    if not match:
        return None
    year, month, day, hour, minute, second, sign, tz_h, tz_m = match.groups()
    try:
        if hour is None:
            return datetime(int(year), int(month or 1), int(day or 1)).date().isoformat()
        stamp = f"{year}-{month}-{day}T{hour}:{minute or '00'}:{second or '00'}"
        if sign in ("Z", "z"):
            stamp += "+00:00"
        elif sign:
            stamp += f"{sign}{tz_h or '00'}:{tz_m or '00'}"
        return datetime.fromisoformat(stamp).isoformat()
    except ValueError:
        return None


def _info(info: Any, key: str) -> str | None:
    try:
        value = info.get(key)
    except (KeyError, TypeError, ValueError):
        return None
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None
