"""The site's search index after Quarto (issue 23, item 5), the page's description and preview
image (item 4) and a published page's absolute addresses, on hand-made pages."""

from __future__ import annotations

import json
from pathlib import Path

from helpers.core import i18n
from helpers.publish import editions, postrender, search

PAGE = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<meta name="keywords" content="burnout, burn out, télétravail">
<meta property="og:description" content="">
<meta property="og:image" content="figure-html/cell-2-output-1.svg">
</head><body><nav class="language-bar"><a href="x">Nederlands</a></nav>
<main class="content" id="quarto-document-content">
<header id="title-block-header"><h1 class="title">Burn-out</h1></header>
<div class="callout callout-synthetic"><p>Données synthétiques : ne pas citer ces chiffres.</p></div>
<p>Le burn-out est un état d’épuisement qui survient après une exposition prolongée au stress au travail.
L’enquête ne pose pas de diagnostic.</p>
<section id="sec-burnout-groups" class="level2"><h2 class="anchored">6.2 Qui est le plus exposé ?</h2>
<p>L’épuisement est le plus fréquent dans la santé humaine (35 %).</p>
<div id="fig-burnout-x" class="quarto-float quarto-figure"><figure><div class="figure-scroll">
<img src="figure-html/x.svg" class="figure-img" alt="Diagramme en barres de l’épuisement"></div>
<figcaption>Épuisement par secteur</figcaption></figure></div>
<details class="figure-data"><summary>Chiffres</summary><table><tr><td>Industrie</td><td>16 %</td>
<td>10 %</td><td>23 %</td></tr></table></details>
<div class="figure-downloads"><p>Télécharger : <a href="a.svg" class="download-svg">Figure (SVG)</a></p></div>
<div class="panel-tabset"><ul class="nav nav-tabs"><li>2015</li></ul><p>Onglet 2010</p></div>
</section>
<div class="edition-provenance">produit le 1er décembre 2026</div>
</main></body></html>
"""


def _edition(tmp_path: Path) -> Path:
    edition = tmp_path / "fr"
    page = edition / "chapters" / "fr" / "burnout.html"
    page.parent.mkdir(parents=True)
    page.write_text(PAGE, encoding="utf-8")
    docs = [
        {"objectID": h, "href": h, "title": "6 Burn-out", "section": "", "text": "Industrie 16 % 10 % 23 %"}
        for h in ("chapters/fr/burnout.html", "chapters/fr/burnout.html#sec-burnout-groups")
    ]
    (edition / "search.json").write_text(json.dumps(docs), encoding="utf-8")
    return edition


def test_the_index_holds_the_prose_the_keywords_and_the_unaccented_sentences(tmp_path):
    edition = _edition(tmp_path)
    assert search.rewrite(edition, "fr") == 2
    page, section = json.loads((edition / "search.json").read_text(encoding="utf-8"))
    terms = i18n.t("fr", "book.search_terms")
    assert page["text"].startswith(f"{terms}: burnout, burn out, télétravail\nLe burn-out est un état")
    assert "Le burn-out est un etat d’epuisement qui survient" in page["text"]  # without its accents
    assert "teletravail" in page["text"]
    assert "synthétiques" not in page["text"] and "1er décembre" not in page["text"]  # notice, footer
    # a section: its prose only, its title filled in (Quarto leaves it empty after a shortcode)
    assert section["section"] == "6.2 Qui est le plus exposé ?"
    assert section["text"].startswith("L’épuisement est le plus fréquent dans la santé humaine (35 %).")
    for left_out in ("16 %", "Figure (SVG)", "Onglet", "2015", terms, "Qui est le plus"):
        assert left_out not in section["text"], left_out


def test_the_index_is_rewritten_from_the_page_so_running_twice_changes_nothing(tmp_path):
    edition = _edition(tmp_path)
    search.rewrite(edition, "fr")
    once = (edition / "search.json").read_text(encoding="utf-8")
    search.rewrite(edition, "fr")
    assert (edition / "search.json").read_text(encoding="utf-8") == once


def test_fold_removes_accents_only():
    assert i18n.fold("Télétravail, santé, être, Noël") == "Teletravail, sante, etre, Noel"


def test_the_description_is_the_first_paragraph_of_prose_cut_at_a_sentence():
    about = postrender.description(PAGE, limit=120)
    first = "Le burn-out est un état d’épuisement qui survient après une exposition prolongée au stress"
    assert about == first + " au travail."
    assert postrender.description(PAGE.replace("<p>Le burn-out", "<p>Court.</p><p>Le burn-out", 1))


def test_the_preview_image_is_the_pages_first_figure_as_png(tmp_path):
    edition = _edition(tmp_path)
    page = edition / "chapters" / "fr" / "burnout.html"
    png = edition / "build" / "store" / "fr" / "figures" / "fig-burnout-x-2024.png"
    png.parent.mkdir(parents=True)
    png.write_bytes(b"\x89PNG\r\n\x1a\n")
    tags, text = postrender.social(PAGE, page, edition, "fr")
    assert '<meta property="og:image" content="../../build/store/fr/figures/fig-burnout-x-2024.png">' in tags
    assert '<meta property="og:image:alt" content="Diagramme en barres de l’épuisement">' in tags
    assert "cell-2-output-1.svg" not in text and 'og:description" content=""' not in text
    assert '<meta property="og:locale" content="fr_BE">' in tags
    assert '<meta name="description" content="Le burn-out est un état' in tags


def test_a_published_page_gets_absolute_addresses():
    page = (
        '<html><head><link rel="alternate" hreflang="nl" href="../../../nl/chapters/nl/burnout.html">'
        '<meta property="og:image" content="../../build/store/fr/figures/fig-x-2024.png"></head></html>'
    )
    url = "https://example.be/rapport/2026/fr/chapters/fr/burnout.html"
    out = editions.absolute(page, url)
    assert 'href="https://example.be/rapport/2026/nl/chapters/nl/burnout.html"' in out
    assert 'content="https://example.be/rapport/2026/fr/build/store/fr/figures/fig-x-2024.png"' in out
    assert (
        f'<link rel="canonical" href="{url}">' in out and f'<meta property="og:url" content="{url}">' in out
    )
    assert editions.absolute(out, url) == out  # publishing again writes the same page
