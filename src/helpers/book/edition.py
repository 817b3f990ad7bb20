"""The edition's imprint: the PDF's cover and colophon and the web pages' footer, from one source.

``prepare`` writes ``build/quarto/provenance.json`` (helpers.provenance) and, per language,
``build/quarto/<lang>/cover.typ`` and ``colophon.typ``, which the project's Typst template partial
(``assets/typst/typst-show.typ``) passes to the book template's title page and its reverse. The
post-render step (helpers.postrender) writes :func:`footer` into every page from the same
provenance file, so the footer and the colophon cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import html

from helpers.core import config, i18n
from helpers.core.i18n import t

INK, BRAND, WARN = "#1A1A1A", "#00427A", "#D55E00"


def publication(lang: str) -> dict:
    """The publication's settings (data/settings.yaml) in one language; None where a value is empty."""
    pub = config.settings()["publication"]
    pick = lambda v: v.get(lang) if isinstance(v, dict) else v  # noqa: E731
    return {k: pick(v) for k, v in pub.items()}


def citation(lang: str) -> str:
    """The suggested citation of the edition: publisher (year). Title, edition. Address (the
    publication's site once ``publication.site_url`` is set, else the publisher's website)."""
    pub = config.settings()["publication"]
    return t(
        lang,
        "opendata.citation",
        publisher=pub["publisher"][lang],
        year=config.build_date().year,
        title=t(lang, "opendata.report_title"),
        edition=pub["edition"],
        address=pub.get("site_url") or pub["website"][lang],
    )


def typ(text) -> str:
    """A Typst string literal: the text is printed as it is, never read as markup."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _day(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


def cover(lang: str, prov: dict) -> str:
    """The bottom of the title page: edition and publisher on a band in the house colour, and the
    synthetic-data notice while the edition is built on synthetic data."""
    pub = publication(lang)
    notice = ""
    if prov["synthetic"]:
        notice = (
            f"#pad(x: 2cm, bottom: 0.8cm, block(width: 100%, fill: white, inset: 10pt, "
            f'stroke: (left: 4pt + rgb("{WARN}")), text(size: 10.5pt, fill: rgb("{INK}"), '
            f"{typ(t(lang, 'book.cover.synthetic'))})))\n"
        )
    return (
        "// Written by python -m helpers prepare (helpers.edition). Do not edit.\n"
        + notice
        + f'#block(width: 100%, fill: rgb("{BRAND}"), inset: (x: 2cm, top: 1cm, bottom: 1.4cm))[\n'
        f"  #set text(fill: white)\n"
        f'  #text(size: 16pt, weight: "bold", '
        f"{typ(t(lang, 'book.cover.edition', edition=prov['edition']))})\n"
        f"  #v(0.3em)\n"
        f"  #text(size: 11pt, {typ(pub['publisher'])}) \\\n"
        f"  #text(size: 11pt, {typ(pub['website'])})\n"
        f"]\n"
    )


def colophon(lang: str, prov: dict) -> str:
    """The reverse of the title page: publisher, responsible editor, legal deposit, the report's
    web address and contact, the suggested citation and licence, edition, the data sources with the
    SHA-256 of each file, the data and code versions and the build date."""
    pub = publication(lang)
    c = lambda k, **v: typ(t(lang, f"book.colophon.{k}", **v))  # noqa: E731
    deposit = pub.get("legal_deposit") or t(lang, "book.colophon.deposit_pending")
    contact = pub.get("contact") or t(lang, "book.colophon.contact_pending")
    site = pub.get("site_url")
    web = f"{site.rstrip('/')}/{pub['edition']}/{lang}/" if site else t(lang, "book.colophon.web_pending")
    lic = config.settings()["publication"]["licence"]
    m = lambda text: "#" + typ(text)  # noqa: E731  (a string inside markup)
    rows = [
        (c("publisher"), f"{m(pub['publisher'])} \\ {m(pub['address'])} \\ {m(pub['website'])}"),
        (c("editor"), f"{m(pub['responsible_editor'])} \\ {m(pub['address'])}"),
        (c("deposit"), m(deposit)),
        (c("web_address"), m(web)),
        (c("contact"), m(contact)),
        (c("cite"), m(citation(lang))),
        (c("licence"), f"{m(lic['title'][lang])} \\ {m(lic['url'])}"),
        (c("edition"), m(prov["edition"])),
        (c("built"), m(i18n.long_date(_day(prov["date"]), lang))),
        (c("data_version"), f"#raw({typ(prov['data_version'])})"),
        (c("code_version"), f"#raw({typ(prov['code_version'])})"),
    ]
    grid = ",\n  ".join(f"[#{k}], [{v}]" for k, v in rows)
    files = []
    for f in prov["inputs"]:
        what = (
            t(lang, "book.colophon.survey", wave=f["wave"])
            if f["kind"] == "survey"
            else t(lang, "book.colophon.reference")
        )
        files.append(f"[{m(what)} \\ #raw({typ(f['file'])})], [#text(size: 7pt, raw({typ(f['sha256'])}))]")
    notes = [t(lang, "book.colophon.web")]
    if prov["synthetic"]:
        notes.insert(0, t(lang, "book.colophon.synthetic"))
    return (
        "// Written by python -m helpers prepare (helpers.edition). Do not edit.\n"
        "#set text(size: 9pt)\n#set par(first-line-indent: 0em, justify: false)\n"
        f'#text(size: 12pt, weight: "bold", {c("title")})\n#v(0.6em)\n'
        f"#grid(columns: (auto, 1fr), align: top, column-gutter: 1.2em, row-gutter: 0.7em,\n  "
        f"{grid},\n)\n#v(0.8em)\n"
        f'#text(weight: "bold", {c("sources")})\n#v(0.3em)\n'
        "#table(columns: (auto, 1fr), stroke: none, inset: (x: 0pt, y: 3pt), column-gutter: 1.2em,\n  "
        + ",\n  ".join(files)
        + ",\n)\n#v(0.6em)\n"
        + "".join(f"#par({typ(n)})\n" for n in notes)
    )


def footer(lang: str, prov: dict) -> str:
    """Every web page's footer: edition, data version, code version, build date (the colophon's
    values), then the suggested citation and the licence."""
    parts = [
        t(lang, "book.footer.edition", edition=prov["edition"]),
        t(
            lang,
            "book.footer.data",
            data=f'<code class="data-version">{html.escape(prov["data_version"])}</code>',
        ),
        t(
            lang,
            "book.footer.code",
            code=f'<code class="code-version">{html.escape(prov["code_version"])}</code>',
        ),
        t(lang, "book.footer.date", date=html.escape(i18n.long_date(_day(prov["date"]), lang))),
    ]
    if prov["synthetic"]:
        parts.append(html.escape(t(lang, "book.footer.synthetic")))
    lic = config.settings()["publication"]["licence"]
    reuse = [
        html.escape(t(lang, "book.footer.cite", citation=citation(lang))),
        t(
            lang,
            "book.footer.licence",
            licence=f'<a rel="license" href="{html.escape(lic["url"])}">'
            f"{html.escape(lic['title'][lang])}</a>",
        ),
    ]
    return (
        f'<div class="edition-provenance" aria-label="{html.escape(t(lang, "book.footer.label"))}" '
        f'role="note">'
        + " · ".join(parts)
        + '<br><span class="edition-citation">'
        + " · ".join(reuse)
        + "</span></div>"
    )
