"""Quarto's post-render step: link the two language editions to each other.

Run by Quarto after each profile's render (``QUARTO_PROJECT_OUTPUT_DIR`` = ``_site/<lang>``,
``QUARTO_PROFILE`` = the language). It adds to every HTML page of that edition the ``hreflang``
alternates of the page in every language and a bar with a link to the same page in the other
language and to the edition's PDF, then writes ``_site/index.html``, which sends a reader to the
language of their browser and offers both. Running it twice gives the same pages.

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

HEAD_MARK = ("<!-- helpers:hreflang -->", "<!-- /helpers:hreflang -->")
FOOT_MARK = ("<!-- helpers:provenance -->", "<!-- /helpers:provenance -->")
# Quarto's sidebar is a second navigation landmark beside the table of contents, without a name
# of its own: screen-reader users cannot tell them apart (axe: landmark-unique)
SIDEBAR = re.compile(r'<nav id="quarto-sidebar"(?![^>]*aria-label)')
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


def decorate(page: Path, edition: Path, site: Path, lang: str, footer: str) -> None:
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
    text = _replace_block(text, HEAD_MARK, "".join(alternates), (r"</head>",), after=False)
    text = _replace_block(text, BAR_MARK, bar, (r"<main\b[^>]*>", r"<body\b[^>]*>"), after=True)
    text = _replace_block(text, FOOT_MARK, footer, (r"</main>", r"</body>"), after=False)
    page.write_text(text, encoding="utf-8")


LANDING_CSS = """
@font-face{font-family:"Source Sans 3";font-weight:400;font-style:normal;font-display:swap;
  src:url(FONT/source-sans-3-latin-400-normal.woff2) format("woff2")}
@font-face{font-family:"Source Sans 3";font-weight:700;font-style:normal;font-display:swap;
  src:url(FONT/source-sans-3-latin-700-normal.woff2) format("woff2")}
*{box-sizing:border-box}
body{margin:0;font-family:"Source Sans 3",system-ui,sans-serif;color:#1a1a1a;background:#fff;\
line-height:1.5;font-size:1.1rem}
header{background:BRAND;color:#fff;padding:1rem 1.5rem}
header p{margin:0;max-width:64rem;margin:0 auto;font-size:1rem}
main{max-width:64rem;margin:0 auto;padding:2rem 1.5rem 3rem}
.editions{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));gap:2.5rem}
section{border-top:4px solid BRAND;padding-top:1rem}
h1{font-size:1.75rem;line-height:1.2;margin:0 0 .75rem}
.lead{margin:0 0 1.5rem}
.button{display:inline-block;background:BRAND;color:#fff;text-decoration:none;font-weight:700;
  padding:.75rem 1.25rem;border-radius:4px;border:2px solid BRAND}
.button:hover{background:#fff;color:BRAND}
.button:focus-visible{outline:3px solid #D55E00;outline-offset:3px}
"""


def chooser(site: Path) -> str:
    """_site/index.html, the bilingual landing page: the report's title and one sentence in each
    language, each in its own ``lang``, with a button to each edition. A visitor arriving from
    elsewhere goes on to the edition they read last (remembered by assets/report.html) or else the
    language of their browser; one who comes back to it from inside the site, or opens it with
    ``?choose``, stays, and location.replace keeps it out of the history, so Back never loops."""
    langs = i18n.languages()
    sections = "\n".join(
        f'    <section lang="{lang}">\n'
        f"      <h1>{html.escape(i18n.t(lang, 'report.title'))}</h1>\n"
        f'      <p class="lead">{html.escape(i18n.t(lang, "book.landing.lead"))}</p>\n'
        f'      <a class="button" href="{lang}/index.html" hreflang="{lang}">'
        f"{html.escape(i18n.t(lang, 'book.landing.enter'))}</a>\n"
        f"    </section>"
        for lang in langs
    )
    publishers = " · ".join(
        f'<span lang="{lang}">{html.escape(i18n.t(lang, "report.author"))}</span>' for lang in langs
    )
    alternates = "\n".join(
        f'  <link rel="alternate" hreflang="{lang}" href="{lang}/index.html">' for lang in langs
    )
    known = ", ".join(f'"{lang}"' for lang in langs)
    css = LANDING_CSS.replace("FONT", f"{langs[0]}/assets/vendor/source-sans-3-5.3.1").replace(
        "BRAND", edition_mod.BRAND
    )
    return f"""<!DOCTYPE html>
<html lang="{langs[0]}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{" / ".join(html.escape(i18n.t(lang, "report.title")) for lang in langs)}</title>
{alternates}
  <link rel="alternate" hreflang="x-default" href="index.html">
  <script>
    (function () {{
      var known = [{known}];
      if (/[?&]choose(?:[=&]|$)/.test(location.search)) return;
      try {{ if (document.referrer && new URL(document.referrer).origin === location.origin) return; }} \
catch (e) {{}}
      var wanted = [];
      try {{ wanted.push(localStorage.getItem("report-lang") || ""); }} catch (e) {{}}
      wanted = wanted.concat(navigator.languages || [navigator.language || ""]);
      for (var i = 0; i < wanted.length; i++) {{
        var code = String(wanted[i]).toLowerCase().split("-")[0];
        if (known.indexOf(code) >= 0) {{ location.replace(code + "/index.html"); return; }}
      }}
    }})();
  </script>
  <style>{css}</style>
</head>
<body>
  <header><p>{publishers}</p></header>
  <main>
    <div class="editions">
{sections}
    </div>
  </main>
</body>
</html>
"""


def postrender(edition: Path, lang: str) -> int:
    i18n.check_lang(lang)
    edition = Path(edition)
    if not edition.is_dir():
        raise PipelineError("the rendered edition is missing", file=edition)
    site = edition.parent
    pages = sorted(edition.rglob("*.html"))
    try:
        prov = provenance.read(config.BUILD_DIR)
    except FileNotFoundError:
        raise PipelineError(
            "the edition's provenance is missing (run `python -m helpers prepare`)",
            file=layout.provenance_path(config.BUILD_DIR),
        ) from None
    footer = edition_mod.footer(lang, prov)
    for page in pages:
        decorate(page, edition, site, lang, footer)
    (site / "index.html").write_text(chooser(site), encoding="utf-8")
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
    return postrender(Path(out).absolute(), langs[0])
