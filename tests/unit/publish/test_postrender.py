"""Quarto's post-render step: the editions linked to each other, nothing of the build machine left."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.book import provenance
from helpers.core import config, i18n, layout
from helpers.publish import postrender

PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>t</title></head>
<body><main class="content" id="quarto-document-content"><h1>x</h1></main></body></html>
"""


@pytest.fixture
def site(tmp_path, monkeypatch) -> Path:
    """Rendered pages of both editions, and the edition's provenance the footer is written from, in
    a build folder of the test's own (nothing of the grid is needed)."""
    build = tmp_path / "build"
    layout.provenance_path(build).parent.mkdir(parents=True)
    layout.provenance_path(build).write_text(json.dumps(provenance.provenance({})), encoding="utf-8")
    monkeypatch.setattr(config, "BUILD_DIR", build)
    monkeypatch.setenv("EWCS_BUILD_DIR", str(build))
    site = tmp_path / "_site"
    for lang in ("nl", "fr"):
        for rel in ("index.html", f"chapters/{lang}/burnout.html", "search.html"):
            page = site / lang / rel
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(PAGE.format(lang=lang), encoding="utf-8")
    return site


def test_postrender_links_every_page_to_the_other_language(site):
    assert postrender.postrender(site / "fr", "fr") == 3
    page = (site / "fr" / "chapters" / "fr" / "burnout.html").read_text(encoding="utf-8")
    assert '<link rel="alternate" hreflang="nl" href="../../../nl/chapters/nl/burnout.html">' in page
    assert '<link rel="alternate" hreflang="fr" href="burnout.html">' in page
    assert 'hreflang="x-default" href="../../../index.html"' in page
    bar = re.search(r'<nav class="language-bar".*?</nav>', page, re.S).group(0)
    assert (
        'href="../../../nl/chapters/nl/burnout.html"' in bar and i18n.t("fr", "report.other_language") in bar
    )
    assert f'href="../../{postrender.edition_pdf("fr")}"' in bar
    assert page.index("<main") < page.index("language-bar")  # inside the page's content, for every theme
    for rel in ("index.html", "search.html"):  # pages outside chapters/ map to the same path
        assert f'hreflang="nl" href="{"../" + "nl/" + rel}"' in (site / "fr" / rel).read_text()
    assert not any("language-bar" in p.read_text() for p in (site / "nl").rglob("*.html"))


def test_postrender_is_idempotent(site):
    postrender.postrender(site / "nl", "nl")
    first = {p: p.read_text() for p in site.rglob("*.html")}
    postrender.postrender(site / "nl", "nl")
    assert {p: p.read_text() for p in site.rglob("*.html")} == first
    assert first[site / "nl" / "index.html"].count('class="language-bar"') == 1


def test_postrender_removes_the_build_machines_notebook_paths(site):
    """Quarto leaves data-notebook="/abs/path/build/executed/..." on embedded cells in a book."""
    page = site / "nl" / "chapters" / "nl" / "burnout.html"
    cell = (
        '<div class="quarto-embed-nb-cell" '
        'data-notebook="/home/someone/repo/build/executed/2024/nl/burnout.ipynb" '
        'data-notebook-title="Burn-out: theme notebook" data-notebook-cellid="cell-fig-burnout-key-2024">'
        '<div id="fig-burnout-key-2024" class="cell">x</div></div>'
    )
    page.write_text(page.read_text().replace("<h1>x</h1>", "<h1>x</h1>" + cell), encoding="utf-8")
    postrender.postrender(site / "nl", "nl")
    text = page.read_text(encoding="utf-8")
    assert "data-notebook" not in text and "/home/someone" not in text
    assert (
        '<div class="quarto-embed-nb-cell"><div id="fig-burnout-key-2024" class="cell">x</div></div>' in text
    )


def test_postrender_names_chapter_links_by_what_they_show(site):
    """Quarto's previous/next links show "6 Burn-out" but are named "Burn-out" (WCAG 2.5.3)."""
    page = site / "nl" / "chapters" / "nl" / "burnout.html"
    link = (
        '<a href="../../chapters/nl/methodology.html" class="pagination-link" aria-label="Methode">'
        '<span class="nav-page-text"><span class="chapter-number">8</span>&nbsp; Methode</span></a>'
    )
    page.write_text(page.read_text().replace("<h1>x</h1>", "<h1>x</h1>" + link), encoding="utf-8")
    postrender.postrender(site / "nl", "nl")
    text = page.read_text(encoding="utf-8")
    assert '<a href="../../chapters/nl/methodology.html" class="pagination-link"><span' in text
    assert 'aria-label="Methode"' not in text


def test_site_index_offers_both_languages(site):
    postrender.postrender(site / "nl", "nl")
    index = (site / "index.html").read_text(encoding="utf-8")
    for lang in ("nl", "fr"):
        assert f'href="{lang}/index.html" hreflang="{lang}"' in index
        assert html.escape(i18n.t(lang, "report.title")) in index
    assert "navigator.languages" in index


def test_postrender_from_quartos_environment(site):
    env = dict(os.environ, QUARTO_PROJECT_OUTPUT_DIR=str(site / "fr"), QUARTO_PROFILE="fr")
    r = subprocess.run(
        [sys.executable, "-m", "helpers", "postrender"], capture_output=True, text=True, env=env
    )
    assert r.returncode == 0, r.stderr
    assert "language-bar" in (site / "fr" / "index.html").read_text()
    env["QUARTO_PROFILE"] = "nl,fr"
    r = subprocess.run(
        [sys.executable, "-m", "helpers", "postrender"], capture_output=True, text=True, env=env
    )
    assert r.returncode != 0 and "QUARTO_PROFILE" in r.stderr


def test_a_partial_render_decorates_the_pages_it_wrote(site, monkeypatch):
    """`quarto render <one chapter>` and the live preview: the pages Quarto wrote
    (QUARTO_PROJECT_OUTPUT_FILES, relative to the project) are decorated, the others left alone;
    a whole render (QUARTO_PROJECT_RENDER_ALL) decorates every page."""
    monkeypatch.chdir(site.parent)
    monkeypatch.setenv("QUARTO_PROJECT_OUTPUT_DIR", "_site/nl")
    monkeypatch.setenv("QUARTO_PROFILE", "nl")
    monkeypatch.setenv(
        "QUARTO_PROJECT_OUTPUT_FILES", "_site/nl/chapters/nl/burnout.html\n_site/nl/search.json"
    )
    monkeypatch.delenv("QUARTO_PROJECT_RENDER_ALL", raising=False)
    assert postrender.from_environment() == 1
    decorated = {
        p.relative_to(site).as_posix() for p in site.rglob("*.html") if "language-bar" in p.read_text()
    }
    assert decorated == {"nl/chapters/nl/burnout.html"}
    assert 'data-edition="' in (site / "nl" / "chapters" / "nl" / "burnout.html").read_text()
    monkeypatch.setenv("QUARTO_PROJECT_RENDER_ALL", "1")
    assert postrender.from_environment() == 3
