"""`python -m helpers check`: the book's structure, without Quarto, and what it catches."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers.book import opendata
from helpers.core import config, i18n, layout
from helpers.publish import check as bookcheck
from helpers.publish import words

PROJECT_FILES = ["_quarto.yml", "_quarto-nl.yml", "_quarto-fr.yml", "index.qmd", "chapters"]


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
    # every theme chapter embeds figures of the report wave (no tabs of earlier waves: issue 22),
    # each with its CSV, and the explorer page of each language links to the whole estimates store
    # and to the values of the other sources, and its open-data section to each table of the release
    per_language = 2 + len(opendata.TABLES)
    assert stats["embeds"] > 60
    assert stats["downloads"] == stats["embeds"] + per_language * len(i18n.languages())
    assert stats["references"] > 10 and stats["variables"] > 50
    assert stats["quoted"] > 40  # numbers found in the figures their sentences cite (issue 22)


def test_check_command(prepared):
    r = subprocess.run([sys.executable, "-m", "helpers", "check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("check: OK")


def test_tests_never_write_the_reports_variables(prepared):
    assert layout.variables_path(prepared) == prepared / "quarto" / "_variables.yml"
    assert layout.variables_path(config.ROOT / "build") == config.ROOT / "_variables.yml"


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


def test_a_number_quoted_beside_a_figure_that_does_not_show_it_is_refused(project, prepared):
    """Issue 22: a sentence citing a figure quotes only numbers that figure shows ("health care
    49%" beside a figure of telework, where the reader finds another number)."""
    add(
        project,
        "chapters/nl/burnout.qmd",
        "Stress treft {{< var nl.ind.stress.value >}} van de werkenden (@fig-burnout-key). Gezondheid in "
        "gevaar: {{< var nl.ind.health_at_risk.top_sector_value >}} (@fig-burnout-exhaustion-sector).",
    )
    found = problems(project, prepared)
    assert len([p for p in found if "which do not show it" in p]) == 1
    assert any(
        "nl.ind.health_at_risk.top_sector_value" in p and "@fig-burnout-exhaustion-sector" in p for p in found
    )


def test_missing_chapter_in_one_language(project, prepared):
    (project / "chapters" / "fr" / "burnout.qmd").unlink()
    found = problems(project, prepared)
    assert any("chapters/fr/burnout.qmd, which does not exist" in p for p in found)
    assert any("hold different files" in p and "burnout.qmd" in p for p in found)


def test_profiles_listing_different_chapters(project, prepared):
    p = project / "_quarto-fr.yml"
    p.write_text(p.read_text().replace("    - chapters/fr/covid_impact.qmd\n", ""))
    assert any("profiles list different chapters" in p for p in problems(project, prepared))


def test_a_section_keeps_its_address_across_languages(project, prepared):
    """A heading without an id, or with another id than in the other language, is refused: the
    language switch keeps the reader's section by its id."""
    fr = project / "chapters" / "fr" / "burnout.qmd"
    fr.write_text(fr.read_text().replace(" {#sec-burnout-groups}", " {#sec-burnout-qui}"))
    nl = project / "chapters" / "nl" / "mental_health.qmd"
    nl.write_text(nl.read_text().replace(" {#sec-mental-health-trend}", ""))
    found = problems(project, prepared)
    assert any("burnout.qmd: the sections' ids differ" in p and "sec-burnout-qui" in p for p in found)
    assert any("chapters/nl/mental_health.qmd: the heading '## Evolutie' has no id" in p for p in found)


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
def test_label_translated_in_one_language_only(project, prepared, monkeypatch):
    real = i18n.catalogue

    def catalogue(lang):
        cat = real(lang)
        if lang == "fr":
            cat = {**cat, "book": {k: v for k, v in cat["book"].items() if k != "pdf"}}
        return cat

    monkeypatch.setattr(i18n, "catalogue", catalogue)
    assert "data/i18n/fr.yaml has no translation for book.pdf" in problems(project, prepared)
