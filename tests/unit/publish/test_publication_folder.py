"""The editions of a publication folder: the landing page, the note's script, the sitemap, and an
edition once published left as it is (the whole flow, with real renders:
tests/integration/test_editions.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers.core import i18n
from helpers.core.errors import PipelineError
from helpers.publish import editions

TWO = [
    {"edition": 2026, "wave": 2024, "date": "2026-12-01", "langs": ["nl", "fr"]},
    {"edition": 2028, "wave": 2027, "date": "2028-12-01", "langs": ["nl", "fr"]},
]


def test_the_landing_page_lists_every_edition_and_leads_to_the_latest():
    page = editions.chooser(editions=TWO)
    for lang in i18n.languages():
        section = re.search(rf'<section lang="{lang}">(.*?)</section>', page, flags=re.S).group(1)
        button = re.search(r'class="button" href="([^"]+)"', section).group(1)
        assert button == f"2028/{lang}/index.html"
        items = re.findall(r"<li>(.*?)</li>", section, flags=re.S)
        assert [re.search(r'href="([^"]+)"', i).group(1) for i in items] == [
            f"2028/{lang}/index.html",
            f"2026/{lang}/index.html",
        ]
        latest = i18n.t(lang, "editions.latest")
        assert latest in items[0] and latest not in items[1]
        assert i18n.t(lang, "editions.wave", wave=2027) in items[0]
    # the redirect of a visitor from elsewhere goes to the latest edition too
    assert 'location.replace("2028/" + code' in page
    # an edition's own chooser (no editions): beside its languages
    assert 'href="nl/index.html"' in editions.chooser() and "<ul" not in editions.chooser()


def test_the_script_knows_the_latest_edition_and_says_so_in_each_language():
    js = editions.script(TWO)
    assert '"latest": 2028' in js
    for lang in i18n.languages():
        assert i18n.t(lang, "editions.newer", edition=2028, wave=2027) in js
    # an edition alone (the unpublished _site/) is its own latest: no note
    assert '"latest": 2026' in editions.script(TWO[:1])


def test_every_page_loads_the_script_from_above_its_edition(tmp_path):
    root = tmp_path / "2026"
    tag = editions.script_tag(root / "nl" / "chapters" / "nl" / "burnout.html", root, 2026)
    assert tag == '<script src="../../../../editions.js" data-edition="2026" defer></script>'
    assert editions.script_tag(root / "nl" / "index.html", root, 2026).startswith(
        '<script src="../../editions.js"'
    )


def test_the_sitemap_gives_every_page_of_every_edition_its_absolute_address(tmp_path):
    for e in TWO:
        for rel in ("nl/index.html", "fr/chapters/fr/burnout.html"):
            page = tmp_path / str(e["edition"]) / rel
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text("<html></html>")
    xml = editions.sitemap(tmp_path, TWO, "https://example.be/report")
    locs = re.findall(r"<loc>(.*?)</loc>", xml)
    assert locs[0] == "https://example.be/report/"
    assert "https://example.be/report/2026/fr/chapters/fr/burnout.html" in locs
    assert "https://example.be/report/2028/nl/index.html" in locs
    assert len(locs) == 5
    assert "<lastmod>2028-12-01</lastmod>" in xml


def _edition(folder: Path, text: str) -> Path:
    (folder / "nl").mkdir(parents=True)
    (folder / "nl" / "index.html").write_text(text)
    (folder / editions.SUMS).write_text(editions._sums(folder))
    return folder


def test_an_edition_already_published_is_not_changed(tmp_path):
    target = _edition(tmp_path / "2026", "published")
    before = (target / "nl" / "index.html").read_bytes()
    # the same files again: nothing to do
    assert (
        editions._place(_edition(tmp_path / "stage1", "published"), target, replace=False, log=print) is False
    )
    # other files under the same edition: refused, the published edition as it was
    with pytest.raises(PipelineError, match="a published edition is not changed"):
        editions._place(_edition(tmp_path / "stage2", "corrected"), target, replace=False, log=print)
    assert (target / "nl" / "index.html").read_bytes() == before
    assert not (tmp_path / "stage2").exists()
    # --replace: the correction takes its place, at the same addresses
    assert editions._place(_edition(tmp_path / "stage3", "corrected"), target, replace=True, log=print)
    assert (target / "nl" / "index.html").read_text() == "corrected"


def test_the_site_address_must_be_an_address():
    assert editions.site_url("https://example.be/report/") == "https://example.be/report/"
    with pytest.raises(PipelineError, match="not an address"):
        editions.site_url("example.be/report")
