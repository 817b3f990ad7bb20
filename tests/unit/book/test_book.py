"""The Quarto book without Quarto: its inputs, the structural check, and the post-render step.

The check runs on the report as it is (it must pass) and on damaged copies of the project (each
damage must be named). Rendering with the real ``quarto`` binary is in test_render.py.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers.book import inputs, prose, tables
from helpers.book.store import Store
from helpers.core import config, i18n, layout
from helpers.estimate import weighted as estimate
from helpers.ingest import processed
from helpers.metadata import codebook
from helpers.publish import check as bookcheck
from helpers.publish import postrender, words

PROJECT_FILES = ["_quarto.yml", "_quarto-nl.yml", "_quarto-fr.yml", "index.qmd", "chapters"]


@pytest.fixture(scope="module")
def prepared(published) -> Path:
    """The published grid plus the book's numbers and figure blocks, in the tests' build folder."""
    inputs.write_book_inputs(published, log=lambda *_: None)
    return published


@pytest.fixture
def project(prepared, tmp_path) -> Path:
    """A copy of the Quarto project (configuration, home page, chapters) that a test may damage."""
    root = tmp_path / "project"
    root.mkdir()
    for name in PROJECT_FILES:
        src = config.ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / name)
    return root


def problems(root: Path, build: Path) -> list[str]:
    found, _ = bookcheck.check(build, root=root)
    return found


def variables(build: Path) -> dict:
    return yaml.safe_load(layout.variables_path(build).read_text(encoding="utf-8"))


# ---------------------------------------------------------------------- the report as it is
def test_the_report_passes_the_check(prepared):
    found, stats = bookcheck.check(prepared)
    assert found == []
    # every theme chapter embeds figures of the report wave and earlier waves, each with its CSV
    # and the explorer page of each language links to the whole estimates store and to the values of
    # the other sources
    assert stats["embeds"] > 100 and stats["downloads"] == stats["embeds"] + 2 * len(i18n.languages())
    assert stats["references"] > 10 and stats["variables"] > 50


def test_check_command(prepared):
    r = subprocess.run([sys.executable, "-m", "helpers", "check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("check: OK")


def test_tests_never_write_the_reports_variables(prepared):
    assert layout.variables_path(prepared) == prepared / "quarto" / "_variables.yml"
    assert layout.variables_path(config.ROOT / "build") == config.ROOT / "_variables.yml"


def test_quoted_numbers_come_from_the_estimates(prepared):
    """Recompute a few quoted numbers independently of the store and prose.variables(): from the
    respondents, rounded once to the published precision."""
    cb = codebook.load()
    wave = config.edition_wave()
    df = processed.load(wave, config.PROCESSED_DIR)
    values = variables(prepared)
    for ind in ("stress", "exhaustion", "who5_index"):
        est = estimate.rounded(
            estimate.estimates(df, [ind], cb, wave=wave), config.settings()["publish"]["decimals"]
        )
        total = est[est.group_var == "total"].iloc[0]
        sectors = est[(est.group_var == "sector")].dropna(subset=["estimate"])
        top = sectors.loc[sectors.estimate.idxmax()]
        kind = cb.indicators[ind]["type"]
        for lang in ("nl", "fr"):
            v = values[lang]["ind"][ind]
            assert v["value"] == i18n.value(total.estimate, kind, lang)
            assert v["top_sector_value"] == i18n.value(top.estimate, kind, lang)
            assert v["top_sector"] == i18n.lower_first(cb.label(lang, breakdown="sector", category=top.group))
    m = processed.read_manifest(config.PROCESSED_DIR, wave)
    assert values["nl"]["n_report"] == i18n.number(m["rows_belgium"], "nl", 0)
    # French numbers carry a no-break space before %, Dutch none
    assert values["fr"]["ind"]["stress"]["value"].endswith("\u00a0%")
    assert (
        values["nl"]["ind"]["stress"]["value"].endswith("%")
        and " " not in values["nl"]["ind"]["stress"]["value"]
    )


def test_figure_blocks_put_the_report_wave_first_and_earlier_waves_in_tabs(prepared):
    wave = config.edition_wave()
    text = (layout.quarto_dir(prepared, "fr") / "figures" / "fig-burnout-exhaustion-sector.qmd").read_text()
    # the edition's figure first, cited without its wave; the earlier waves with theirs, latest first
    assert text.index("#fig-burnout-exhaustion-sector >") < text.index(".panel-tabset")
    embeds = re.findall(r"#fig-burnout-exhaustion-sector-(\d{4}) >", text)
    assert str(wave) not in embeds
    assert embeds == sorted(embeds, reverse=True) and len(embeds) > 1
    tabs = text.split(".panel-tabset", 1)
    assert str(wave) not in re.findall(r"^## (\d{4})$", tabs[1], re.M)  # the report wave is not repeated
    assert 'when-format="html"' in tabs[0]  # tabs are website only: the PDF keeps the report wave


def test_generated_tables_are_in_the_language(prepared):
    for lang, other in (("nl", "fr"), ("fr", "nl")):
        text = (layout.quarto_dir(prepared, lang) / "samples.qmd").read_text(encoding="utf-8")
        assert i18n.t(lang, "book.samples.caption") in text
        assert i18n.t(other, "book.samples.caption") not in text
        for w in codebook.load().wave_names():
            assert f"| {w}" in text


def test_book_inputs_are_cached_and_stale_figures_removed(prepared):
    logs = []
    inputs.write_book_inputs(prepared, log=logs.append)
    assert logs == ["book: store, numbers and figure blocks up to date"]
    stale = layout.quarto_dir(prepared, "nl") / "figures" / "fig-gone.qmd"
    stale.write_text("{{< embed ../../build/executed/2024/nl/burnout.ipynb#fig-gone-2024 >}}\n")
    (prepared / "quarto" / "inputs.json").unlink()  # as after any change of an input
    inputs.write_book_inputs(prepared, log=logs.append)
    assert logs[-1].startswith("book: wrote") and not stale.exists()


# ---------------------------------------------------------------------- damage the check must name
def add(root: Path, rel: str, text: str) -> None:
    p = root / rel
    p.write_text(p.read_text(encoding="utf-8") + "\n\n" + text + "\n", encoding="utf-8")


def test_copy_of_the_project_passes(project, prepared):
    assert problems(project, prepared) == []


def test_the_check_knows_the_occupational_risks_chapter(project, prepared):
    """The chapter of other sources is checked like the others: listed by both profiles, its
    figures embedded with their CSV, its quoted values in _variables.yml, its words in its language."""
    for lang in i18n.languages():
        listed = bookcheck.book_files(yaml.safe_load((project / f"_quarto-{lang}.yml").read_text())["book"])
        assert f"chapters/{lang}/occupational_risks.qmd" in listed
    p = project / "_quarto-fr.yml"
    p.write_text(p.read_text().replace("    - chapters/fr/occupational_risks.qmd\n", ""))
    add(
        project,
        "chapters/nl/occupational_risks.qmd",
        "{{< var nl.ref.accidents_accepted.y1999.BE.place.workplace >}} en @fig-occ-nope.\n\n"
        "{{< embed ../../build/executed/2024/nl/occupational_risks.ipynb#fig-occ-accidents >}}\n\n"
        "Accidents du travail en 2015.",
    )
    found = problems(project, prepared)
    assert any("profiles list different chapters" in x for x in found)
    assert any(
        "nl.ref.accidents_accepted.y1999.BE.place.workplace" in x and "does not define" in x for x in found
    )
    assert any("@fig-occ-nope" in x for x in found)
    assert any("label fig-occ-accidents occurs twice" in x for x in found)
    assert any("occupational_risks.qmd contains" in x and "other language" in x for x in found)


def test_missing_chapter_in_one_language(project, prepared):
    (project / "chapters" / "fr" / "burnout.qmd").unlink()
    found = problems(project, prepared)
    assert any("chapters/fr/burnout.qmd, which does not exist" in p for p in found)
    assert any("hold different files" in p and "burnout.qmd" in p for p in found)


def test_profiles_listing_different_chapters(project, prepared):
    p = project / "_quarto-fr.yml"
    p.write_text(p.read_text().replace("    - chapters/fr/covid_impact.qmd\n", ""))
    assert any("profiles list different chapters" in p for p in problems(project, prepared))


def test_embed_of_a_label_that_does_not_exist(project, prepared):
    add(
        project,
        "chapters/nl/burnout.qmd",
        "{{< embed ../../build/executed/2024/nl/burnout.ipynb#fig-nope-2024 >}}",
    )
    add(
        project,
        "chapters/nl/mental_health.qmd",
        "{{< embed ../../build/executed/2024/nl/nope.ipynb#fig-mh-key-2024 >}}",
    )
    found = problems(project, prepared)
    assert any("fig-nope-2024: no cell with that label" in p for p in found)
    assert any("nope.ipynb#fig-mh-key-2024: no such notebook" in p for p in found)


def test_embed_without_its_csv(project, prepared):
    add(
        project,
        "chapters/fr/burnout.qmd",
        "{{< embed ../../build/executed/2015/fr/covid_impact.ipynb#fig-covid-key-2015 >}}",
    )
    assert "fr: chapters/fr/burnout.qmd embeds fig-covid-key-2015 without a link to its CSV" in problems(
        project, prepared
    )


def test_broken_cross_reference_and_duplicate_label(project, prepared):
    add(
        project,
        "chapters/nl/covid_impact.qmd",
        "Zie @fig-covid-nope-2024 en @sec-nergens.\n\n## Dubbel {#sec-burnout}",
    )
    found = problems(project, prepared)
    assert any("refers to @fig-covid-nope-2024" in p for p in found)
    assert any("refers to @sec-nergens" in p for p in found)
    assert any("label sec-burnout occurs twice" in p for p in found)


def test_variables_of_the_other_language_or_undefined(project, prepared):
    add(project, "chapters/nl/foreword.qmd", "{{< var fr.report_wave >}} en {{< var nl.ind.nope.value >}}")
    found = problems(project, prepared)
    assert any("var fr.report_wave >}} from another language" in p for p in found)
    assert any("nl.ind.nope.value >}}, which _variables.yml does not define" in p for p in found)


def test_words_left_from_the_other_language(project, prepared):
    phrase = i18n.t("fr", "book.keyfigures.caption", wave=2024).split(",")[0]
    assert phrase in words._foreign_phrases("nl") or any(p in phrase for p in words._foreign_phrases("nl"))
    add(project, "chapters/nl/methodology.qmd", phrase)
    assert any(
        "from the other language's catalogue" in p and "methodology" in p for p in problems(project, prepared)
    )


def test_other_profiles_blocks_are_not_this_languages_text(project, prepared):
    """French text inside a fr-only block of a Dutch chapter is not a leftover: profiles filter it."""
    phrase = i18n.t("fr", "book.keyfigures.caption", wave=2024)
    add(
        project,
        "chapters/nl/methodology.qmd",
        f'::: {{.content-visible when-profile="fr"}}\n{phrase}\n\n::: '
        f"{{.callout-note}}\n{phrase}\n:::\n\n{phrase}\n:::",
    )
    add(project, "chapters/nl/foreword.qmd", f'::: {{.content-hidden when-profile="nl"}}\n{phrase}\n:::')
    assert problems(project, prepared) == []
    add(project, "chapters/nl/foreword.qmd", f'::: {{.content-visible when-profile="nl"}}\n{phrase}\n:::')
    assert any("foreword" in p for p in problems(project, prepared))


def test_quarto_settings_the_pdf_needs(project, prepared):
    p = project / "_quarto-fr.yml"
    conf = yaml.safe_load(p.read_text())
    del conf["lang"], conf["book"]["author"]
    p.write_text(yaml.safe_dump(conf, allow_unicode=True))
    q = project / "_quarto.yml"
    q.write_text(
        q.read_text()
        .replace("  enabled: false", "  enabled: true")
        .replace("downloads: [pdf]", "downloads: []")
    )
    found = problems(project, prepared)
    assert any("book.downloads must offer the pdf" in p for p in found)
    assert any("lang must be 'fr'" in p for p in found)
    assert any("book.author is required" in p for p in found)
    assert any("execute.enabled must be false" in p for p in found)


def test_resource_globs_are_anchored_at_the_project_root(project, prepared):
    """Seen: `assets/vendor/**` made Quarto copy _site/nl/assets and the render's backup of the
    previous site into the new one, one level deeper at every build, until Quarto overflowed."""
    p = project / "_quarto-nl.yml"
    text = p.read_text()
    assert "    - /assets/explorer/*\n" in text
    p.write_text(text.replace("    - /assets/explorer/*\n", "    - assets/explorer/*\n"))
    assert any("resource 'assets/explorer/*' must start with /" in x for x in problems(project, prepared))


# ---------------------------------------------------------------------- post-render
PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>t</title></head>
<body><main class="content" id="quarto-document-content"><h1>x</h1></main></body></html>
"""


@pytest.fixture
def site(tmp_path) -> Path:
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


def test_label_translated_in_one_language_only(project, prepared, monkeypatch):
    real = i18n.catalogue

    def catalogue(lang):
        cat = real(lang)
        if lang == "fr":
            cat = {**cat, "book": {k: v for k, v in cat["book"].items() if k != "csv"}}
        return cat

    monkeypatch.setattr(i18n, "catalogue", catalogue)
    assert "data/i18n/fr.yaml has no translation for book.csv" in problems(project, prepared)


def test_prose_calls_a_change_what_the_stores_test_of_it_says():
    """The prose quotes the store's test of a change (helpers.estimate.change), not a test of its own."""
    from types import SimpleNamespace as Row

    import pandas as pd

    now, before = (
        Row(indicator="stress", wave=2024, estimate=30.0),
        Row(indicator="stress", wave=2015, estimate=26.0),
    )

    def store(lang, change, significant):
        changes = pd.DataFrame(
            {
                "indicator": ["stress"],
                "wave_before": [2015],
                "wave": [2024],
                "breakdown": ["total"],
                "change": [change],
                "significant": [significant],
            }
        )
        return Row(lang=lang, changes=changes)

    assert prose.change(store("nl", 4.0, True), now, before) == i18n.t("nl", "book.change.up")
    assert prose.change(store("fr", -4.0, True), now, before) == i18n.t("fr", "book.change.down")
    assert prose.change(store("nl", 4.0, False), now, before) == i18n.t("nl", "book.change.same")
    assert prose.change(store("nl", float("nan"), False), now, before) == i18n.t("nl", "book.change.none")
    assert prose.change(store("nl", 4.0, True), now, None) == i18n.t("nl", "book.change.none")
    # a pair of waves the store did not test (another series) is no change to speak of
    assert prose.change(
        store("nl", 4.0, True), now, Row(indicator="stress", wave=2010, estimate=20.0)
    ) == i18n.t("nl", "book.change.none")


def test_prose_never_quotes_a_group_of_low_reliability(prepared):
    store = Store(prepared, "nl")
    table = store.table
    low = table[table.flag == estimate.FLAG_LOW]
    assert not low.empty  # the synthetic data has such groups
    for r in low.head(20).itertuples():
        quoted = store.groups(r.indicator, r.wave, r.breakdown)
        assert r.group not in set(quoted.group)


def test_breaks_table_compares_with_the_latest_waves_series():
    """Sleep problems (2010 yes/no, 2015 frequency) and telework (three questions): the latest
    wave's series is the reference, whatever the number of waves in each series."""
    table = tables.breaks("nl")
    rows = {
        line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:4]]
        for line in table.splitlines()
        if line.startswith("|") and "---" not in line
    }
    assert rows["Slaapproblemen"] == ["2015", "2010"]
    assert rows["Thuiswerk"] == ["2024", "2015, 2021"]
    assert rows["Piekeren over werk"] == ["2015, 2024", "2021"]


def test_the_pre_render_step_loads_neither_matplotlib_nor_seaborn_nor_papermill(prepared):
    """Quarto's pre-render (`python -m helpers prepare`, here with every notebook up to date) reads
    files: it needs the store's column names, not the notebooks' plotting stack."""
    code = (
        "import json, sys\nfrom helpers import pipeline\npipeline.prepare(log=lambda *_: None)\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=config.ROOT
    )
    loaded = set(__import__("json").loads(out.stdout.strip().splitlines()[-1]))
    assert "helpers.book.inputs" in loaded and "helpers.grid.runner" in loaded  # it did run the pre-render
    for heavy in ("matplotlib", "seaborn", "papermill", "helpers.notebook.figures"):
        assert heavy not in loaded, heavy
