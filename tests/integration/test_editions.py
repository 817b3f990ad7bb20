"""Editions that stay online (issue 26): two editions built from one repository and published into
one folder with ``python -m helpers publish DEST``.

The 2026 edition is the session's rendered copy (``rendered``); the 2028 edition is the same project
with its edition and date changed, built and rendered again (its notebooks and estimates are
current: what changed only the book reads). The first edition's files must be
byte-identical after the second is published; the landing page lists both, the latest marked; the
older edition's pages show a note with a link to the newer one (through ``editions.js``, which
they already load), and the newer's do not."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from conftest import _Quiet, clean_build
from helpers.core import config, i18n

URL = "https://example.be/arbeidsomstandigheden/"
AXE = config.ROOT / "tests" / "vendor" / "axe-core-4.14.1" / "axe.min.js"


def _env() -> dict:
    return {k: v for k, v in os.environ.items() if not k.startswith("EWCS_") and k != "SOURCE_DATE_EPOCH"}


def publish(root: Path, dest: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "helpers", "publish", str(dest), "--site-url", URL, *extra],
        cwd=root,
        capture_output=True,
        text=True,
        env=_env(),
    )


def hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def two_editions(rendered, tmp_path_factory):
    """DEST with edition 2026 (the rendered copy), then 2028 (a copy of it with publication.edition
    and report.date changed, built again); the 2026 files' hashes taken before 2028 was published."""
    dest = tmp_path_factory.mktemp("publication") / "report"
    r = publish(rendered, dest)
    assert r.returncode == 0, r.stdout + r.stderr
    first = hashes(dest / "2026")
    later = tmp_path_factory.mktemp("edition-2028") / "repo"
    shutil.copytree(rendered, later, symlinks=True)
    settings = later / "data" / "settings.yaml"
    text = settings.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^(  edition:\s*)2026\b", r"\g<1>2028", text)
    text = re.sub(r"(?m)^(  date:\s*)2026-12-01\b", r"\g<1>2028-12-01", text)
    settings.write_text(text, encoding="utf-8")
    assert yaml.safe_load(text)["publication"]["edition"] == 2028
    b = clean_build(later)
    assert b.returncode == 0, b.stdout[-3000:] + b.stderr[-3000:]
    # the edition and its date are the book's alone (config.BOOK_SETTINGS): no notebook runs again
    assert re.search(r"(?m)^notebooks: all \d+ up to date$", b.stdout + b.stderr), b.stdout[-3000:]
    r = publish(later, dest)
    assert r.returncode == 0, r.stdout + r.stderr
    return {"dest": dest, "first": first, "later": later, "log": r.stdout}


def test_the_first_edition_is_byte_identical_after_the_second_is_published(two_editions):
    dest = two_editions["dest"]
    assert hashes(dest / "2026") == two_editions["first"]
    assert (dest / "2028" / "nl" / "index.html").exists() and (dest / "2028" / "fr" / "index.html").exists()
    assert any((dest / "2028" / "nl").glob("*.pdf"))
    # the edition's own list of hashes matches its files
    sums = (dest / "2026" / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    listed = dict(reversed(line.split("  ", 1)) for line in sums)
    assert listed == {k: v for k, v in hashes(dest / "2026").items() if k != "SHA256SUMS"}


def test_what_spans_the_editions_names_both_the_latest_first(two_editions):
    dest = two_editions["dest"]
    manifest = json.loads((dest / "editions.json").read_text(encoding="utf-8"))
    assert [e["edition"] for e in manifest["editions"]] == [2028, 2026]
    assert all(e["wave"] == 2024 for e in manifest["editions"])
    landing = (dest / "index.html").read_text(encoding="utf-8")
    for lang in i18n.languages():
        section = re.search(rf'<section lang="{lang}">(.*?)</section>', landing, re.S).group(1)
        links = re.findall(r'<li><a href="([^"]+)"', section)
        assert links == [f"2028/{lang}/index.html", f"2026/{lang}/index.html"]
        assert all((dest / link).exists() for link in links)
    locs = re.findall(r"<loc>(.*?)</loc>", (dest / "sitemap.xml").read_text(encoding="utf-8"))
    pages = [p for e in ("2026", "2028") for p in (dest / e).rglob("*.html")]
    assert {URL + p.relative_to(dest).as_posix() for p in pages} <= set(locs)
    assert f"Sitemap: {URL}sitemap.xml" in (dest / "robots.txt").read_text(encoding="utf-8")


def test_published_pages_carry_their_absolute_addresses(two_editions):
    """Issue 23: every page of a published edition has its canonical address, absolute hreflang
    alternates (search engines require them), and Open Graph tags with absolute addresses; the
    sitemap lists every page; a missing address answers with the bilingual 404 page."""
    dest = two_editions["dest"]
    locs = set(re.findall(r"<loc>(.*?)</loc>", (dest / "sitemap.xml").read_text(encoding="utf-8")))
    for edition in ("2026", "2028"):
        for page in sorted((dest / edition).rglob("*.html")):
            url = URL + page.relative_to(dest).as_posix()
            text = page.read_text(encoding="utf-8")
            assert url in locs, url
            assert f'<link rel="canonical" href="{url}">' in text, url
            alternates = re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)"', text)
            assert alternates and all(href.startswith(URL) for _, href in alternates), (url, alternates)
            for _, href in alternates:  # each alternate is a page of the publication
                assert (dest / href.removeprefix(URL)).exists(), href
            if page.parent.name in i18n.languages() or "chapters" in page.parts:
                assert f'<meta property="og:url" content="{url}">' in text, url
                assert re.search(r'<meta name="description" content="[^"]{60,}"', text), url
                image = re.search(r'<meta property="og:image" content="([^"]+)"', text)
                if image:
                    assert (
                        image.group(1).startswith(URL) and (dest / image.group(1).removeprefix(URL)).exists()
                    )
    missing = (dest / "404.html").read_text(encoding="utf-8")
    for lang in i18n.languages():
        assert f'<section lang="{lang}" id="lang-{lang}">' in missing
        assert f'href="{URL}2028/{lang}/index.html"' in missing  # the latest edition, absolute


def test_publishing_again_changes_nothing_and_a_stale_site_is_refused(two_editions):
    dest, later = two_editions["dest"], two_editions["later"]
    before = hashes(dest)
    r = publish(later, dest)
    assert r.returncode == 0 and "unchanged" in r.stdout, r.stdout + r.stderr
    assert hashes(dest) == before
    chapter = later / "chapters" / "nl" / "burnout.qmd"
    original = chapter.read_text(encoding="utf-8")
    chapter.write_text(original + "\nEen zin die na de build is toegevoegd.\n", encoding="utf-8")
    try:
        r = publish(later, dest)
    finally:
        chapter.write_text(original, encoding="utf-8")
    assert r.returncode == 2
    assert r.stderr.startswith("error: cannot publish:") and "python -m helpers build" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert hashes(dest) == before


@pytest.fixture(scope="module")
def served(two_editions):
    handler = functools.partial(_Quiet, directory=str(two_editions["dest"]))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _open(browser, url: str, width: int = 1280):
    page = browser.new_page(viewport={"width": width, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    page.wait_for_load_state("load")
    return page, requests


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_the_older_editions_pages_point_to_the_newer_one(served, browser, lang):
    page, requests = _open(browser, f"{served}/2026/{lang}/chapters/{lang}/burnout.html")
    try:
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(
            "async () => (await axe.run('.edition-note', {resultTypes: ['violations']})).violations"
            ".map(x => x.id)"
        )
        assert not violations
        note = page.locator(".edition-note")
        assert note.count() == 1
        assert i18n.t(lang, "editions.newer", edition=2028, wave=2024) in note.inner_text()
        # (Quarto's scripts drop the index.html of a site's links)
        href = note.locator("a").get_attribute("href").removesuffix("index.html")
        assert href == f"{served}/2028/{lang}/"
        assert note.is_visible()
        page.click(".edition-note a")
        page.wait_for_load_state("load")
        assert page.url.removesuffix("index.html") == href
        assert page.locator(".edition-note").count() == 0
    finally:
        page.close()
    assert all(u.startswith(served) for u in requests), [u for u in requests if not u.startswith(served)]


def test_the_landing_page_shows_both_editions_on_a_phone(served, browser):
    page, requests = _open(browser, f"{served}/index.html?choose", width=390)
    try:
        for lang in i18n.languages():
            items = page.locator(f'section[lang="{lang}"] ul.archive li')
            assert items.count() == 2
            assert i18n.t(lang, "editions.latest") in items.nth(0).inner_text()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the landing page scrolls sideways on a phone ({width}px)"
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".filter(x => x.impact === 'serious' || x.impact === 'critical').map(x => x.id)"
        )
        assert not violations
    finally:
        page.close()
    assert all(u.startswith(served) for u in requests)
