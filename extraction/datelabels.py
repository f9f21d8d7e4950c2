"""Published and updated dates read from the labels a page prints beside them.

    >>> import lxml.html
    >>> tree = lxml.html.fromstring(
    ...     "<html><body><dl><dt>Published</dt><dd>11 April 2023</dd>"
    ...     "<dt>Last updated</dt><dd>22 April 2023</dd></dl><p>Text.</p></body></html>")
    >>> found = read_dates(tree)
    >>> found.published, found.modified
    ('2023-04-11', '2023-04-22')
    >>> read_lines(["Mis à jour le 3 mai 2024"]).published is None   # an update only
    True

A fallback for pages without structured dates (no JSON-LD, no date meta tags):
the page's visible text is cut into lines at block elements, and a date counts
only when a known label ("Published", "Last updated", "Publié le",
"Aktualisiert", "Cyhoeddwyd", 公開, ...) starts a line, or follows a separator
("|", "·", "-"), and the date follows the label at once (a ``<time datetime>``
there wins over its text), or sits on the next line (``<dt>``/``<dd>``).
Precision over coverage: prose ("the guidance was updated on 3 May") never
counts, navigation, sidebars and teasers are skipped, a numeric date whose
day/month order the language does not settle is left out, and an update label
never fills ``published``. Dates are ISO days (``<time datetime>`` values are
kept as the page gives them).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from lxml import etree

from extraction.parse import BLOCK_TAGS

__all__ = ["LabelledDates", "cjk_date_line", "parse_date", "read_dates", "read_lines", "shows_day"]

PUBLISHED, MODIFIED = "published", "modified"

# Labels, by the date they name. Longer labels are tried first ("First published"
# before "published", "Diweddarwyd ddiwethaf" before "Diweddarwyd").
_LABELS: dict[str, tuple[str, ...]] = {
    PUBLISHED: (
        # English
        "first published", "published on", "published", "date published", "publication date",
        "date of publication", "posted on", "posted", "release date", "date of release",
        "released", "issued on", "issued",
        # French, German, Spanish/Portuguese, Italian, Dutch
        "publié le", "publié", "mis en ligne le", "date de publication", "veröffentlicht am",
        "veröffentlicht", "erstmals veröffentlicht", "publiziert am", "publiziert", "erschienen am",
        "publicado el", "publicado em", "publicado", "fecha de publicación", "publicada",
        "pubblicato il", "pubblicato", "data di pubblicazione", "gepubliceerd op", "gepubliceerd",
        # Welsh, Nordic, Polish, Czech, Finnish, Turkish, Russian, Ukrainian, Romanian, Hungarian
        "cyhoeddwyd gyntaf", "cyhoeddwyd", "publicerad", "publiceret", "publisert", "publ.",
        "opublikowano", "publikacja", "publikováno", "julkaistu", "yayınlanma tarihi",
        "yayınlanma", "giriş",
        "опубликовано", "опубліковано", "publicat", "publikálva",
        # Japanese, Chinese, Korean
        "公開日", "公開", "掲載日", "配信日", "投稿日", "発表日", "发布时间", "发布日期",
        "發佈時間", "發布時間", "기사입력", "입력", "등록",
    ),
    MODIFIED: (
        "last updated", "last modified", "updated on", "updated", "modified", "last revised",
        "revised", "mis à jour le", "mis à jour", "modifié le", "dernière mise à jour",
        "zuletzt aktualisiert", "aktualisiert am", "aktualisiert", "geändert am", "stand",
        "actualizado el", "actualizado", "atualizado em", "atualizado", "última actualización",
        "aggiornato il", "aggiornato", "ultimo aggiornamento", "laatst bijgewerkt", "bijgewerkt op",
        "bijgewerkt", "diweddarwyd ddiwethaf", "diweddarwyd", "uppdaterad", "opdateret",
        "oppdatert", "zaktualizowano", "aktualizacja", "aktualizováno", "päivitetty",
        "güncelleme tarihi", "son güncelleme", "güncelleme", "güncellendi", "обновлено",
        "оновлено", "actualizat", "frissítve", "最終更新日", "最終更新", "更新日", "更新",
        "更新时间", "更新時間", "최종수정", "수정",
    ),
}  # fmt: skip

_MONTHS: dict[str, tuple[str, ...]] = {
    "en": ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"),
    "de": ("januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september",
           "oktober", "november", "dezember"),
    "de-at": ("jänner", "feber", "märz", "april", "mai", "juni", "juli", "august", "september",
              "oktober", "november", "dezember"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"),
    "it": ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
           "settembre", "ottobre", "novembre", "dicembre"),
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"),
    "pt": ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto",
           "setembro", "outubro", "novembro", "dezembro"),
    "cy": ("ionawr", "chwefror", "mawrth", "ebrill", "mai", "mehefin", "gorffennaf", "awst",
           "medi", "hydref", "tachwedd", "rhagfyr"),
    "sv": ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
           "september", "oktober", "november", "december"),
    "da": ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
           "oktober", "november", "december"),
    "no": ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september",
           "oktober", "november", "desember"),
    "pl": ("stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia",
           "września", "października", "listopada", "grudnia"),
    "cs": ("ledna", "února", "března", "dubna", "května", "června", "července", "srpna",
           "září", "října", "listopadu", "prosince"),
    "fi": ("tammikuuta", "helmikuuta", "maaliskuuta", "huhtikuuta", "toukokuuta", "kesäkuuta",
           "heinäkuuta", "elokuuta", "syyskuuta", "lokakuuta", "marraskuuta", "joulukuuta"),
    "tr": ("ocak", "şubat", "mart", "nisan", "mayıs", "haziran", "temmuz", "ağustos", "eylül",
           "ekim", "kasım", "aralık"),
    "ro": ("ianuarie", "februarie", "martie", "aprilie", "mai", "iunie", "iulie", "august",
           "septembrie", "octombrie", "noiembrie", "decembrie"),
    "hu": ("január", "február", "március", "április", "május", "június", "július", "augusztus",
           "szeptember", "október", "november", "december"),
    "ru": ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
           "сентября", "октября", "ноября", "декабря"),
    "uk": ("січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня",
           "вересня", "жовтня", "листопада", "грудня"),
}  # fmt: skip


def _month_table() -> dict[str, int]:
    """Every month name, and its 3- and 4-letter abbreviations where no language disagrees."""
    names: dict[str, int] = {}
    prefixes: dict[str, set[int]] = {}
    for months in _MONTHS.values():
        for number, name in enumerate(months, start=1):
            names[name] = number
            for size in (3, 4):
                if len(name) > size:
                    prefixes.setdefault(name[:size], set()).add(number)
    for prefix, numbers in prefixes.items():
        if len(numbers) == 1 and prefix not in names:
            names[prefix] = numbers.pop()
    names["sept"] = 9
    return names


MONTHS = _month_table()
_MONTH = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))
_D = r"(?P<d>[0-3]?\d)"
_Y = r"(?P<y>(?:19|20)\d\d)"
_M = rf"(?P<m>{_MONTH})"
# Each pattern is tried at the very start of the text after a label.
_DATE_PATTERNS = (
    re.compile(rf"{_Y}-(?P<mm>[01]?\d)-{_D}(?!\d)"),  # 2023-04-11
    re.compile(rf"{_Y}\s*[年년]\s*(?P<mm>[01]?\d)\s*[月월]\s*{_D}\s*[日일]?"),  # 2023年4月11日
    re.compile(rf"{_Y}[./](?P<mm>[01]?\d)[./]{_D}(?!\d)"),  # 2024/05/03, 2023.04.11.
    re.compile(rf"{_Y}\.?\s+{_M}\.?\s+{_D}(?!\d)", re.IGNORECASE),  # 2023. április 11.
    # 11 April 2023, 11. April 2023, 11 de abril de 2023, 1er mai 2024, 11th of April, 2023
    re.compile(
        rf"{_D}(?:st|nd|rd|th|er|º|\.)?\s*(?:de\s+|of\s+)?{_M}\.?,?\s*(?:de\s+)?{_Y}(?!\d)",
        re.IGNORECASE,
    ),
    re.compile(rf"{_M}\.?\s+{_D}(?:st|nd|rd|th)?,?\s+{_Y}(?!\d)", re.IGNORECASE),  # April 11, 2023
    re.compile(r"(?P<a>[0-3]?\d)(?P<sep>[./-])(?P<b>[01]?\d)(?P=sep)(?P<y>(?:19|20)\d\d)(?!\d)"),
)
# Between a label and its date: punctuation and a small word ("on", "le", "am", "el"),
# then maybe a weekday and a time of day ("Updated: 11:03 EDT, Fri 3 May 2024").
_LEAD = re.compile(
    r"[\s:：\-–—|,(]*(?:(?:on|at|le|am|el|em|il|op|den|dnia|the|de)\s+)?", re.IGNORECASE
)
_TIME_OF_DAY = re.compile(
    r"\d{1,2}[:.h]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s+[A-Z]{2,5})?\s*(?:Uhr\s*)?[,|·-]?\s*",
    re.IGNORECASE,
)
_WEEKDAY = re.compile(r"[^\W\d_]{2,12}\.?,?\s+(?=\d)")
_LABEL = re.compile(
    "|".join(
        re.escape(label)
        for label in sorted((lbl for ls in _LABELS.values() for lbl in ls), key=len, reverse=True)
    ),
    re.IGNORECASE,
)
_KIND = {label: kind for kind, labels in _LABELS.items() for label in labels}


def _trie(words: Iterable[str]) -> str:
    """A regex matching the same strings as ``a|b|...``, written as a prefix tree.

    >>> _trie(["updated", "update", "upload"])
    'up(?:date(?:d)?|load)'

    Python's ``re`` tries every branch of a flat alternation at every position;
    a tree tries one branch per character read.
    """
    tree: dict[str, Any] = {}
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        if len(branches) == 1 and "" not in node:
            return branches[0]
        return "(?:" + "|".join(branches) + ")" + ("?" if "" in node else "")

    return emit(tree)


# Whether a line holds any label at all: the same labels as _LABEL, four times
# faster to rule a line out (most lines hold none); _LABEL then reads the few
# that do, so which label wins where stays _LABEL's (longest first).
_ANY_LABEL = re.compile(_trie(_KIND), re.IGNORECASE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
# What may come just before a label: nothing, a separator, or the end of another
# date ("Aktualizacja: 02.02.2025 23:49 Publikacja: 02.02.2025 21:52").
_SEPARATOR = re.compile(r"(^|[|·•–—/;,(\[]|\d{1,2}[:.]\d{2}(?:\s*Uhr)?|(?:19|20)\d\d)\s*$")
MAX_LINE_WORDS = 30  # a line holding a label and its date is short; prose is not read
# Containers whose dates are another page's (teasers) or nobody's (navigation).
_FURNITURE_TAGS = {"nav", "aside"}
_FOREIGN_CLASS = re.compile(
    r"(?:^|[-_\s])(teaser|related|most-?(?:read|viewed)|popular|promo|sidebar|comments?|"
    r"listing|recirc|more-?stories|card|document-list|breadcrumbs?|cookie)(?:$|[-_\s])",
    re.IGNORECASE,
)
_SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "select", "option", "button"}
# Languages that write numeric dates month first (10/04/2023 is October 4th).
_MONTH_FIRST = ("en-us", "en-ph", "en-ca")


@dataclass(frozen=True)
class LabelledDates:
    """What the labels said: ISO dates (None when no label gave one) and why."""

    published: str | None = None
    modified: str | None = None
    evidence: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"published": self.published, "modified": self.modified, "evidence": self.evidence}


@dataclass
class _Line:
    text: str
    times: list[tuple[int, int, str]]  # (start, end, datetime attribute) of <time> elements


def parse_date(
    text: str, language: str | None = None, day_first: bool | None = None
) -> tuple[str, int] | None:
    """The date at the start of ``text`` (ISO day) and where it ends, or None.

    >>> parse_date("11 Ebrill 2023, 10:00")
    ('2023-04-11', 14)
    >>> parse_date("April 11, 2023")[0], parse_date("2023年4月11日")[0]
    ('2023-04-11', '2023-04-11')
    >>> parse_date("04/11/2023", "en-US")[0], parse_date("04/11/2023", "fr")[0]
    ('2023-04-11', '2023-11-04')
    >>> parse_date("04/11/2023", "en") is None    # British or American? Not said.
    True

    ``day_first`` settles numeric dates; by default it comes from ``language``
    (month first for ``en-US``, day first for other languages with a region or
    for non-English languages, unknown for plain ``en`` or none). A numeric
    date with a part over 12 settles itself.
    """
    text = unicodedata.normalize("NFC", text)
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        groups = match.groupdict()
        year = int(groups["y"])
        if groups.get("m"):
            month = MONTHS.get(groups["m"].lower().rstrip("."))
            day = int(groups["d"])
        elif groups.get("mm"):
            month, day = int(groups["mm"]), int(groups["d"])
        else:
            a, b = int(groups["a"]), int(groups["b"])
            first = _day_first(language) if day_first is None else day_first
            if a > 12 >= b:
                first = True
            elif b > 12 >= a:
                first = False
            if first is None:
                return None
            day, month = (a, b) if first else (b, a)
        if month is None:
            continue
        try:
            return date(year, month, day).isoformat(), match.end()
        except ValueError:
            return None
    return None


def shows_day(text: str, day: str, language: str | None = None) -> bool:
    """Whether ``text`` writes the ISO ``day`` in a form :func:`parse_date` reads.

    >>> shows_day("<p>Posted 1st June 2024</p>", "2024-06-01")
    True
    >>> shows_day("<p>© 2024 The Ministry</p>", "2024-01-01")
    False

    A guessed 1st of a month is checked so (:func:`extraction.metadata.shown_first`).
    """
    if day in text or day.replace("-", "/") in text:
        return True
    year = day[:4]
    for seen, match in enumerate(re.finditer(year, text)):
        if seen >= MAX_YEARS_SCANNED:
            break
        # The date may start some way before its year ("1st of September 2024").
        for start in range(max(0, match.start() - 24), match.start() + 1):
            if start and text[start - 1].isalnum():
                continue
            parsed = parse_date(text[start : match.end() + 12], language)
            if parsed and parsed[0] == day:
                return True
    return False


MAX_YEARS_SCANNED = 300  # a page naming its year more often than this shows it somewhere


# A CJK date and nothing else ("2024年2月28日", a time of day may follow it).
_CJK_DATE_LINE = re.compile(
    r"(?:19|20)\d\d\s*[年년]\s*[01]?\d\s*[月월]\s*[0-3]?\d\s*[日일]"
    r"(?:\s*\d{1,2}\s*[:時시]\s*\d{2}\s*[分분]?)?"
)


def cjk_date_line(text: str) -> str | None:
    """The ISO day of a line that is a Japanese, Chinese or Korean date and nothing else.

    >>> cjk_date_line(" 2024年2月28日 "), cjk_date_line("2024년 2월 28일 10:00")
    ('2024-02-28', '2024-02-28')
    >>> cjk_date_line("2024年2月28日に公表") is None
    True

    Such a line needs no label: it is unambiguous, and htmldate reads it as
    the year alone (January 1st).
    """
    text = " ".join(text.split())
    if not _CJK_DATE_LINE.fullmatch(text):
        return None
    parsed = parse_date(text)
    return parsed[0] if parsed else None


def _day_first(language: str | None) -> bool | None:
    lang = (language or "").lower().replace("_", "-")
    if not lang:
        return None
    if lang.startswith(_MONTH_FIRST):
        return False
    if lang == "en":
        return None
    return True


def read_dates(
    tree: Any,
    *,
    language: str | None = None,
    day_first: bool | None = None,
    today: date | None = None,
) -> LabelledDates:
    """Published and updated dates from the labels of an lxml page (see the module doc).

    ``language`` (default: ``<html lang>``) settles numeric dates and nothing
    else; labels and month names of every language are always read.
    """
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    if language is None:
        language = root.get("lang") or None
    return _read(_lines(root), language, day_first, today)


def read_lines(
    lines: Iterable[str],
    *,
    language: str | None = None,
    day_first: bool | None = None,
    today: date | None = None,
) -> LabelledDates:
    """The same from text lines (one block per line), for text without its HTML.

    >>> found = read_lines(["By Jo Bloggs | Published 3 May 2024 | Updated 4 May 2024"])
    >>> found.published, found.modified
    ('2024-05-03', '2024-05-04')
    >>> read_lines(["The guidance was updated on 3 May 2024."]).modified is None
    True
    """
    return _read([_Line(" ".join(line.split()), []) for line in lines], language, day_first, today)


def _read(
    lines: Sequence[_Line], language: str | None, day_first: bool | None, today: date | None
) -> LabelledDates:
    latest = (today or date.today()) + timedelta(days=1)  # a page dated tomorrow: time zones
    found: dict[str, str] = {}
    evidence: list[str] = []
    for index, line in enumerate(lines):
        if not line.text or len(line.text.split()) > MAX_LINE_WORDS:
            continue
        if _ANY_LABEL.search(line.text) is None:
            continue
        for match in _LABEL.finditer(line.text):
            kind = _KIND[match.group(0).lower()]
            if kind in found or not _label_at(line.text, match):
                continue
            following = lines[index + 1] if index + 1 < len(lines) else None
            value = _date_after(line, match.end(), following, language, day_first)
            if value is None and _CJK.match(match.group(0)):
                value = _date_before(line.text[: match.start()], language, day_first)
            if value is None:
                continue
            if not (date(1990, 1, 1).isoformat() <= value[:10] <= latest.isoformat()):
                evidence.append(f"{kind}: ignored {value} (out of range) in {line.text!r}")
                continue
            found[kind] = value
            evidence.append(f"{kind}: {value} from {line.text!r}")
        if len(found) == 2:
            break
    published, modified = found.get(PUBLISHED), found.get(MODIFIED)
    if published and modified and modified[:10] < published[:10]:
        evidence.append(f"modified: dropped {modified}, before the publication")
        modified = None
    return LabelledDates(published, modified, evidence)


def _label_at(text: str, match: re.Match[str]) -> bool:
    """A label counts at the start of a line or after a separator, as a whole word."""
    end = match.end()
    # "Publiziert17. Dezember" (inline elements run together) is a label; "Stands" is not.
    if not _CJK.match(match.group(0)) and end < len(text) and text[end].isalpha():
        return False
    start = match.start()
    if start and not _CJK.match(match.group(0)) and text[start - 1].isalnum():
        return False
    before = text[:start]
    return bool(_SEPARATOR.search(before)) or (
        # "2024年5月3日 18時19分 更新": a CJK label may follow its date.
        bool(_CJK.match(match.group(0))) and _date_before(before, None, None) is not None
    )


def _date_after(
    line: _Line,
    offset: int,
    following: _Line | None,
    language: str | None,
    day_first: bool | None,
) -> str | None:
    lead = _LEAD.match(line.text, offset)
    start = lead.end() if lead else offset
    for begin, _end, value in line.times:  # a <time datetime> right after the label
        if offset <= begin <= start + 1 and _iso(value):
            return _iso(value)
    for candidate in _candidates(line.text, start):
        parsed = parse_date(line.text[candidate:], language, day_first)
        if parsed:
            return parsed[0]
    if following is not None and not line.text[start:].strip(" :：-–—|"):
        # "<dt>Published</dt><dd>11 April 2023</dd>": the date opens the next line.
        for begin, _end, value in following.times:
            if begin <= 2 and _iso(value):
                return _iso(value)
        parsed = parse_date(following.text.lstrip(), language, day_first)
        if parsed:
            return parsed[0]
    return None


def _candidates(text: str, start: int) -> list[int]:
    """Where the date may start: after a time of day and/or a weekday, or at once."""
    out = [start]
    for first, second in ((_TIME_OF_DAY, _WEEKDAY), (_WEEKDAY, _TIME_OF_DAY)):
        position = start
        for pattern in (first, second):
            match = pattern.match(text, position)
            if match:
                position = match.end()
                out.append(position)
    return sorted(set(out))


_ISO = re.compile(r"(19|20)\d\d-[01]\d-[0-3]\d(?:[T ][0-2]\d:[0-5]\d(?::[0-5]\d(?:\.\d+)?)?)?")


def _iso(value: str) -> str | None:
    """An ISO ``<time datetime>`` value, as the page gives it (a day, or a day and time)."""
    value = value.strip()
    match = _ISO.match(value)
    if match is None:
        return None
    try:
        date.fromisoformat(value[:10])
    except ValueError:
        return None
    if len(value) > 10:
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
            return value
        except ValueError:
            return value[:10]
    return value


_TAIL_TIME = re.compile(r"(?:\s*\d{1,2}\s*(?:[:時시]\s*\d{2}\s*[分분]?)?)?\s*[：:]?\s*$")


def _date_before(text: str, language: str | None, day_first: bool | None) -> str | None:
    """A date ending ``text`` (a time of day may follow it), for labels written after it."""
    stripped = _TAIL_TIME.sub("", text.rstrip())
    for start in range(max(0, len(stripped) - 14), len(stripped) - 7):
        parsed = parse_date(stripped[start:], language, day_first)
        if parsed and start + parsed[1] >= len(stripped.rstrip(" 日일.")):
            return parsed[0]
    return None


def _lines(root: Any) -> list[_Line]:
    """The page's visible text as lines broken at block elements, furniture left out."""
    lines: list[_Line] = []
    parts: list[str] = []
    times: list[tuple[int, int, str]] = []
    size = 0
    skip = 0  # depth inside skipped or foreign containers

    def flush() -> None:
        nonlocal parts, times, size
        if not parts and not times:
            return  # three flushes in four: a block right after another (size is 0)
        text = "".join(parts)
        stripped = text.lstrip()
        shift = len(text) - len(stripped)
        if stripped.strip():
            collapsed, mapping = _collapse(stripped)
            lines.append(
                _Line(collapsed, [(mapping(b - shift), mapping(e - shift), v) for b, e, v in times])
            )
        parts, times, size = [], [], 0

    def add(text: str | None) -> None:
        nonlocal size
        if text and not skip:
            parts.append(text)
            size += len(text)

    open_times: list[tuple[int, str]] = []
    walk = etree.iterwalk(root, events=("start", "end"))
    for event, el in walk:
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if not tag:
                continue
            if skip or _is_foreign(el, tag):
                if not skip and tag in BLOCK_TAGS:
                    flush()
                skip += 1
                # Nothing inside is read: not walked (a page's menus, scripts and
                # teasers are a third of its elements), its own end still comes.
                walk.skip_subtree()
                continue
            if tag in BLOCK_TAGS:
                flush()
            if tag == "time":
                open_times.append((size, el.get("datetime") or ""))
            add(el.text)
        else:
            if not tag:
                add(el.tail)  # a comment's tail is text
                continue
            if skip:
                skip -= 1
                if skip:
                    continue
            elif tag == "time" and open_times:
                begin, value = open_times.pop()
                times.append((begin, size, value))
            if tag in BLOCK_TAGS:
                flush()
            if el is not root:
                add(el.tail)
    flush()
    return lines


def _is_foreign(el: Any, tag: str) -> bool:
    if tag in _SKIP_TAGS or tag in _FURNITURE_TAGS:
        return True
    if tag == "footer" and not any(a.tag in ("article", "main") for a in el.iterancestors()):
        return True
    classes, ids = el.get("class"), el.get("id")
    return bool(classes or ids) and _foreign_class(f"{classes or ''} {ids or ''}")


@lru_cache(maxsize=4096)
def _foreign_class(classes: str) -> bool:
    """Whether class and id name a teaser, a sidebar, comments... (cached: sites repeat them)."""
    return bool(classes.strip()) and bool(_FOREIGN_CLASS.search(classes))


def _collapse(text: str) -> tuple[str, Any]:
    """``text`` with whitespace runs collapsed, and a map from old offsets to new.

    >>> collapsed, mapping = _collapse("Published \\n 3  May")
    >>> collapsed, mapping(13), mapping(99)
    ('Published 3 May', 11, 15)

    ``text`` starts with a non-space (lines are left-stripped). The map is
    worked out only for the offsets asked (the ``<time>`` elements of a line,
    seldom any): the text itself is ``str.split``'s work, in C. A prefix of
    ``text`` collapses to its words joined by single spaces, and one more space
    when it ends inside a whitespace run.
    """
    collapsed = " ".join(text.split())

    def mapping(offset: int) -> int:
        if offset <= 0:
            return 0
        if offset >= len(text):
            return len(collapsed)
        head = text[:offset]
        where = len(" ".join(head.split())) + (1 if head[-1].isspace() else 0)
        return min(where, len(collapsed))

    return collapsed, mapping
