"""Page chrome for the demo site: the boilerplate a clean extraction must drop.

Everything a real CMS wraps around an article lives here: the skip link, a big
main menu with dropdowns of dozens of country links, a language switcher, the
donation banner, share buttons, tag blocks, "Most Viewed" and "Related
Content", a newsletter form, a cookie notice, the footer, and the inline CSS,
SVG icons and analytics scripts that make real pages weigh 30-80 KB.

The static parts are built once, at import, from fixed seeds, so every page is
byte-for-byte reproducible.
"""

from __future__ import annotations

import hashlib
import html
import json
import random

from crawler.demo.text import COUNTRIES, ORG_NAME, REGIONS, TOPICS

# --------------------------------------------------------------------------------------
# Visible boilerplate strings (all of them are returned by Site.boilerplate_strings()).
# --------------------------------------------------------------------------------------

SKIP_LINK = "Skip to main content"
MENU_LABELS = (
    "Countries",
    "Topics",
    "Reports",
    "Events",
    "Get Involved",
    "About Us",
    "Donate",
)
LANGUAGES = (
    ("en", "English"),
    ("fr", "Français"),
    ("es", "Español"),
    ("de", "Deutsch"),
    ("ja", "日本語"),
    ("ru", "Русский"),
)
SEARCH_LABEL = "Search"
MENU_TOGGLE = "Menu"
DONATE_TEXT = (
    "Your tax deductible gift can help stop human rights violations and save lives around "
    "the world."
)
DONATE_BUTTON = "Donate Now"
TAGS_REGION = "Region / Country"
TAGS_TOPIC = "Topic"
MOST_VIEWED = "Most Viewed"
RELATED = "Related Content"
SHARE_LABELS = (
    "Share this via Facebook",
    "Share this via Twitter",
    "Share this via Email",
    "Print",
)
NEWSLETTER_TITLE = "Sign up for the Daily Brief"
NEWSLETTER_TEXT = (
    "Get the latest reporting from our researchers around the world, delivered to your "
    "inbox every weekday."
)
NEWSLETTER_LABEL = "Email address"
NEWSLETTER_BUTTON = "Subscribe"
COOKIE_SENTENCES = (
    "We use cookies to give you the best experience on our site.",
    "By continuing, you agree to our cookie policy.",
)
COOKIE_TEXT = " ".join(COOKIE_SENTENCES)
COOKIE_BUTTON = "Accept"
COOKIE_MORE = "Learn more"
COOKIE_SETTINGS = "Cookie settings"
ALSO_AVAILABLE = "Also available in"
COPYRIGHT = f"© 2026 {ORG_NAME}"
PRIVACY_LINK = "Privacy Policy"
CONTACT_LINK = "Contact Us"
FOLLOW_US = "Follow us"
ADDRESS = f"{ORG_NAME}, 100 Example Avenue, 12th Floor, New York, NY 10000, USA"
CHARITY = f"{ORG_NAME} is a registered charity"
CHARITY_LINE = f"{CHARITY} (No. 000-0000 in an imaginary register)."

BOILERPLATE_STRINGS: tuple[str, ...] = (
    SKIP_LINK,
    *MENU_LABELS,
    *(name for _, name in LANGUAGES),
    SEARCH_LABEL,
    MENU_TOGGLE,
    DONATE_TEXT,
    DONATE_BUTTON,
    TAGS_REGION,
    TAGS_TOPIC,
    MOST_VIEWED,
    RELATED,
    *SHARE_LABELS,
    NEWSLETTER_TITLE,
    NEWSLETTER_TEXT,
    NEWSLETTER_LABEL,
    NEWSLETTER_BUTTON,
    COOKIE_TEXT,
    *COOKIE_SENTENCES,
    COOKIE_BUTTON,
    COOKIE_MORE,
    COOKIE_SETTINGS,
    ALSO_AVAILABLE,
    COPYRIGHT,
    PRIVACY_LINK,
    CONTACT_LINK,
    FOLLOW_US,
    ADDRESS,
    CHARITY,
)

CALENDAR_DEFAULT_MONTH = "2026-01"
CALENDAR_PATH = f"/events/calendar?month={CALENDAR_DEFAULT_MONTH}"
PDF_PATH = "/sites/default/files/reports/annual-report.pdf"


def t(text: str) -> str:
    """Escape text content (quotes stay as they are, so truth text is findable)."""
    return html.escape(text, quote=False)


def a(text: str) -> str:
    """Escape an attribute value."""
    return html.escape(text, quote=True)


def json_script(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


# --------------------------------------------------------------------------------------
# Static assets, generated once from fixed seeds
# --------------------------------------------------------------------------------------


def _make_css() -> str:
    rng = random.Random("rwd-css-v1")
    blocks = (
        "site-header", "site-logo", "language-switcher", "main-menu", "menu", "menu__item",
        "menu__link", "menu--dropdown", "site-search", "button", "button--donate", "article",
        "article-header", "lead", "byline", "article-body", "donation-banner", "social-share",
        "tag-list", "sidebar", "most-viewed", "related-content", "teaser", "newsletter-signup",
        "site-footer", "cookie-notice", "pager", "visually-hidden", "calendar", "listing",
        "node", "field", "submitted", "block", "region", "breadcrumb", "hero", "facets",
        "page-header", "view-content", "translations", "highlights",
    )  # fmt: skip
    parts = ("", "__inner", "__title", "__meta", "__list", "__item", "__link", "--active")
    states = ("", ":hover", ":focus-visible", "::before", " a", " li")
    props = (
        "margin:0 auto", "margin:0 0 1.25rem", "padding:.5rem 1rem", "padding:0",
        "display:flex", "display:block", "display:none", "display:grid", "gap:1rem",
        "grid-template-columns:repeat(12,minmax(0,1fr))", "color:#141414", "color:#fff",
        "color:#0b5ea8", "background:#fff", "background:#f4f1ec", "background:#e8e2d6",
        "border:0", "border-bottom:1px solid #d6d0c4", "border-radius:2px",
        "font-family:'Demo Serif',Georgia,serif", "font-family:'Demo Sans',Arial,sans-serif",
        "font-size:.875rem", "font-size:1.125rem", "font-size:2.25rem", "font-weight:700",
        "line-height:1.5", "line-height:1.2", "letter-spacing:.02em", "text-transform:uppercase",
        "text-decoration:none", "text-decoration:underline", "position:relative",
        "position:absolute", "position:sticky", "top:0", "left:-9999px", "z-index:50",
        "max-width:75rem", "width:100%", "min-height:3rem", "overflow:hidden",
        "transition:color .2s ease-in-out", "box-shadow:0 2px 6px rgba(0,0,0,.15)",
        "align-items:center", "justify-content:space-between", "list-style:none",
        "white-space:nowrap", "cursor:pointer", "opacity:.85", "fill:currentColor",
    )  # fmt: skip
    rules = [
        "@font-face{font-family:'Demo Serif';src:local('Georgia');font-display:swap}",
        "@font-face{font-family:'Demo Sans';src:local('Arial');font-display:swap}",
        ":root{--rwd-blue:#0b5ea8;--rwd-ink:#141414;--rwd-paper:#f4f1ec;--rwd-gap:1rem}",
        "*,*::before,*::after{box-sizing:border-box}",
        "html{-webkit-text-size-adjust:100%}body{margin:0;color:var(--rwd-ink)}",
    ]
    for _ in range(120):
        selector = f".{rng.choice(blocks)}{rng.choice(parts)}{rng.choice(states)}"
        body = ";".join(rng.sample(props, rng.randint(2, 5)))
        rules.append(f"{selector}{{{body}}}")
    for width in (480, 768, 1024, 1280):
        inner = []
        for _ in range(12):
            selector = f".{rng.choice(blocks)}{rng.choice(parts)}"
            inner.append(f"{selector}{{{';'.join(rng.sample(props, rng.randint(1, 3)))}}}")
        rules.append(f"@media (min-width:{width}px){{{''.join(inner)}}}")
    return "\n".join(rules)


def _svg_path(rng: random.Random, n: int) -> str:
    out = [f"M{rng.uniform(1, 23):.2f} {rng.uniform(1, 23):.2f}"]
    for _ in range(n):
        cmd = rng.choice("clsCLS")
        count = {"c": 6, "C": 6, "s": 4, "S": 4, "l": 2, "L": 2}[cmd]
        nums = " ".join(f"{rng.uniform(-12, 24):.2f}" for _ in range(count))
        out.append(f"{cmd}{nums}")
    return "".join(out) + "z"


def _make_sprite() -> str:
    rng = random.Random("rwd-svg-v1")
    icons = (
        "facebook", "twitter", "email", "print", "search", "menu", "close", "chevron-down",
        "chevron-right", "rss", "youtube", "instagram", "linkedin", "whatsapp", "globe",
        "calendar",
    )  # fmt: skip
    symbols = "".join(
        f'<symbol id="icon-{name}" viewBox="0 0 24 24"><path d="{_svg_path(rng, 9)}"/></symbol>'
        for name in icons
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" aria-hidden="true" focusable="false" '
        f'style="position:absolute;width:0;height:0;overflow:hidden">{symbols}</svg>'
    )


def _make_logo() -> str:
    rng = random.Random("rwd-logo-v1")
    return (
        '<svg class="site-logo__svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 48" '
        'role="img" aria-label="Rights Watch Demo logo">'
        f'<path fill="#0b5ea8" d="{_svg_path(rng, 14)}"/>'
        f'<path fill="#141414" d="{_svg_path(rng, 14)}"/></svg>'
    )


def _make_analytics() -> tuple[str, str]:
    """A <head> tag-manager stub and a long pseudo-minified analytics bundle."""
    rng = random.Random("rwd-js-v1")
    head = (
        "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}"
        "gtag('js',new Date());gtag('config','G-DEMO00000',{anonymize_ip:true,"
        "send_page_view:false});(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':"
        "new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],j=d."
        "createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.dataset.src="
        "'/demo-gtm.js?id='+i+dl;})(window,document,'script','dataLayer','GTM-DEMO0');"
    )
    names = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(1, 3)))
        for _ in range(80)
    ]
    funcs = []
    for i in range(48):
        x, y, z = rng.sample(names, 3)
        funcs.append(
            f"function {names[i]}({x},{y}){{var {z}={x}&&{x}.{rng.choice(names)}||{{}};"
            f"if(!{y}){{return {z}}}for(var k in {y}){{if(Object.prototype.hasOwnProperty"
            f".call({y},k)){{{z}[k]={y}[k]}}}}return {rng.randint(0, 9)}>{rng.randint(0, 9)}"
            f"?{z}:{x}}}"
        )
    config = {
        "site": "rights-watch-demo",
        "env": "production",
        "consent": {"analytics": False, "marketing": False, "version": 7},
        "experiments": {
            f"exp_{rng.randint(1000, 9999)}": rng.choice(["control", "variant-a", "variant-b"])
            for _ in range(24)
        },
        "flags": {
            "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(10)): rng.random() < 0.5
            for _ in range(40)
        },
        "endpoints": [
            f"/collect/v{rng.randint(1, 4)}/{rng.getrandbits(48):012x}" for _ in range(12)
        ],
    }
    bundle = (
        "/*! rwd-analytics v3.14.2 | (c) Rights Watch Demo | demo build, sends nothing */\n"
        f"!function(window,document){{'use strict';var cfg={json_script(config)};"
        + "".join(funcs)
        + "window.rwdAnalytics={cfg:cfg,ready:!0};}(window,document);"
    )
    return head, bundle


CSS = _make_css()
SPRITE = _make_sprite()
LOGO = _make_logo()
HEAD_SCRIPT, ANALYTICS_BUNDLE = _make_analytics()


def _term_id(slug: str) -> int:
    return int(hashlib.sha1(slug.encode()).hexdigest()[:6], 16) % 90000 + 1000


def _icon(name: str) -> str:
    return (
        f'<svg class="icon icon--{name}" aria-hidden="true" focusable="false">'
        f'<use href="#icon-{name}"></use></svg>'
    )


def _make_menu() -> str:
    li = '<li class="menu__item{cls}"><a class="menu__link" href="{href}"{extra}>{label}</a>'
    out = ['<nav class="main-menu" role="navigation" aria-label="Main"><ul class="menu">']
    out.append(li.format(cls="", href="/news", extra="", label="News") + "</li>")
    out.append(
        '<li class="menu__item menu__item--expanded"><button class="menu__toggle" '
        f'aria-expanded="false">{MENU_LABELS[0]}{_icon("chevron-down")}</button>'
        '<ul class="menu menu--dropdown menu--countries">'
    )
    for region in REGIONS.values():
        out.append(
            li.format(
                cls=" menu__item--region",
                href=f"/{region.slug}",
                extra=f' data-drupal-link-system-path="taxonomy/term/{_term_id(region.slug)}"',
                label=t(region.name),
            )
            + '<ul class="menu menu--level-3">'
        )
        for country in COUNTRIES:
            if country.region == region.slug:
                out.append(
                    li.format(
                        cls="",
                        href=f"/{region.slug}/{country.slug}",
                        extra=' data-drupal-link-system-path="taxonomy/term/'
                        f'{_term_id(country.slug)}"',
                        label=t(country.name),
                    )
                    + "</li>"
                )
        out.append("</ul></li>")
    out.append("</ul></li>")
    out.append(
        '<li class="menu__item menu__item--expanded"><button class="menu__toggle" '
        f'aria-expanded="false">{MENU_LABELS[1]}{_icon("chevron-down")}</button>'
        '<ul class="menu menu--dropdown menu--topics">'
    )
    for topic in TOPICS:
        out.append(
            li.format(
                cls="",
                href=f"/topic/{topic.slug}",
                extra=f' data-drupal-link-system-path="taxonomy/term/{_term_id(topic.slug)}"',
                label=t(topic.name),
            )
            + "</li>"
        )
    out.append("</ul></li>")
    for label, href in (
        (MENU_LABELS[2], "/reports"),
        (MENU_LABELS[3], CALENDAR_PATH),
        (MENU_LABELS[4], "/get-involved"),
        (MENU_LABELS[5], "/about"),
    ):
        out.append(li.format(cls="", href=a(href), extra="", label=t(label)) + "</li>")
    out.append(
        li.format(cls=" menu__item--donate", href="/donate", extra="", label=MENU_LABELS[6])
        + "</li></ul></nav>"
    )
    return "".join(out)


MAIN_MENU = _make_menu()


def language_switcher(current: str, targets: dict[str, str], modern: bool = True) -> str:
    """Links to each language edition; ``targets`` maps a language to a translation's path."""
    items = []
    for code, name in LANGUAGES:
        href = targets.get(code) or ("/" if code == "en" else f"/{code}")
        active = ' class="is-active" aria-current="page"' if code == current else ""
        items.append(
            f'<li><a href="{a(href)}" hreflang="{code}" lang="{code}"{active}>{name}</a></li>'
        )
    if modern:
        return (
            '<nav class="language-switcher" aria-label="Language">'
            '<ul class="language-switcher__list">' + "".join(items) + "</ul></nav>"
        )
    return (
        '<div id="block-language" class="block"><ul class="links">' + "".join(items) + "</ul></div>"
    )


def header_modern(lang_html: str) -> str:
    return (
        f'<a href="#main-content" class="visually-hidden focusable skip-link">{SKIP_LINK}</a>'
        f"{SPRITE}"
        '<header class="site-header" role="banner"><div class="site-header__inner">'
        f'<a href="/" class="site-logo" rel="home" aria-label="{ORG_NAME} home">{LOGO}</a>'
        f'<button class="site-header__menu-toggle" aria-controls="main-menu">{_icon("menu")}'
        f"{MENU_TOGGLE}</button>"
        f"{lang_html}"
        '<form class="site-search" action="/search" method="get" role="search">'
        f'<label class="visually-hidden" for="site-search-q">{SEARCH_LABEL}</label>'
        '<input type="search" id="site-search-q" name="q" placeholder="Search the site">'
        f'<button type="submit" class="site-search__button">{_icon("search")}{SEARCH_LABEL}'
        "</button></form>"
        f"</div>{MAIN_MENU}</header>"
    )


def header_legacy(lang_html: str) -> str:
    return (
        f'<div id="skip-link"><a href="#content" class="element-invisible">{SKIP_LINK}</a></div>'
        f"{SPRITE}"
        '<div id="page-wrapper"><div id="page"><div id="header"><div class="section clearfix">'
        f'<a href="/" title="Home" rel="home" id="logo">{LOGO}</a>'
        f'<div id="menu-toggle"><span>{MENU_TOGGLE}</span></div>'
        f"{lang_html}"
        '<div id="block-search-form" class="block"><form action="/search" method="get">'
        f'<div class="form-item"><label for="edit-search">{SEARCH_LABEL}</label>'
        '<input type="text" id="edit-search" name="q" size="15" maxlength="128"></div>'
        f'<input type="submit" value="{SEARCH_LABEL}"></form></div>'
        f'</div></div><div id="navigation"><div class="section">{MAIN_MENU}</div></div>'
    )


def donation_modern() -> str:
    return (
        '<div class="donation-banner"><div class="donation-banner__inner">'
        f'<p class="donation-banner__text">{DONATE_TEXT}</p>'
        f'<a class="button button--donate" href="/donate">{DONATE_BUTTON}</a></div></div>'
    )


def donation_legacy() -> str:
    return f'<div><p>{DONATE_TEXT}</p><p><a href="/donate">{DONATE_BUTTON}</a></p></div>'


def share_buttons(url: str, title: str, modern: bool = True) -> str:
    from urllib.parse import quote

    u, ti = quote(url, safe=""), quote(title, safe="")
    links = (
        ("facebook", f"https://www.facebook.com/sharer/sharer.php?u={u}", SHARE_LABELS[0]),
        ("twitter", f"https://twitter.com/intent/tweet?url={u}&text={ti}", SHARE_LABELS[1]),
        ("email", f"mailto:?subject={ti}&body={u}", SHARE_LABELS[2]),
    )
    items = "".join(
        f'<li class="social-share__item"><a class="social-share__link social-share__link--{name}"'
        f' href="{a(href)}" target="_blank" rel="noopener">{_icon(name)}'
        f'<span class="visually-hidden">{label}</span></a></li>'
        for name, href, label in links
    )
    items += (
        f'<li class="social-share__item"><button class="social-share__print" '
        f'onclick="window.print()">{_icon("print")}<span>{SHARE_LABELS[3]}</span></button></li>'
    )
    cls = "social-share" if modern else "share-links clearfix"
    return f'<div class="{cls}"><ul class="social-share__list">{items}</ul></div>'


def newsletter(modern: bool = True) -> str:
    cls = "newsletter-signup" if modern else "block block-newsletter"
    tag = "section" if modern else "div"
    return (
        f'<{tag} class="{cls}"><h2 class="newsletter-signup__title">{NEWSLETTER_TITLE}</h2>'
        f'<p class="newsletter-signup__text">{NEWSLETTER_TEXT}</p>'
        '<form class="newsletter-signup__form" action="/newsletter/subscribe" method="post">'
        f'<label for="newsletter-email">{NEWSLETTER_LABEL}</label>'
        '<input type="email" id="newsletter-email" name="email" placeholder="you@example.org" '
        'required><input type="hidden" name="list" value="daily-brief">'
        f'<button type="submit">{NEWSLETTER_BUTTON}</button></form></{tag}>'
    )


def cookie_notice(modern: bool = True) -> str:
    if modern:
        return (
            '<div id="cookie-consent" class="cookie-notice" role="dialog" aria-live="polite">'
            f'<p class="cookie-notice__text">{COOKIE_TEXT} <a href="/about/policies/cookies">'
            f"{COOKIE_MORE}</a></p>"
            f'<button class="cookie-notice__accept" type="button">{COOKIE_BUTTON}</button></div>'
        )
    return (
        f'<div class="cookie-notice"><p>{COOKIE_TEXT} <a href="/about/policies/cookies">'
        f"{COOKIE_MORE}</a></p><button>{COOKIE_BUTTON}</button></div>"
    )


def _make_footer() -> str:
    social = "".join(
        f'<li><a href="https://www.{name}.com/rightswatchdemo" rel="me">{_icon(name)}'
        f'<span class="visually-hidden">{name.title()}</span></a></li>'
        for name in ("facebook", "twitter", "instagram", "youtube", "linkedin")
    )
    columns = (
        ("/about", MENU_LABELS[5]),
        ("/reports", MENU_LABELS[2]),
        (CALENDAR_PATH, MENU_LABELS[3]),
        ("/get-involved", MENU_LABELS[4]),
        ("/about/policies/privacy", PRIVACY_LINK),
        ("/about/policies/cookies", COOKIE_SETTINGS),
        ("/about/contact", CONTACT_LINK),
        ("/news/feed.xml", "RSS"),
    )
    links = "".join(f'<li><a href="{a(href)}">{t(label)}</a></li>' for href, label in columns)
    return (
        f'<div class="site-footer__inner"><div class="site-footer__logo">{LOGO}</div>'
        f'<nav class="site-footer__nav" aria-label="Footer"><ul>{links}</ul></nav>'
        f'<div class="site-footer__social"><h2>{FOLLOW_US}</h2><ul>{social}</ul></div>'
        f'<p class="site-footer__address">{t(ADDRESS)}</p>'
        f'<p class="site-footer__charity">{t(CHARITY_LINE)}</p>'
        f'<p class="site-footer__copyright">{t(COPYRIGHT)}</p></div>'
    )


FOOTER_INNER = _make_footer()


def footer(modern: bool = True) -> str:
    if modern:
        return f'<footer class="site-footer" role="contentinfo">{FOOTER_INNER}</footer>'
    return f'<div id="footer"><div class="section">{FOOTER_INNER}</div></div>'


def tag_block(region: list[tuple[str, str]], topics: list[tuple[str, str]], modern: bool) -> str:
    """ "Region / Country" and "Topic" headings followed by tag links ((href, label) pairs)."""

    def links(pairs: list[tuple[str, str]]) -> str:
        return "".join(
            f'<li><a href="{a(h)}" hreflang="en">{t(label)}</a></li>' for h, label in pairs
        )

    if modern:
        return (
            f'<div class="tag-list"><h2 class="tag-list__title">{TAGS_REGION}</h2>'
            f'<ul class="tag-list__items">{links(region)}</ul>'
            f'<h2 class="tag-list__title">{TAGS_TOPIC}</h2>'
            f'<ul class="tag-list__items">{links(topics)}</ul></div>'
        )

    def field(name: str, label: str, pairs: list[tuple[str, str]]) -> str:
        items = "".join(
            f'<div class="field-item"><a href="{a(h)}">{t(lab)}</a></div>' for h, lab in pairs
        )
        return (
            f'<div class="field field--{name}"><div class="field-label">{label}</div>'
            f'<div class="field-items">{items}</div></div>'
        )

    return field("region", TAGS_REGION, region) + field("topic", TAGS_TOPIC, topics)


def head(
    *,
    title: str,
    lang: str,
    canonical: str,
    description: str,
    meta: list[tuple[str, str, str]],
    links: list[str],
    json_ld: object | None,
    base: str,
) -> str:
    """The <head>: title, canonical, meta tags, JSON-LD, inline CSS and the tag manager stub."""
    parts = [
        f'<!DOCTYPE html>\n<html lang="{lang}" dir="ltr" prefix="og: https://ogp.me/ns#">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">',
        f"<title>{t(title)} | {ORG_NAME}</title>",
        f'<meta name="description" content="{a(description)}">',
        f'<link rel="canonical" href="{a(canonical)}">',
        *links,
        f'<link rel="alternate" type="application/rss+xml" title="{ORG_NAME} news" '
        f'href="{a(base)}/news/feed.xml">',
        '<link rel="preconnect" href="https://fonts.example.org" crossorigin>',
        f'<meta property="og:site_name" content="{ORG_NAME}">',
        *(f'<meta {kind}="{a(key)}" content="{a(value)}">' for kind, key, value in meta),
        '<meta name="twitter:card" content="summary_large_image">',
        '<meta name="twitter:site" content="@rightswatchdemo">',
    ]
    if json_ld is not None:
        parts.append(f'<script type="application/ld+json">{json_script(json_ld)}</script>')
    parts.append(f"<style>{CSS}</style>")
    parts.append(f"<script>{HEAD_SCRIPT}</script></head>")
    return "\n".join(parts)


def tail(settings: dict) -> str:
    """Per-page settings blob plus the analytics bundle, just before </body>."""
    return (
        '<script type="application/json" data-drupal-selector="drupal-settings-json">'
        f"{json_script(settings)}</script>\n<script>{ANALYTICS_BUNDLE}</script>\n</body>\n</html>\n"
    )


def drupal_settings(path: str, lang: str, node: int | None, base: str) -> dict:
    digest = hashlib.sha1(f"{path}|{lang}".encode()).hexdigest()
    return {
        "path": {
            "baseUrl": "/",
            "pathPrefix": "" if lang == "en" else f"{lang}/",
            "currentPath": f"node/{node}" if node is not None else path.lstrip("/"),
            "currentPathIsAdmin": False,
            "isFront": path == "/",
            "currentLanguage": lang,
        },
        "pluralDelimiter": "\u0003",
        "suppressDeprecationErrors": True,
        "ajaxPageState": {
            "libraries": "rwd/global,rwd/article,rwd/cookie-notice,rwd/newsletter,"
            "rwd/share,rwd/menu,core/drupal,core/once,system/base",
            "theme": "rwd",
            "theme_token": digest[:22],
        },
        "ajaxTrustedUrl": {"/search": True, "/newsletter/subscribe": True},
        "gtag": {"tagId": "G-DEMO00000", "otherIds": [], "events": [], "additionalConfigInfo": []},
        "rwd": {
            "siteUrl": base,
            "donateUrl": "/donate",
            "pageId": digest[:12],
            "contentGroup": "news" if node is not None else "page",
        },
        "user": {"uid": 0, "permissionsHash": digest},
    }


# --------------------------------------------------------------------------------------
# The "alt" variant (build_site(variant="alt")): the same site after a redesign whose
# template text no rule was written for. Only the boilerplate profile can learn it.
# --------------------------------------------------------------------------------------

ALT_APPEAL_TEXT = (
    "Stand with the people whose rights are under attack: every gift funds independent "
    "investigations in more than 90 countries."
)
ALT_APPEAL_BUTTON = "Give today"
ALT_RAIL_TITLE = "About Rights Watch Demo"
ALT_RAIL_TEXT = (
    f"{ORG_NAME} is an independent organization that investigates abuses, exposes the facts "
    "widely and presses those with power to respect rights and secure justice."
)
ALT_RAIL_CONTACT = "For media inquiries, call the press office at +1 212 555 0100."
ALT_BOILERPLATE_STRINGS: tuple[str, ...] = (
    ALT_APPEAL_TEXT,
    ALT_APPEAL_BUTTON,
    ALT_RAIL_TITLE,
    ALT_RAIL_TEXT,
    ALT_RAIL_CONTACT,
)


def alt_appeal(modern: bool) -> str:
    """The redesigned donation appeal: new wording, classes no rule knows."""
    if modern:
        return (
            f'<div class="callout"><p class="callout__text">{ALT_APPEAL_TEXT}</p>'
            f'<a class="button" href="/donate">{ALT_APPEAL_BUTTON}</a></div>'
        )
    return (
        f'<div class="appeal"><p>{ALT_APPEAL_TEXT}</p>'
        f'<p><a href="/donate">{ALT_APPEAL_BUTTON}</a></p></div>'
    )


def alt_rail() -> str:
    """A new box at the end of every release body: about the organization, press contact."""
    return (
        f'<div class="rail"><h3 class="rail__title">{ALT_RAIL_TITLE}</h3>'
        f"<p>{t(ALT_RAIL_TEXT)}</p><p>{t(ALT_RAIL_CONTACT)}</p></div>"
    )


def alt_figure(src: str, alt: str, caption: str) -> str:
    """The lead image of a release in the alt variant."""
    return (
        f'<figure class="lead-figure"><img src="{a(src)}" alt="{a(alt)}" width="1200" '
        f'height="675"><figcaption class="lead-figure__caption">{t(caption)}</figcaption></figure>'
    )
