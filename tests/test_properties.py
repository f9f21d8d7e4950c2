"""Property-based tests (issue 7): URL normalisation, source parsing, the search layer,
and a fuzz test of the extraction entry point.

Hypothesis writes no example database here (``database=None``): the suite
stays the same from one checkout to the next, and a failure prints the
example that broke it.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import sqlite3
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from crawler import sources
from extraction.extract import PageResult, analyse
from extraction.rules import Rules
from extraction.urls import SESSION_KEYS, TRACKING_KEYS, is_http, normalize, template
from storage import Archive, BadInput, BadQuery
from storage.filters import parse_date
from storage.fts import quote_barewords

PROPERTIES = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

# --- URL normalisation ----------------------------------------------------------------

LABEL = st.from_regex(r"[a-zA-Z0-9]([a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?", fullmatch=True)
HOST = st.lists(LABEL, min_size=1, max_size=3).map(".".join) | st.just("127.0.0.1")
SEGMENT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="/?#\x00"), max_size=12
) | st.sampled_from(["", ".", "..", "%41", "%2F", "a b", "é", ";jsessionid=ABC123", "news"])
KEY = st.sampled_from(["page", "q", "id", "utm_source", "fbclid", "sid", "PHPSESSID", "Gclid"])
VALUE = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="#&\x00"), max_size=8)


@st.composite
def http_urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "hTTps"]))
    host = draw(HOST)
    host = host.upper() if draw(st.booleans()) else host
    port = draw(st.sampled_from(["", ":80", ":443", ":8080"]))
    path = "/".join(draw(st.lists(SEGMENT, max_size=5)))
    query = "&".join(f"{k}={v}" for k, v in draw(st.lists(st.tuples(KEY, VALUE), max_size=4)))
    fragment = draw(st.sampled_from(["", "#top", "#"]))
    slash = draw(st.sampled_from(["", "/"]))
    return f"{scheme}://{host}{port}/{path}{slash}{'?' + query if query else ''}{fragment}"


@PROPERTIES
@given(st.text(max_size=80), st.one_of(st.none(), http_urls()))
def test_normalize_raises_nothing_but_value_error(text, base):
    try:
        result = normalize(text, base)
    except ValueError:
        return  # "http://[::1", a port over 65535: callers skip such links
    assert isinstance(result, str)


@PROPERTIES
@given(http_urls())
def test_normalized_urls_are_canonical(url):
    try:
        once = normalize(url)
    except ValueError:
        return
    assert normalize(once) == once  # idempotent: the archive's key never drifts
    parts = urlsplit(once)
    assert is_http(once) and parts.scheme in ("http", "https")
    assert parts.fragment == "" and "#" not in once
    assert parts.hostname == (parts.hostname or "").lower()
    assert parts.port not in (80, 443) or (parts.scheme, parts.port) not in (
        ("http", 80),
        ("https", 443),
    )
    assert "//" not in parts.path
    assert parts.path == "/" or not parts.path.endswith("/")
    assert ";jsessionid=" not in parts.path.lower()
    for key, _ in parse_qsl(parts.query, keep_blank_values=True):
        assert not TRACKING_KEYS.match(key) and not SESSION_KEYS.match(key)
    assert template(once) == template(normalize(once))


@PROPERTIES
@given(http_urls(), st.sampled_from(["utm_source=rss", "fbclid=x1", "sid=abc", "gclid=9"]))
def test_tracking_session_fragment_and_slash_variants_collapse(url, noise):
    try:
        plain = normalize(url)
    except ValueError:
        return
    base, _, fragment = plain.partition("#")
    noisy = base + ("&" if "?" in base else "?") + noise + "#frag"
    assert normalize(noisy) == plain
    if urlsplit(plain).path != "/" and "?" not in plain:
        assert normalize(plain + "/") == plain


@PROPERTIES
@given(
    st.sampled_from(["file", "FILE", "ftp", "javascript", "JavaScript", "data", "mailto", "tel"]),
    st.text(max_size=30),
)
def test_non_http_schemes_are_never_http(scheme, rest):
    url = f"{scheme}:{rest}"
    assert not is_http(url)
    with contextlib.suppress(ValueError):
        assert not is_http(normalize(url, "https://example.org/news/"))


@PROPERTIES
@given(st.text(max_size=40), http_urls())
def test_relative_links_stay_on_the_base_host(path, base):
    assume(not path.strip().startswith("//") and ":" not in path)
    assume("\\" not in path)  # browsers read \\ as /; urljoin does not
    try:
        joined = normalize(path, base)
        host = urlsplit(normalize(base)).hostname
    except ValueError:
        return
    assert urlsplit(joined).hostname == host


# --- source files -----------------------------------------------------------------------

TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20)
SCALARS = st.one_of(
    TEXT, st.integers(-5, 5), st.floats(-3, 3, allow_nan=False), st.booleans(), st.lists(TEXT)
)
TABLES = {
    "discover": ["sitemaps", "feeds", "listings", "start_urls", "next_page", "follow_links"],
    "articles": ["allow", "deny"],
    "extract": ["prune", "drop_phrases", "min_words"],
    "crawl": ["delay", "concurrency"],
    "other": ["x"],
}


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(value)  # a JSON string is a TOML basic string


@st.composite
def source_documents(draw: st.DrawFn) -> str:
    """Source files that are valid TOML and often, but not always, valid sources."""
    name = draw(st.sampled_from(['"example"', '"Bad Name"', '"x_1"', "3", '""']))
    domains = draw(
        st.sampled_from(['["example.org"]', '["Example.ORG", "www.example.org"]', "[]", '"x"'])
    )
    url = draw(
        st.sampled_from(
            [
                "https://example.org/sitemap.xml",
                "https://www.example.org/rss",
                "ftp://example.org/x",
                "https://elsewhere.net/x",
                "http://[::1",
                "not a url",
            ]
        )
    )
    lines = [f"name = {name}", f"allowed_domains = {domains}"]
    for table in draw(st.lists(st.sampled_from(list(TABLES)), unique=True, max_size=4)):
        lines.append(f"[{table}]")
        for key in draw(st.lists(st.sampled_from(TABLES[table]), unique=True, max_size=3)):
            if key in ("sitemaps", "feeds", "listings", "start_urls"):
                value = f'["{url}"]'
            elif key in ("allow", "deny"):
                patterns = st.sampled_from([r"/news/\d+", "(", "[a-", ".*"])
                value = toml_value(draw(st.lists(patterns)))
            else:
                value = toml_value(draw(SCALARS))
            lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"


def check_parse(text: str) -> sources.Source | None:
    try:
        return sources.parse(text, origin="site.toml")
    except sources.SourceError as exc:
        message = str(exc)
        assert "\n" not in message and message.strip(), repr(message)
        assert message.startswith("site.toml: "), message
        return None


@PROPERTIES
@given(source_documents())
def test_source_parsing_gives_a_source_or_one_line_naming_the_file(text):
    source = check_parse(text)
    if source is not None:
        assert source.name and source.allowed_domains
        assert source.entry_points  # at least one place to start
        for url in source.entry_points:
            assert sources.domain_allowed(urlsplit(url).hostname or "", source.allowed_domains)


@PROPERTIES
@given(st.text(max_size=200))
def test_source_parsing_of_any_text(text):
    check_parse(text)


# --- search query layer ---------------------------------------------------------------


@pytest.fixture(scope="module")
def search_archive(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("search") / "a.db"
    with Archive(path) as archive:
        archive.save_articles(
            [
                {
                    "url": f"https://x.org/{i}",
                    "source": "s",
                    "title": title,
                    "text": f'{title}\n\nC++ and human-rights, état, 100% "quoted" text {i}.',
                    "date_published": "2025-01-02",
                }
                for i, title in enumerate(["Detention in Chad", "Forced labor", "NOT a title"])
            ],
            None,
        )
    archive = Archive(path, readonly=True)
    yield archive
    archive.close()


QUERY = st.text(
    alphabet=st.sampled_from(list("abc xyz\"*():-+^NOTANDORnear_.,é'\\\t")), max_size=25
) | st.text(max_size=25)


@PROPERTIES
@given(QUERY, st.booleans())
def test_search_returns_hits_or_a_one_line_bad_query(search_archive, query, title_only):
    for call in (
        lambda: search_archive.search(query, title_only=title_only, limit=5),
        lambda: list(search_archive.articles(query=query, title_only=title_only)),
        lambda: search_archive.count(query=query, title_only=title_only),
    ):
        try:
            call()
        except BadQuery as exc:
            message = str(exc)
            assert "\n" not in message
            assert message.startswith(("invalid search query", "empty search query")), message
        except sqlite3.Error as exc:  # pragma: no cover - the property
            pytest.fail(f"raw SQLite error for {query!r}: {exc}")


@PROPERTIES
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters='"\x00'), max_size=25))
def test_quoted_barewords_always_parse(search_archive, query):
    # (A NUL ends the query text for SQLite: "a\x00b" is refused with BadQuery, above.)
    quoted = quote_barewords(query)
    assume(quoted.strip() and quoted.count("(") == quoted.count(")"))
    assume(not any(w in quoted.split() for w in ("AND", "OR", "NOT")))
    assume("(" not in quoted)
    search_archive.search(quoted, limit=1)  # must not raise


@PROPERTIES
@given(st.text(max_size=12) | st.dates().map(str))
def test_dates_parse_or_fail_in_one_line(value):
    try:
        parsed = parse_date(value, "since")
    except BadInput as exc:
        assert str(exc).startswith("invalid since date") and "\n" not in str(exc)
    else:
        assert parsed.isoformat() == value.strip()


# --- fuzzing the extraction entry point ------------------------------------------------

FUZZ_TIMEOUT = 20  # seconds per page: trafilatura takes ~50 ms on a 60 KB page


@pytest.fixture(scope="module")
def extraction_worker():
    """One spawned worker: a hang or a crash shows up as a timeout or a broken pool."""
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    yield pool
    workers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in workers:  # in case one hung
        process.kill()


@pytest.fixture(scope="module")
def release_html() -> str:
    from fixtures.demo.site import build_site

    site = build_site(2, translations_every=0)
    response = site.render(site.releases[0].path, "http://127.0.0.1:8000")
    assert response is not None
    return response.body.decode("utf-8")


TAGS = ["p", "div", "article", "main", "span", "a", "table", "tr", "td", "ul", "li", "h1", "br"]
TAGS += ["script", "style", "nav", "footer", "time", "meta", "link", "svg", "math", "template"]


@st.composite
def html_fragments(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["text", "tag", "junk"] if depth < 6 else ["text", "junk"]))
        if kind == "text":
            parts.append(draw(st.text(max_size=40)))
        elif kind == "junk":
            parts.append(
                draw(
                    st.sampled_from(
                        ["<", ">", "</", "<!--", "-->", "<![CDATA[", "&amp", "&#0;", "&#xD800;"]
                        + ['<p class="', "<?xml ", '<meta charset="x-bogus">', "\x00", "\ufffd"]
                        + ['<link rel="canonical" href="javascript:x">', '<base href="file:///">']
                    )
                )
            )
        else:
            tag = draw(st.sampled_from(TAGS))
            attrs = draw(st.sampled_from(["", ' class="content"', ' href="//x"', " id=a b=c"]))
            closed = draw(st.booleans())
            inner = draw(html_fragments(depth + 1))
            parts.append(f"<{tag}{attrs}>{inner}" + (f"</{tag}>" if closed else ""))
    return "".join(parts)


@st.composite
def mutated(draw: st.DrawFn, html: str) -> str:
    data = bytearray(html.encode("utf-8"))
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, max(0, len(data) - 1)))
        op = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "duplicate"]))
        if op == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 500))]
        elif op == "insert":
            data[at:at] = draw(html_fragments()).encode("utf-8", "surrogatepass")
        elif op == "truncate":
            del data[at:]
        elif data:
            data[at:at] = data[at : at + draw(st.integers(1, 2000))]
    return data.decode("utf-8", "replace")


def run_analyse(pool: ProcessPoolExecutor, html: str, release: bool | None) -> PageResult:
    future = pool.submit(
        analyse, html, "https://example.org/news/2025/01/02/x", Rules(), release=release
    )
    try:
        result = future.result(timeout=FUZZ_TIMEOUT)
    except FutureTimeout:  # pragma: no cover - the property
        Path("fuzz-hang.html").write_text(html, "utf-8", "replace")
        pytest.fail(f"analyse() hung for {FUZZ_TIMEOUT} s (page saved to fuzz-hang.html)")
    assert isinstance(result, PageResult)
    assert result.kind in ("article", "page", "failed")
    if result.kind == "failed":
        assert result.reason and "\n" not in result.reason
    if result.kind == "article":
        assert result.article and result.article["title"] and result.article["text"]
    return result


@settings(max_examples=60, deadline=None, database=None)
@given(html_fragments(), st.sampled_from([True, None, False]))
def test_analyse_never_raises_or_hangs_on_random_html(extraction_worker, fragment, release):
    html = f"<html><head><title>t</title></head><body>{fragment}</body></html>"
    run_analyse(extraction_worker, html, release)
    run_analyse(extraction_worker, fragment, release)  # no document around it at all


@settings(max_examples=60, deadline=None, database=None)
@given(st.data(), st.sampled_from([True, None]))
def test_analyse_never_raises_or_hangs_on_mutated_pages(
    extraction_worker, release_html, data, release
):
    run_analyse(extraction_worker, data.draw(mutated(release_html)), release)


# --- search spellings --------------------------------------------------------------------

SPELLED = ["Αθήνα", "ΑΘΗΝΑ", "υπουργείο", "ΥΠΟΥΡΓΕΙΟ", "ещё", "еще", "посёлок", "поселок",
           "Đà", "da", "Łódź", "lodz", "Straße", "strasse", "Øresund", "rights"]  # fmt: skip
# Arabic and Hebrew words, bare and with attached prefixes (storage/clitics.py).
PREFIXED = ["قدس", "القدس", "والقدس", "للقدس", "تطعيم", "بالتطعيم", "מורים", "המורים", "ולמורים",
            "בית", "בבית", "ים", "הים"]  # fmt: skip
SYNTAX = ["NOT", "AND", "OR", "(", ")", '"', '""', "title:", "text:", "-text:", "αθην*", "ещ*"]
# Searched as typed by the rewrite (FTS5 takes no OR inside them).
AS_TYPED = ["^", "+", "NEAR(", ",", '^""', '""+""']


@pytest.fixture(scope="module")
def folded_twin() -> tuple[sqlite3.Connection, sqlite3.Connection]:
    """An index of texts in many spellings, and the same texts folded (storage/spellings.py)."""
    import random

    from storage.migrations import FTS_TOKENIZER
    from storage.spellings import fold

    tokenize = FTS_TOKENIZER.replace("'", "''")
    pair = (sqlite3.connect(":memory:"), sqlite3.connect(":memory:"))
    for conn in pair:
        conn.execute(
            f"CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, tokenize='{tokenize}')"
        )
    rng = random.Random(7)
    for n in range(200):
        # Every fourth text also holds prefixed words: queries of SPELLED never match them.
        words = SPELLED + PREFIXED if n % 4 == 0 else SPELLED
        title, text = " ".join(rng.choices(words, k=3)), " ".join(rng.choices(words, k=10))
        pair[0].execute("INSERT INTO articles_fts VALUES (?, ?)", (title, text))
        pair[1].execute("INSERT INTO articles_fts VALUES (?, ?)", (fold(title), fold(text)))
    return pair


@given(st.lists(st.sampled_from(SPELLED + SYNTAX), min_size=1, max_size=6))
@PROPERTIES
def test_the_rewritten_query_finds_what_a_folded_index_would(folded_twin, parts):
    """Each word in all its spellings: exactly the rows where the folded query matches the
    folded texts, operators and column filters keeping their meaning."""
    from storage.spellings import expand, fold

    index, folded = folded_twin
    query = " ".join(parts)
    folded_query = " ".join(p if p in SYNTAX and "*" not in p else fold(p) for p in parts)
    match = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?"
    try:
        index.execute(match, (query,)).fetchall()
        wanted = {row[0] for row in folded.execute(match, (folded_query,))}
    except sqlite3.OperationalError:
        assume(False)  # not a query FTS5 takes: its error is the user's answer
    rewritten = expand(index, query)
    assert {row[0] for row in index.execute(match, (rewritten,))} == wanted, rewritten


@given(st.lists(st.sampled_from(SPELLED + PREFIXED + SYNTAX + AS_TYPED), min_size=1, max_size=6))
@PROPERTIES
def test_the_rewritten_query_finds_at_least_what_the_query_as_typed_finds(folded_twin, parts):
    """Without NOT, more spellings (and prefixed forms) can only find more: never fewer rows
    (an empty ^"" beside a rewritten word, joined to it by AND, once matched nothing)."""
    from storage.spellings import expand

    index = folded_twin[0]
    query = " ".join(parts)
    assume("NOT" not in parts and "-text:" not in parts)
    match = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?"
    try:
        typed = {row[0] for row in index.execute(match, (query,))}
    except sqlite3.OperationalError:
        assume(False)  # not a query FTS5 takes: its error is the user's answer
    rewritten = expand(index, query)
    assert typed <= {row[0] for row in index.execute(match, (rewritten,))}, rewritten
