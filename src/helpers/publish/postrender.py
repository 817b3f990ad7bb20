"""Quarto's post-render step: link the two language editions to each other.

Run by Quarto after each profile's render (``QUARTO_PROJECT_OUTPUT_DIR`` = ``_site/<lang>``,
``QUARTO_PROFILE`` = the language). It adds to every HTML page of that edition the ``hreflang``
alternates of the page in every language and a bar with a link to the same page in the other
language and to the edition's PDF, the page's description (its first paragraph), preview image
(its first figure, as PNG), locales and icons (:func:`social`), then writes ``_site/index.html``,
which sends a reader to the language of their browser and offers both, and ``_site/404.html``.
Running it twice gives the same pages.

It also removes the ``data-notebook*`` attributes of embedded cells: Quarto strips them in its
notebook-preview pass, which book projects skip, so they would publish the absolute path of the
build machine's notebooks (and make every build folder's site differ); and the ``aria-label`` of
the previous/next chapter links, which names them without the chapter number they show.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import yaml

from helpers.book import edition as edition_mod
from helpers.book import provenance
from helpers.core import config, i18n, layout
from helpers.core.errors import PipelineError
from helpers.publish import editions, search

HEAD_MARK = ("<!-- helpers:hreflang -->", "<!-- /helpers:hreflang -->")
FOOT_MARK = ("<!-- helpers:provenance -->", "<!-- /helpers:provenance -->")
# Quarto's sidebar is a second navigation landmark beside the table of contents, without a name
# of its own: screen-reader users cannot tell them apart (axe: landmark-unique)
SIDEBAR = re.compile(r'<nav id="quarto-sidebar"(?![^>]*aria-label)')
ICONS = Path("assets") / "icons"  # the icons' folder in an edition (assets/icons/README.md)
BAR_MARK = ("<!-- helpers:language-bar -->", "<!-- /helpers:language-bar -->")
NOTEBOOK_ATTRIBUTES = re.compile(r'\s+data-notebook(?:-title|-cellid)?="[^"]*"', re.I)
# Quarto names the previous/next chapter links by the chapter's title alone while they show its
# number too ("6 Burn-out"): a spoken name that leaves out the visible text fails WCAG 2.5.3
# (label in name). Without the attribute, the link's name is what it shows.
PAGINATION_LABEL = re.compile(r'(<a\b[^>]*\bclass="pagination-link")\s+aria-label="[^"]*"', re.I)


def edition_pdf(lang: str) -> str:
    """File name of the edition's PDF: book.output-file of the profile, plus .pdf."""
    conf = yaml.safe_load((config.ROOT / f"_quarto-{lang}.yml").read_text(encoding="utf-8")) or {}
    return f"{(conf.get('book') or {}).get('output-file', 'index')}.pdf"


def counterpart(rel: str, lang: str, other: str) -> str:
    """The same page in the other edition: chapters/<lang>/x.html -> chapters/<other>/x.html."""
    return re.sub(rf"(^|/)chapters/{lang}/", rf"\1chapters/{other}/", rel)


def _replace_block(
    text: str, marks: tuple[str, str], block: str, anchors: tuple[str, ...], after: bool
) -> str:
    """Put ``block`` between ``marks`` at the first anchor found (replacing an earlier run's block)."""
    start, end = marks
    text = re.sub(re.escape(start) + ".*?" + re.escape(end) + r"\n?", "", text, flags=re.S)
    wrapped = f"{start}{block}{end}\n"
    for anchor in anchors:
        m = re.search(anchor, text, flags=re.I)
        if m:
            i = m.end() if after else m.start()
            return text[:i] + wrapped + text[i:]
    return text


FIGURE_ID = re.compile(r'\bid="(fig-[a-z0-9-]+)"')


def _locale(lang: str) -> str:
    """Open Graph's form of the catalogue's locale (nl-BE -> nl_BE)."""
    return i18n.catalogue(lang)["number"]["locale"].replace("-", "_")


def description(text: str, limit: int = 200) -> str | None:
    """The page's description, written from its content: its first paragraph of prose (as the
    search index reads the page), cut after the last whole sentence (or word) within ``limit``
    characters."""
    first = search.first_paragraph(text)
    if first is None or len(first) <= limit:
        return first
    cut = first[:limit]
    sentence = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
    return cut[: sentence + 1] if sentence > 60 else cut[: cut.rfind(" ")].rstrip(",;:") + " …"


def social(text: str, page: Path, edition: Path, lang: str) -> tuple[str, str]:
    """What a search engine and a shared link show of the page, beside Quarto's Open Graph and
    Twitter tags (title, description from the page's first paragraph): the meta description (the
    same text), the page's first figure as its preview image (the PNG readers download,
    helpers.book.downloads), the locales, the icons. Returns the tags and the page without the
    image tags Quarto chose (an SVG, which social sites do not show)."""
    here = page.parent
    rel = lambda p: os.path.relpath(p, here).replace(os.sep, "/")  # noqa: E731
    tags = [
        f'<link rel="icon" type="image/png" sizes="32x32" href="{rel(edition / ICONS / "favicon-32.png")}">',
        f'<link rel="apple-touch-icon" href="{rel(edition / ICONS / "apple-touch-icon.png")}">',
        f'<meta property="og:locale" content="{_locale(lang)}">',
        *(
            f'<meta property="og:locale:alternate" content="{_locale(o)}">'
            for o in i18n.languages()
            if o != lang
        ),
    ]
    about = html.escape(description(text) or i18n.t(lang, "book.landing.lead"))
    text = re.sub(r'<meta\s+(?:name|property)="(?:og:|twitter:)?description"[^>]*>\n?', "", text)
    tags += [
        f'<meta name="description" content="{about}">',
        f'<meta property="og:description" content="{about}">',
        f'<meta name="twitter:description" content="{about}">',
    ]
    text = re.sub(r'<meta\s+(?:name|property)="(?:og|twitter):image(?::[a-z]+)?"[^>]*>\n?', "", text)
    text = re.sub(r'<meta\s+name="twitter:card"[^>]*>\n?', "", text)
    figures = edition / "build" / "store" / lang / "figures"
    image = next(
        (
            png
            for label in FIGURE_ID.findall(text)
            if (png := next(iter(sorted(figures.glob(f"{label}-[0-9]*.png"))), None)) is not None
        ),
        None,
    )
    if image is not None:
        alt = re.search(
            rf'id="{re.escape(image.stem.rsplit("-", 1)[0])}".*?<img[^>]*\balt="([^"]*)"', text, re.S
        )
        tags += [
            f'<meta property="og:image" content="{rel(image)}">',
            f'<meta name="twitter:image" content="{rel(image)}">',
            '<meta name="twitter:card" content="summary_large_image">',
        ]
        if alt:
            tags += [
                f'<meta property="og:image:alt" content="{alt.group(1)}">',
                f'<meta name="twitter:image:alt" content="{alt.group(1)}">',
            ]
    else:
        tags.append('<meta name="twitter:card" content="summary">')
    return "".join(tags), text


def decorate(page: Path, edition: Path, site: Path, lang: str, footer: str, number: int) -> None:
    rel = page.relative_to(edition).as_posix()
    here = page.parent
    hrefs = {
        other: os.path.relpath(site / other / counterpart(rel, lang, other), here).replace(os.sep, "/")
        for other in i18n.languages()
    }
    home = os.path.relpath(site / "index.html", here).replace(os.sep, "/")
    alternates = [
        f'<link rel="alternate" hreflang="{other}" href="{html.escape(href)}">'
        for other, href in hrefs.items()
    ]
    alternates.append(f'<link rel="alternate" hreflang="x-default" href="{html.escape(home)}">')
    links = [
        f'<a href="{html.escape(href)}" hreflang="{other}" lang="{other}">'
        f"{html.escape(i18n.t(lang, 'report.other_language'))}</a>"
        for other, href in hrefs.items()
        if other != lang
    ]
    pdf = os.path.relpath(edition / edition_pdf(lang), here).replace(os.sep, "/")
    links.append(f'<a href="{html.escape(pdf)}" download>{html.escape(i18n.t(lang, "book.pdf"))}</a>')
    bar = (
        f'<nav class="language-bar" aria-label="{html.escape(i18n.t(lang, "book.editions"))}">'
        f"{' '.join(links)}</nav>"
    )
    text = NOTEBOOK_ATTRIBUTES.sub("", page.read_text(encoding="utf-8"))
    text = PAGINATION_LABEL.sub(r"\1", text)
    text = SIDEBAR.sub(
        f'<nav id="quarto-sidebar" aria-label="{html.escape(i18n.t(lang, "book.sidebar"))}"', text
    )
    # what an earlier run wrote is not the page's own (running twice gives the same page)
    text = re.sub(re.escape(HEAD_MARK[0]) + ".*?" + re.escape(HEAD_MARK[1]) + r"\n?", "", text, flags=re.S)
    tags, text = social(text, page, edition, lang)
    head = "".join(alternates) + tags + editions.script_tag(page, site, number)
    text = _replace_block(text, HEAD_MARK, head, (r"</head>",), after=False)
    text = _replace_block(text, BAR_MARK, bar, (r"<main\b[^>]*>", r"<body\b[^>]*>"), after=True)
    text = _replace_block(text, FOOT_MARK, footer, (r"</main>", r"</body>"), after=False)
    page.write_text(text, encoding="utf-8")


def postrender(edition: Path, lang: str, only: list[Path] | None = None) -> int:
    i18n.check_lang(lang)
    edition = Path(edition)
    if not edition.is_dir():
        raise PipelineError("the rendered edition is missing", file=edition)
    site = edition.parent
    # a partial render (one chapter; the live preview) decorates the pages it wrote, the others were
    pages = sorted(edition.rglob("*.html")) if only is None else sorted(p for p in only if p.exists())
    try:
        prov = provenance.read(config.BUILD_DIR)
    except FileNotFoundError:
        raise PipelineError(
            "the edition's provenance is missing (run `python -m helpers prepare`)",
            file=layout.provenance_path(config.BUILD_DIR),
        ) from None
    footer = edition_mod.footer(lang, prov)
    for page in pages:
        decorate(page, edition, site, lang, footer, prov["edition"])
    search.rewrite(edition, lang)
    (site / "index.html").write_text(editions.chooser(), encoding="utf-8")
    (site / "404.html").write_text(editions.not_found(), encoding="utf-8")
    # what `editions.js` is beside an edition not (yet) published: the edition alone, no note
    alone = [{"edition": prov["edition"], "wave": config.edition_wave(), "langs": i18n.languages()}]
    (site / editions.SCRIPT).write_text(editions.script(alone), encoding="utf-8")
    return len(pages)


def from_environment() -> int:
    """Entry point for Quarto: the edition and language come from its environment variables."""
    out = os.environ.get("QUARTO_PROJECT_OUTPUT_DIR")
    profile = os.environ.get("QUARTO_PROFILE", "")
    langs = [p for p in profile.split(",") if p in i18n.languages()]
    if not out or len(langs) != 1:
        raise PipelineError(
            "postrender runs inside `quarto render --profile <lang>` (QUARTO_PROJECT_OUTPUT_DIR "
            f"and QUARTO_PROFILE were {out!r} and {profile!r})",
            expected="one language profile: " + ", ".join(i18n.languages()),
        )
    # relative to the folder Quarto renders in, its hooks' working folder: the project, or the
    # language's own copy of it when `python -m helpers build` renders (helpers.render)
    edition = Path(out).absolute()
    only = None
    written = os.environ.get("QUARTO_PROJECT_OUTPUT_FILES")
    if os.environ.get("QUARTO_PROJECT_RENDER_ALL") != "1" and written:
        files = [Path(f).absolute() for f in written.splitlines() if f.endswith(".html")]
        only = [f for f in files if f.is_relative_to(edition)]
    return postrender(edition, langs[0], only)
