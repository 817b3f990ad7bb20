"""The rendered report as its readers get it (issue 10): every page titled and accessible, the
landing page, each figure's table alternative and CSV, figures whose text never overlaps, and the
same provenance in every page's footer and in the PDF's colophon.

Reads the ``rendered`` fixture (a clean copy built and rendered with the real Quarto once per
session); the browser tests also need Playwright and a Chromium. Each skips, saying why, without.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers.book import provenance
from helpers.core import config, i18n
from helpers.publish import check, postrender

AXE = config.ROOT / "tests" / "vendor" / "axe-core-4.14.1" / "axe.min.js"
LANGS = ["nl", "fr"]


def pages(rendered: Path, lang: str) -> list[Path]:
    edition = rendered / "_site" / lang
    return sorted(p for p in edition.rglob("*.html") if "site_libs" not in p.parts)


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
        elif tag == "a" and "csv-link" in classes and self.blocks[-1]["csv"] is None:
            self.blocks[-1]["csv"] = a.get("href")

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_table = False
        elif tag == "details":
            self._in_details = False


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_is_titled_and_its_footer_names_the_colophons_versions(rendered, lang):
    prov = json.loads((rendered / "build" / "quarto" / "provenance.json").read_text(encoding="utf-8"))
    from pypdf import PdfReader

    pdf = rendered / "_site" / lang / postrender.edition_pdf(lang)
    reader = PdfReader(pdf)
    colophon = re.sub(r"\s+", " ", reader.pages[1].extract_text())
    assert i18n.t(lang, "book.colophon.title") in colophon
    assert prov["data_version"] in colophon and prov["code_version"] in colophon
    for f in prov["inputs"]:  # every raw input with its full SHA-256
        assert f["sha256"] in colophon.replace(" ", ""), f["file"]
    assert provenance.data_version(prov["inputs"]) == prov["data_version"]
    cover = re.sub(r"\s+", " ", reader.pages[0].extract_text())
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
    assert figures > 100


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
    assert len(svgs) > 100
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


def test_figures_keep_a_readable_size_on_a_phone(site, browser):
    """At 390 px a figure is drawn at least 540 px wide (its 10 pt text at about 11 px) and scrolls
    in a frame that the keyboard can reach and that is named after the figure."""
    page = browser.new_page(viewport={"width": 390, "height": 800})
    try:
        page.goto(f"{site}/nl/chapters/nl/psychosocial_risks.html")
        page.wait_for_load_state("load")
        frames = page.evaluate("""() => [...document.querySelectorAll('.figure-scroll .figure-img')]
          .filter(i => i.offsetParent).map(i => ({w: i.getBoundingClientRect().width,
            tab: i.parentElement.getAttribute('tabindex'), label: \
i.parentElement.getAttribute('aria-label')}))""")
        assert frames
        for f in frames:
            assert f["w"] >= 540 and f["tab"] == "0" and f["label"], f
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        page.close()


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
