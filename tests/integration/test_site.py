"""The rendered report as its readers get it (issue 10): every page titled and accessible, the
landing page, each figure's table alternative and CSV, figures whose text never overlaps, and the
same provenance in every page's footer and in the PDF's colophon.

Reads the ``rendered`` fixture (a clean copy built and rendered with the real Quarto once per
session); the browser tests also need Playwright and a Chromium. Each skips, saying why, without.
"""

from __future__ import annotations

import functools
import html
import io
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers.book import edition, provenance
from helpers.core import config, i18n
from helpers.publish import check, postrender

AXE = config.ROOT / "tests" / "vendor" / "axe-core-4.14.1" / "axe.min.js"
LANGS = ["nl", "fr"]


def pages(rendered: Path, lang: str) -> list[Path]:
    edition = rendered / "_site" / lang
    return sorted(p for p in edition.rglob("*.html") if "site_libs" not in p.parts)


@dataclass(frozen=True)
class PrintedPage:
    """A page of a PDF as the tests read it: pypdf's text, each piece of text with its baseline
    (points from the page's foot), and the page's height."""

    text: str
    baselines: tuple[tuple[str, float], ...]
    height: float


@dataclass(frozen=True)
class Printed:
    pages: tuple[PrintedPage, ...]
    chapters: frozenset[int]  # the pages (0-based) the bookmarks of chapters and appendices point to


@functools.cache
def _printed(pdf: Path, modified: int) -> Printed:
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    out = []
    for page in reader.pages:
        pieces: list[tuple[str, float]] = []

        def visit(text, cm, tm, font, size, pieces=pieces):
            if text.strip():  # the text's baseline on the page
                pieces.append((text.strip(), cm[1] * tm[4] + cm[3] * tm[5] + cm[5]))

        text = page.extract_text(visitor_text=visit) or ""
        out.append(PrintedPage(text, tuple(pieces), float(page.mediabox.height)))
    bookmarks = [x for x in reader.outline if not isinstance(x, list)]  # a list: a chapter's sections
    return Printed(tuple(out), frozenset(reader.get_destination_page_number(x) for x in bookmarks))


def printed(rendered: Path, lang: str) -> Printed:
    """The language's PDF, read once for all the tests that read it (pypdf takes seconds a PDF)."""
    pdf = rendered / "_site" / lang / postrender.edition_pdf(lang)
    return _printed(pdf, pdf.stat().st_mtime_ns)


def text_margin() -> float:
    """The text area's margin at the page's head and foot (_quarto.yml), in points."""
    shared = yaml.safe_load((config.ROOT / "_quarto.yml").read_text(encoding="utf-8"))
    margin = shared["format"]["typst"]["margin"]["y"]
    assert margin.endswith("cm")
    return float(margin[:-2]) / 2.54 * 72


class _Figures(HTMLParser):
    """The report's figure blocks on a page: each .figure-scroll figure, then the folded table
    (rows counted) and the CSV link that follow it."""

    def __init__(self):
        super().__init__()
        self.blocks: list[dict] = []
        self._in_table = self._in_details = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "div" and "figure-scroll" in classes:
            self.blocks.append({"img": None, "details": False, "rows": 0, "csv": None})
        elif not self.blocks:
            return
        elif tag == "img" and self.blocks[-1]["img"] is None and "figure-img" in classes:
            self.blocks[-1]["img"] = a
        elif tag == "details" and "figure-data" in classes:
            self.blocks[-1]["details"] = True
            self._in_details = True
        elif tag == "tbody" and self._in_details:
            self._in_table = True
        elif tag == "tr" and self._in_table:
            self.blocks[-1]["rows"] += 1
        elif tag == "a" and {"csv-link", "download-csv"} & set(classes) and self.blocks[-1]["csv"] is None:
            self.blocks[-1]["csv"] = a.get("href")

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_table = False
        elif tag == "details":
            self._in_details = False


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_is_titled_and_its_footer_names_the_colophons_versions(rendered, lang):
    prov = json.loads((rendered / "build" / "quarto" / "provenance.json").read_text(encoding="utf-8"))
    pdf = printed(rendered, lang)
    colophon = re.sub(r"\s+", " ", pdf.pages[1].text)
    assert i18n.t(lang, "book.colophon.title") in colophon
    # the citation, the licence, the report's address, a contact and the legal deposit (issue 23)
    licence = config.settings()["publication"]["licence"]["title"][lang]
    flat = colophon.replace(" ", "")
    assert edition.citation(lang).replace(" ", "") in flat and licence.replace(" ", "") in flat
    for row in ("web_address", "contact", "deposit"):
        assert i18n.t(lang, f"book.colophon.{row}") in colophon, row
    assert prov["data_version"] in colophon and prov["code_version"] in colophon
    for f in prov["inputs"]:  # every raw input with its full SHA-256
        assert f["sha256"] in colophon.replace(" ", ""), f["file"]
    assert provenance.data_version(prov["inputs"]) == prov["data_version"]
    cover = re.sub(r"\s+", " ", pdf.pages[0].text)
    assert i18n.t(lang, "book.cover.edition", edition=prov["edition"]) in cover
    assert (i18n.t(lang, "book.cover.synthetic") in cover) == prov["synthetic"]
    found = pages(rendered, lang)
    profile = yaml.safe_load((config.ROOT / f"_quarto-{lang}.yml").read_text(encoding="utf-8"))
    assert len(found) == len(check.book_files(profile["book"]))  # one page a chapter, home included
    for page in found:
        text = page.read_text(encoding="utf-8")
        title = re.search(r"<title>(.*?)</title>", text, re.S).group(1).strip()
        assert title and ".html" not in title, page
        footer = re.search(r'<div class="edition-provenance"[^>]*>(.*?)</div>', text, re.S)
        assert footer, f"{page} has no provenance footer"
        assert f'<code class="data-version">{prov["data_version"]}</code>' in footer.group(1), page
        assert f'<code class="code-version">{prov["code_version"]}</code>' in footer.group(1), page
        assert i18n.t(lang, "book.footer.edition", edition=prov["edition"]) in footer.group(1), page
        # the suggested citation and the licence, on every page (issue 23)
        cite = html.unescape(re.sub(r"<[^>]+>", "", footer.group(1)))
        assert edition.citation(lang) in cite and licence in cite, page
    home = (rendered / "_site" / lang / "index.html").read_text(encoding="utf-8")
    assert re.search(rf"<h1[^>]*>.*?{re.escape(_home_title(lang))}.*?</h1>", home, re.S)


def _home_title(lang: str) -> str:
    return yaml.safe_load((config.ROOT / f"_quarto-{lang}.yml").read_text(encoding="utf-8"))["home-title"]


@pytest.mark.parametrize("lang", LANGS)
def test_every_figure_has_its_numbers_as_a_table_and_a_csv(rendered, lang):
    figures = 0
    for page in pages(rendered, lang):
        parser = _Figures()
        parser.feed(page.read_text(encoding="utf-8"))
        for block in parser.blocks:
            figures += 1
            assert block["img"] is not None and block["img"].get("alt"), (
                f"{page}: a figure without its image or alt text"
            )
            assert block["img"]["src"].endswith(".svg"), block["img"]["src"]
            assert block["details"], f"{page}: {block['img']['src']} has no table of its numbers"
            assert block["csv"], f"{page}: {block['img']['src']} has no CSV link"
            csv = (page.parent / block["csv"]).resolve()
            assert csv.exists(), csv
            assert block["rows"] == len(pd.read_csv(csv)), (
                f"{page}: the table of {csv.name} is not the whole CSV"
            )
    assert figures > 30  # the edition's figures (issue 22: no tabs of earlier waves)


def test_the_landing_page_offers_both_editions_each_in_its_language(rendered):
    text = (rendered / "_site" / "index.html").read_text(encoding="utf-8")
    for lang in LANGS:
        section = re.search(rf'<section lang="{lang}">(.*?)</section>', text, re.S)
        assert section, lang
        assert i18n.t(lang, "report.title").replace("'", "&#x27;") in section.group(1)
        assert re.search(rf'<a class="button" href="{lang}/index.html" hreflang="{lang}"', section.group(1))
        assert (rendered / "_site" / lang / "index.html").exists()


@pytest.mark.parametrize(
    "locale, stored, expected",
    [
        ("fr-BE", None, "fr/index.html"),  # the browser's language
        ("de-DE", None, "nl/index.html"),  # none of ours: the first that the browser lists... or the default
        ("fr-BE", "nl", "nl/index.html"),  # a returning visitor: the edition they read last
    ],
)
def test_the_landing_page_sends_a_visitor_on_and_never_traps_them(site, browser, locale, stored, expected):
    context = browser.new_context(locale=locale)
    try:
        page = context.new_page()
        if stored:
            page.goto(f"{site}/{stored}/index.html")  # reading an edition remembers it
        page.goto(f"{site}/index.html")
        page.wait_for_load_state()
        if locale.startswith("de"):  # no edition in German: the visitor chooses, nobody is moved
            assert page.url.endswith("/index.html") and "/nl/" not in page.url
            return
        assert page.url.endswith(expected), page.url
        page.goto(f"{site}/index.html?choose")  # asked for on purpose: it stays
        assert page.url.endswith("/index.html?choose")
        page.click(f"a[hreflang={'fr' if expected.startswith('nl') else 'nl'}]")
        page.wait_for_load_state()
        page.go_back()  # back to the landing page, from inside the site: it stays
        page.wait_for_load_state()
        assert "index.html?choose" in page.url
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_axe_finds_no_serious_violation_on_any_page(rendered, site, browser, width):
    """axe-core 4 over every page of both editions and the landing page."""
    urls = ["/index.html?choose"] + [
        "/" + p.relative_to(rendered / "_site").as_posix() for lang in LANGS for p in pages(rendered, lang)
    ]
    page = browser.new_page(viewport={"width": width, "height": 900})
    problems = {}
    try:
        for url in urls:
            page.goto(site + url)
            page.wait_for_load_state("load")
            page.add_script_tag(path=str(AXE))
            violations = page.evaluate(
                "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                ".filter(x => x.impact === 'serious' || x.impact === 'critical')"
                ".map(x => ({id: x.id, impact: x.impact, n: x.nodes.length,"
                " targets: x.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
            )
            if violations:
                problems[url] = violations
    finally:
        page.close()
    assert len(urls) > 20
    assert not problems, json.dumps(problems, indent=1, ensure_ascii=False)[:4000]


# the corners of each text element on the page, as drawn (rotations included), then the pairs whose
# shapes intersect by more than half a pixel (separating-axis test of two convex quadrilaterals);
# the lines of one label (matplotlib writes them as <text> elements of one group) are one text
OVERLAPS = """() => {
  const quads = [...document.querySelectorAll('text')].filter(t => t.textContent.trim()).map(t => {
    const b = t.getBBox(), m = t.getCTM();
    const pts = [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height], [b.x, b.y + b.height]]
      .map(([x, y]) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f]);
    return {text: t.textContent.trim(), pts, owner: t.parentNode};
  });
  const axes = q => q.pts.map((p, i) => { const n = q.pts[(i + 1) % 4]; return [p[1] - n[1], n[0] - p[0]]; });
  const apart = (a, b) => [...axes(a), ...axes(b)].some(([ax, ay]) => {
    const len = Math.hypot(ax, ay) || 1;
    const pa = a.pts.map(p => (p[0] * ax + p[1] * ay) / len), pb = b.pts.map(p => (p[0] * ax + p[1] * ay) / \
len);
    return Math.min(...pa) >= Math.max(...pb) - 0.5 || Math.min(...pb) >= Math.max(...pa) - 0.5;
  });
  const out = [];
  for (let i = 0; i < quads.length; i++)
    for (let j = i + 1; j < quads.length; j++)
      if (quads[i].owner !== quads[j].owner && !apart(quads[i], quads[j])) out.push([quads[i].text, \
quads[j].text]);
  return out;
}"""


def test_no_two_texts_of_any_figure_overlap(rendered, browser):
    """Every figure of every wave in both languages, measured where the reader sees it: in Chromium,
    with the figure's own embedded typeface."""
    svgs = sorted((rendered / "_site").glob("*/chapters/*/*_files/figure-html/*.svg"))
    assert len(svgs) > 60
    page = browser.new_page()
    bad = {}
    try:
        for svg in svgs:
            page.goto(svg.as_uri())
            page.wait_for_load_state("load")
            page.evaluate("document.fonts.ready")
            pairs = page.evaluate(OVERLAPS)
            if pairs:
                bad[svg.name] = pairs[:3]
    finally:
        page.close()
    assert not bad, json.dumps(bad, indent=1, ensure_ascii=False)[:4000]


@pytest.mark.parametrize("chapter", ["psychosocial_risks", "covid_impact", "burnout", "incapacity"])
def test_figures_fit_a_phone_with_readable_text(site, browser, chapter):
    """Issue 22: at 390 px every figure fits its frame without sideways scrolling, and its smallest
    text is rendered at 11 px or more (the SVG's font sizes scaled by the width it is shown at). What
    a figure keeps folded under it (sources, numbers, downloads), opened, scrolls in its own frame:
    the page stays as wide as the phone."""
    page = browser.new_page(viewport={"width": 390, "height": 800})
    try:
        page.goto(f"{site}/nl/chapters/nl/{chapter}.html")
        page.wait_for_load_state("load")
        figures = page.evaluate("""async () => {
          const out = [];
          for (const img of document.querySelectorAll('.figure-scroll .figure-img')) {
            if (!img.offsetParent) continue;
            const svg = await (await fetch(img.src)).text();
            const box = svg.match(/viewBox="0 0 ([0-9.]+) /);
            const sizes = [...svg.matchAll(/font-size: ?([0-9.]+)px/g)].map(m => parseFloat(m[1]));
            const frame = img.parentElement.getBoundingClientRect().width;
            out.push({src: img.getAttribute('src'), w: img.getBoundingClientRect().width, frame,
                      scrolls: img.parentElement.scrollWidth > img.parentElement.clientWidth + 1,
                      viewbox: box ? parseFloat(box[1]) : null, smallest: Math.min(...sizes)});
          }
          return out;
        }""")
        assert len(figures) >= 3
        for f in figures:
            assert f["w"] <= f["frame"] + 0.5 and not f["scrolls"], f
            assert f["viewbox"] and f["smallest"] * f["w"] / f["viewbox"] >= 10.9, f
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        opened = page.evaluate(
            "[...document.querySelectorAll('.figure-tools details')]"
            ".map(d => { d.open = true; return 1; }).length"
        )
        assert opened >= 2 * len(figures)  # at least each figure's numbers and downloads
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        page.close()


# Issue 22: a chapter answers its questions in at most a third of the height it had before the issue
# (measured then in the Dutch edition: 173 figures, every wave's behind tabs). The chapters made since
# had no height then (exposures, issue 28; incapacity, the mental-health and burn-out chapters' other
# sources): they keep the limit of the occupational-risks chapter, the one they stand beside.
THIRD_OF_BEFORE = {  # chapter: (px at 1366, px at 390)
    "psychosocial_risks": (6372, 7099),
    "mental_health": (5754, 6416),
    "covid_impact": (12385, 13482),
    "burnout": (5020, 5543),
    "exposures": (6263, 7667),
    "occupational_risks": (6263, 7667),
    "incapacity": (6263, 7667),
}


@pytest.mark.parametrize("width", [1366, 390])
def test_no_chapter_is_taller_than_a_third_of_its_gallery(site, browser, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    heights = {}
    try:
        for chapter in THIRD_OF_BEFORE:
            page.goto(f"{site}/nl/chapters/nl/{chapter}.html")
            page.wait_for_load_state("load")
            page.evaluate("document.fonts.ready")
            heights[chapter] = page.evaluate("document.documentElement.scrollHeight")
    finally:
        page.close()
    limit = {c: v[0 if width == 1366 else 1] for c, v in THIRD_OF_BEFORE.items()}
    assert {c: h for c, h in heights.items() if h > limit[c]} == {}, heights


@pytest.mark.parametrize("lang", LANGS)
def test_the_home_page_leads_with_findings_that_read_on_a_phone(site, browser, lang):
    """Issue 22: the home page's findings, each a sentence with its number, the chapter's figure
    (its PNG, text at 11 px or more at 390 px), a link to its section and to the explorer."""
    from helpers.notebook import figures

    page = browser.new_page(viewport={"width": 390, "height": 800})
    try:
        page.goto(f"{site}/{lang}/index.html")
        page.wait_for_load_state("load")
        cards = page.evaluate("""() => [...document.querySelectorAll('.finding')].map(c => {
            const img = c.querySelector('img');
            return {text: c.innerText, w: img.getBoundingClientRect().width, natural: img.naturalWidth,
                    alt: img.getAttribute('alt'), sections: c.querySelectorAll('a.quarto-xref').length,
                    explorer: [...c.querySelectorAll('a')].some(a => a.href.includes('explorer.html?i=')),
                    top: c.getBoundingClientRect().top};
        })""")
        assert len(cards) == len(config.settings()["report"]["findings"])
        for c in cards:
            assert re.search(r"\d", c["text"]) and c["alt"] and c["sections"] >= 1, c
            assert c["natural"] > 0 and c["w"] <= 390
            assert figures.TEXT * 150 / 72 * c["w"] / c["natural"] >= 10.9, c  # PNGs are drawn at 150 dpi
        assert sum(c["explorer"] for c in cards) >= len(cards) - 1  # all but the ranked changes
        # the findings come before the rest of the home page's text
        about = page.evaluate("document.querySelectorAll('main h2')[1].getBoundingClientRect().top")
        assert max(c["top"] for c in cards) < about
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        page.close()


RUNNING_HEAD = re.compile(r"^(?:(?:Hoofdstuk|Chapitre)\s+\d+\.|\d+(?:\.\d+)+\s|[A-Z]\.\d+\s)")


@pytest.mark.parametrize("lang", LANGS)
def test_the_pdf_has_no_blank_page(rendered, lang):
    """Issue 22: no page of the PDF holds only its running head and number (a chapter used to
    wait for the next right-hand page); the title page of the appendices is a page of its own."""
    blank = []
    for number, page in enumerate(printed(rendered, lang).pages, start=1):
        lines = [x.strip() for x in page.text.splitlines() if x.strip()]
        words = [x for x in lines if not x.isdigit()]
        if not words or (len(words) == 1 and RUNNING_HEAD.match(words[0])):
            blank.append(number)
    assert blank == [], blank


@pytest.mark.parametrize("lang", LANGS)
def test_the_pdf_fills_a_chapters_pages_before_its_last(rendered, lang):
    """The figures float: one too tall for the rest of a page waits for the next, and the text
    goes on filling the page. Before, a figure moved whole to the next page and left the one before
    it half empty or worse (a chapter's page held two lines of text, Dutch p. 16 and 55). On every
    page of a chapter but its last, something is printed in the lower two thirds of the text area
    (a figure's caption is text, under its figure)."""
    margin = text_margin()
    pdf = printed(rendered, lang)
    starts = pdf.chapters
    assert len(starts) >= 10  # the chapters and appendices in the PDF's bookmarks
    sparse = {}
    for index, page in enumerate(pdf.pages):
        if index < min(starts) or index + 1 in starts or index == len(pdf.pages) - 1:
            continue  # the front matter, and a chapter's last page
        top = page.height - margin
        lowest = min([y for _, y in page.baselines if margin <= y <= top], default=top)
        filled = (top - lowest) / (top - margin)
        if filled < 1 / 3:
            sparse[index + 1] = f"{filled:.0%}"
    assert not sparse, sparse


@pytest.mark.parametrize("lang", LANGS)
def test_no_table_row_is_cut_at_a_pages_foot(rendered, lang):
    """A long table goes on over the next pages, its header repeated, but each row stays whole: the
    French exposures table left "contact avec elles (déchets, fluides" alone on p. 43, under a
    figure, and went on with "corporels, matériel de laboratoire)" on p. 44. After a header, a row
    starts: its first cell begins with a capital or a digit, never a word's continuation."""
    # the last column of the report's tables of estimates, whose header a table repeats on each page
    last_header = i18n.t(lang, "tables.headers.flag")
    headers, cut = 0, []
    for number, page in enumerate(printed(rendered, lang).pages, start=1):
        lines = [x.strip() for x in page.text.splitlines() if x.strip()]
        for line, following in zip(lines, lines[1:]):
            if line == last_header:
                headers += 1
                if following[0].islower():
                    cut.append((number, following))
    assert headers >= 10
    assert not cut, cut


def test_the_check_reads_the_rendered_site_and_pdf(rendered):
    """`python -m helpers check` on the rendered project: the pages, the PDFs' first chapter and
    their words in the right language."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("EWCS_")
    }  # the rendered copy's own folders
    r = subprocess.run(
        [sys.executable, "-m", "helpers", "check"],
        cwd=rendered,
        capture_output=True,
        text=True,
        env={**env, "EWCS_REPORT_ROOT": str(rendered)},
    )
    assert r.returncode == 0, r.stderr[-3000:]


DOWNLOADS = re.compile(r'<div class="figure-downloads">(.*?)</div>', re.S)
DOWNLOAD = re.compile(r'<a href="([^"]+)" class="(?:download-(\w+)|(figure-link))"')


@pytest.mark.parametrize("lang", LANGS)
def test_each_figure_of_the_edition_downloads_with_its_numbers_citation_and_licence(rendered, lang):
    """Issue 23: under each figure and table of the edition, its CSV (with its metadata sidecar)
    and XLSX, and for a figure its SVG and PNG, as the site serves them: they hold the figure and
    its numbers, the citation and the licence, and the figure has its own address."""
    import xml.etree.ElementTree as ET

    import openpyxl
    from PIL import Image

    licence = config.settings()["publication"]["licence"]["title"][lang]
    dc = "{http://purl.org/dc/elements/1.1/}"
    seen = 0
    for page in pages(rendered, lang):
        text = page.read_text(encoding="utf-8")
        page_text = html.unescape(re.sub(r"<[^>]+>", "", text)).replace("\u2019", "'")
        for block in DOWNLOADS.findall(text):
            d = {kind or "link": href for href, kind, link in DOWNLOAD.findall(block)}
            label = d["link"].removeprefix("#")
            kinds = {"csv", "json", "xlsx", "link"} | ({"svg", "png"} if label.startswith("fig-") else set())
            assert set(d) == kinds, (page.name, d)
            assert f'id="{label}"' in text, (page.name, label)  # the figure's own address
            seen += label.startswith("fig-")
            files = {k: (page.parent / v).resolve() for k, v in d.items() if k != "link"}
            assert all(f.exists() for f in files.values()), files
            sidecar = json.loads(files["json"].read_text(encoding="utf-8"))
            assert licence == sidecar["licenses"][0]["title"] and sidecar["title"] in sidecar["citation"]
            # Pandoc curls the apostrophes
            assert i18n.t(lang, "downloads.cite", citation=sidecar["citation"]) in page_text
            numbers = pd.read_csv(files["csv"], keep_default_na=False, na_values=[""])
            book = openpyxl.load_workbook(files["xlsx"])
            readme = " ".join(str(c.value) for c in book.worksheets[0]["A"] if c.value)
            assert sidecar["citation"] in readme and licence in readme
            rows = list(book.worksheets[-1].values)[1:]
            assert len(rows) == len(numbers)
            if "estimate" in numbers:
                at = list(numbers.columns).index("estimate")
                assert [r[at] for r in rows] == [None if pd.isna(x) else x for x in numbers.estimate]
            if label.startswith("fig-"):
                svg = ET.parse(files["svg"]).getroot()
                assert svg.find(f".//{dc}source").text == sidecar["citation"]
                png = Image.open(io.BytesIO(files["png"].read_bytes()))
                png.load()
                assert png.text["Source"] == sidecar["citation"] and licence in png.text["Copyright"]
    assert seen > 30


def _head(text: str, key: str) -> str | None:
    m = re.search(rf'<meta (?:name|property)="{re.escape(key)}" content="([^"]*)"', text)
    return m.group(1) if m else None


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_describes_itself_and_shows_a_figure_when_shared(rendered, lang):
    """Issue 23: a meta description written from the page (its first paragraph), Open Graph and
    Twitter tags, the page's first figure as its preview image (a PNG of that chapter), icons."""
    descriptions = set()
    for page in pages(rendered, lang):
        text = page.read_text(encoding="utf-8")
        about = _head(text, "description")
        assert about and len(about) >= 60 and about == _head(text, "og:description"), page.name
        descriptions.add(about)
        assert _head(text, "og:title") and _head(text, "twitter:title") and _head(text, "og:locale"), (
            page.name
        )
        assert re.search(r'<link href="[^"]*favicon\.svg" rel="icon"', text), page.name
        touch = re.search(r'<link rel="apple-touch-icon" href="([^"]+)"', text)
        assert touch and (page.parent / touch.group(1)).exists(), page.name
        figure = re.search(r'\bid="(fig-[a-z0-9-]+)"', text)
        image = _head(text, "og:image")
        if figure and "covid_impact" in page.name:
            assert image and image.endswith(f"/{figure.group(1)}-{config.edition_wave()}.png"), image
        if image:
            assert (page.parent / image).exists() and _head(text, "twitter:card") == "summary_large_image"
            assert _head(text, "og:image:alt"), page.name
    assert len(descriptions) == len(pages(rendered, lang))  # each its own, from its own content


def test_a_missing_page_answers_in_both_languages(rendered, site, browser):
    """Issue 23: the 404 page speaks both languages, the reader's first (chosen as the landing page
    chooses), with a link to each edition's home page."""
    text = (rendered / "_site" / "404.html").read_text(encoding="utf-8")
    for lang in LANGS:
        section = re.search(rf'<section lang="{lang}" id="lang-{lang}">(.*?)</section>', text, re.S)
        assert section and html.escape(i18n.t(lang, "book.not_found.title")) in section.group(1)
        assert f'href="/{lang}/index.html"' in section.group(1)
    context = browser.new_context(locale="fr-BE")
    try:
        page = context.new_page()
        page.goto(f"{site}/404.html")
        first = page.eval_on_selector("main section", "s => s.lang")
        assert first == "fr" and page.evaluate("document.documentElement.lang") == "fr"
        page.click("section[lang=fr] a.button")
        page.wait_for_load_state()
        assert page.url.endswith("/fr/index.html")
    finally:
        context.close()


SEARCHES = {
    "nl": [("burnout", "burnout.html"), ("burn out", "burnout.html"), ("telewerk", "covid_impact.html"),
           ("thuiswerk", "covid_impact.html"), ("bouw", None)],
    "fr": [("burnout", "burnout.html"), ("burn out", "burnout.html"), ("teletravail", "covid_impact.html"),
           ("télétravail", "covid_impact.html"), ("construction", None)],
}  # fmt: skip


@pytest.mark.parametrize("lang", LANGS)
def test_the_search_finds_what_readers_type(site, browser, lang):
    """Issue 23: Quarto's search finds other spellings and unaccented words, the chapter first, a
    sector by its name, with snippets that read as text (no run-together table cells)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        for query, first in SEARCHES[lang]:
            page.goto(f"{site}/{lang}/chapters/{lang}/foreword.html")
            page.click("#quarto-search .aa-DetachedSearchButton, #quarto-search button")
            page.fill(".aa-Input", query)
            page.wait_for_selector(".aa-Item a", timeout=10_000)
            hits = page.eval_on_selector_all(
                ".aa-Item a", "els => els.map(e => [e.getAttribute('href'), e.innerText])"
            )
            assert hits, query
            if first:
                assert hits[0][0].split("?")[0].endswith(first), (query, [h for h, _ in hits])
            else:  # a sector: chapters, no annex
                assert all("data_quality" not in h for h, _ in hits), (query, hits)
            for _, snippet in hits:
                # table cells run together read as numbers after numbers ("7% 1,8% 2,1%")
                assert not re.search(r"(\d+(,\d+)? ?%\s*){3}", snippet), (query, snippet)
    finally:
        page.close()


def test_switching_language_keeps_the_section_and_the_explorers_selection(site, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(f"{site}/nl/chapters/nl/burnout.html#sec-burnout-groups")
        page.click(".language-bar a[hreflang=fr]")
        page.wait_for_load_state()
        assert page.url.endswith("/fr/chapters/fr/burnout.html#sec-burnout-groups"), page.url
        assert page.evaluate("document.getElementById('sec-burnout-groups') !== null")
        page.goto(f"{site}/fr/chapters/fr/explorer.html?i=exhaustion&b=sector")
        page.wait_for_load_state("networkidle")
        selection = page.evaluate("location.search")
        assert "i=exhaustion" in selection and "b=sector" in selection
        page.click(".language-bar a[hreflang=nl]")
        page.wait_for_load_state("networkidle")
        assert page.url.split("?")[0].endswith("/nl/chapters/nl/explorer.html")
        assert page.evaluate("location.search") == selection
    finally:
        page.close()


@pytest.mark.parametrize("lang", LANGS)
def test_the_sites_open_data_is_a_valid_data_package(rendered, lang):
    """Issue 23: the package the site serves passes `frictionless validate` (the library's own
    command line), every resource read back."""
    package = rendered / "_site" / lang / "build" / "store" / lang / "opendata" / "datapackage.json"
    r = subprocess.run(
        [sys.executable, "-m", "frictionless", "validate", "--json", str(package)],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert json.loads(r.stdout)["valid"] is True


def test_french_names_a_table_tableau_on_the_site_and_in_the_pdf(rendered):
    """Issue 22: Quarto's French catalogue says "Table"; the French edition says "Tableau"."""
    captions = []
    for page in pages(rendered, "fr"):
        text = page.read_text(encoding="utf-8")
        captions += re.findall(r"(Tableau|Table)&nbsp;\d+\.\d+", text)
    assert captions and set(captions) == {"Tableau"}, sorted(set(captions))
    words = " ".join(p.text for p in printed(rendered, "fr").pages)
    assert re.search(r"Tableau\s+\d+\.\d+", words) and not re.search(r"\bTable\s+\d+\.\d+", words)


def test_printing_a_chapter_prints_the_chapter_with_its_tables_open(site, browser):
    """Issue 22: a web chapter printed from the browser holds the chapter alone (no site bar,
    sidebars or language bar) with its folded tables of numbers open and links' addresses shown."""
    from pypdf import PdfReader

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(f"{site}/nl/chapters/nl/burnout.html")
        count = "ts => ts.filter(t => t.checkVisibility({visibilityProperty: true})).length"
        tables = page.eval_on_selector_all("details.figure-data table", "ts => ts.length")
        assert tables > 5 and page.eval_on_selector_all("details.figure-data table", count) == 0
        page.emulate_media(media="print")
        assert page.eval_on_selector_all("details.figure-data table", count) == tables
        for hidden in ("#quarto-header", "#quarto-sidebar", ".language-bar", ".figure-downloads"):
            assert page.eval_on_selector(hidden, "e => getComputedStyle(e).display") == "none", hidden
        after = page.eval_on_selector(
            "main a[href^='http']:not(.quarto-xref)", "a => getComputedStyle(a, '::after').content"
        )
        assert "http" in after
        first_cell = page.eval_on_selector("details.figure-data tbody td", "td => td.textContent.trim()")
        paper = PdfReader(io.BytesIO(page.pdf(format="A4")))
        text = " ".join(" ".join(p.extract_text() for p in paper.pages).split())
        assert " ".join(first_cell.split()) in text and "Downloaden" not in text
    finally:
        page.close()


CAPTION_WEB = re.compile(
    r'<figcaption class="[^"]*quarto-float-caption[^"]*"[^>]*>\s*'
    r"(\w+)&nbsp;([A-Z0-9]+\.\d+)[:\s]+(.*?)\s*</figcaption>",
    re.S,
)
TABLE = {"Tabel", "Tableau"}  # a table's name in a caption, nl and fr
CAPTION_PDF = {  # Typst's caption: "Figuur 3.1: …" (nl), "Figure 3.1. – …" (fr), at a line's start
    "nl": re.compile(r"^(Figuur|Tabel) ([A-Z0-9]+\.\d+): (.*)$", re.M),
    "fr": re.compile(r"^(Figure|Tableau) ([A-Z0-9]+\.\d+)\. – (.*)$", re.M),
}


def web_captions(rendered: Path, lang: str) -> list[tuple[str, str, str]]:
    """The website's figures and tables in the book's order: (kind, number, caption as text)."""
    profile = yaml.safe_load((config.ROOT / f"_quarto-{lang}.yml").read_text(encoding="utf-8"))
    web = []
    for chapter in check.book_files(profile["book"]):
        page = rendered / "_site" / lang / chapter.replace(".qmd", ".html")
        for kind, number, caption in CAPTION_WEB.findall(page.read_text(encoding="utf-8")):
            web.append((kind, number, " ".join(html.unescape(re.sub(r"<[^>]+>", "", caption)).split())))
    return web


@pytest.mark.parametrize("lang", LANGS)
def test_the_website_and_the_pdf_number_the_same_figures_and_tables(rendered, lang):
    """Issue 22: a figure is cited across the two: the same figures and tables under the same
    numbers and captions, each kind in the same order. The PDF's figures float (a tall one goes to
    the next page while the text and a table go on), so a figure and a table may trade places there;
    two figures never do."""
    web = web_captions(rendered, lang)
    text = "\n".join(p.text for p in printed(rendered, lang).pages)
    # the PDF's text gives a hyphen that Typst may break after as a soft one (WHO\xad5\xadindex)
    in_print = [
        (k, n, " ".join(c.replace("\xad", "-").split())) for k, n, c in CAPTION_PDF[lang].findall(text)
    ]
    assert len(web) > 30 and {k for k, _, _ in web} == {k for k, _, _ in in_print}
    for kind in {k for k, _, _ in web}:
        on_web = [(n, c) for k, n, c in web if k == kind]
        in_pdf = [(n, c) for k, n, c in in_print if k == kind]
        assert [n for n, _ in on_web] == [n for n, _ in in_pdf], kind
        for (number, web_caption), (_, pdf_caption) in zip(on_web, in_pdf, strict=True):
            # a caption may run over two lines in the PDF: the first line starts the web caption
            assert web_caption.startswith(pdf_caption[:30]), (number, web_caption, pdf_caption)


@pytest.mark.parametrize("lang", LANGS)
def test_nothing_in_the_pdf_runs_below_the_text_area_into_the_page_number(rendered, lang):
    """Issue 22: Typst laid a figure taller than the page out at its natural size, and its caption
    ran over the page number (ten pages of each PDF). Below the text area (the bottom margin of
    _quarto.yml) there is only the page number, on every page but the cover."""
    bottom = text_margin()  # points from the page's foot
    pages = printed(rendered, lang).pages
    assert len(pages) > 40
    overflow = {}
    for number, page in enumerate(pages[1:], start=2):  # the cover prints the publisher at its foot
        low = [text for text, y in page.baselines if y < bottom]
        if any(not text.isdigit() for text in low):
            overflow[number] = low[:4]
    assert not overflow, overflow


@pytest.mark.parametrize("lang", LANGS)
def test_a_tables_caption_is_on_the_page_where_the_table_starts(rendered, lang):
    """A table that did not fit at the foot of a page started on the next and left its caption (set
    above it) alone at the foot of the first (Tabel 7.1 in Dutch, Tableau 3.1 in French): on the page
    of a table's caption, something follows the caption's own lines."""
    captions = {number: caption for kind, number, caption in web_captions(rendered, lang) if kind in TABLE}
    assert len(captions) >= 8
    seen, alone = set(), []
    for page_number, page in enumerate(printed(rendered, lang).pages, start=1):
        lines = [" ".join(x.replace("\xad", "").split()) for x in page.text.splitlines()]
        lines = [x for x in lines if x]
        while lines and lines[-1].isdigit():  # the page number
            lines.pop()
        for i, line in enumerate(lines):
            m = CAPTION_PDF[lang].match(line)
            if not m or m.group(1) not in TABLE:
                continue
            seen.add(m.group(2))
            caption = captions[m.group(2)].replace("-", "")
            after = [x for x in lines[i + 1 :] if x.replace("-", "") not in caption]
            if not after:
                alone.append((page_number, line))
    assert seen == set(captions)
    assert not alone, alone
