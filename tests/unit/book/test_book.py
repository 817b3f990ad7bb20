"""The book's inputs: quoted numbers, figure blocks, generated tables, prose, the pre-render step."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers.book import inputs, prose, tables
from helpers.book.store import Store
from helpers.core import config, i18n, layout, schema
from helpers.core.errors import PipelineError
from helpers.estimate import europe
from helpers.estimate import weighted as estimate
from helpers.ingest import processed
from helpers.metadata import codebook, sources


def variables(build: Path) -> dict:
    return yaml.safe_load(layout.variables_path(build).read_text(encoding="utf-8"))


# ---------------------------------------------------------------------- the report as it is
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


def test_a_figure_block_holds_the_editions_figure_alone(prepared):
    """Issue 22: one figure, one number. A chapter shows the edition's wave; an earlier wave's
    figure takes no number of its own there (its numbers are in the trends and the explorer), so
    the website and the PDF show the same figures."""
    for lang in ("nl", "fr"):
        blocks = sorted((layout.quarto_dir(prepared, lang) / "figures").glob("*.qmd"))
        assert len(blocks) > 40
        for block in blocks:
            text = block.read_text(encoding="utf-8")
            embeds = re.findall(r"\{\{< embed [^#]+#([a-z0-9-]+) >\}\}", text)
            assert embeds == [block.stem], (block.name, embeds)  # cited without its wave, once
            assert "panel-tabset" not in text and f"/build/executed/{config.edition_wave()}/" in text


def test_a_figures_table_names_what_it_shows_in_the_readers_words(prepared):
    """The table folded under a figure is its text alternative: indicators, countries and groups
    by their labels, never the codebook's codes; a Europe figure's table names every member state
    it holds (its CSV, of the open data's shape, carries codes beside the labels)."""
    cb = codebook.load()
    wave = config.edition_wave()
    codes = {*cb.indicators, *cb.eu27()}
    europe_seen = 0
    for lang in ("nl", "fr"):
        for block in sorted((layout.quarto_dir(prepared, lang) / "figures").glob("*.qmd")):
            text = block.read_text(encoding="utf-8")
            cells = {html.unescape(c) for c in re.findall(r"<td>([^<]*)</td>", text)}
            assert not cells & codes, (block.name, sorted(cells & codes)[:5])
            if block.stem.endswith("-europe"):
                europe_seen += 1
                theme = re.search(r"/executed/\d+/\w+/(\w+)\.ipynb#", text).group(1)
                d = pd.read_csv(layout.figure_csv(prepared, wave, lang, theme, block.stem))
                assert set(d.country_label) <= cells and set(d.indicator_label) <= cells
                assert i18n.t(lang, "tables.headers.country") in text
                # indicator by indicator, Belgium, the EU27 and the neighbours first, then by name
                first = [schema.BELGIUM, europe.EU27, *europe.neighbours(cb)]
                for _, part in d.groupby("indicator", sort=False):
                    assert list(part.country[: len(first)]) == first
                    rest = list(part.country_label[len(first) :])
                    assert rest == sorted(rest, key=i18n.alphabetical) and len(rest) == 27 + 1 - len(first)
    assert europe_seen >= 8


def test_generated_tables_are_in_the_language(prepared):
    for lang, other in (("nl", "fr"), ("fr", "nl")):
        text = (layout.quarto_dir(prepared, lang) / "samples.qmd").read_text(encoding="utf-8")
        assert i18n.t(lang, "book.samples.caption") in text
        assert i18n.t(other, "book.samples.caption") not in text
        for w in codebook.load().wave_names():
            assert f"| {w}" in text


def test_the_exposures_table_quotes_the_store_and_the_other_source(prepared, monkeypatch):
    """Issue 28: the survey's exposure in the edition's wave beside the source's published figure,
    each read from where every other number of the book comes from (the store, data/reference/)."""
    wave = config.edition_wave()
    pairs = config.settings()["report"]["exposure_diseases"]
    assert pairs
    for lang in i18n.languages():
        text = (layout.quarto_dir(prepared, lang) / "exposure_diseases.qmd").read_text(encoding="utf-8")
        assert text.rstrip().endswith("{#tbl-occ-exposure-diseases}")
        body = text.split("\n")[2:]
        store = Store(prepared, lang)
        for pair, row in zip(pairs, body, strict=False):
            cells = [c.strip() for c in row.strip("|").split("|")]
            now = store.total(pair["indicator"], wave)
            ref = tables._reference_row(pair)
            fmt = lambda x: i18n.value(x, now.kind, lang)  # noqa: E731
            assert cells[1] == f"{fmt(now.estimate)} ({i18n.interval(fmt(now.ci_low), fmt(now.ci_high))})"
            assert cells[0] == codebook.load().label(lang, pair["indicator"], short=True, wave=wave)
            assert cells[2].startswith(i18n.t(lang, f"sources.measures.{pair['measure']}"))
            assert cells[2].endswith(f", {pair['year']}")
            assert cells[3] == sources.fmt(ref.value, ref.unit, lang)
    # a pair that names no published row stops with the settings file named
    wrong = [{**pairs[0], "year": 1999}]
    real = config.settings()
    monkeypatch.setattr(
        config, "settings", lambda: {**real, "report": {**real["report"], "exposure_diseases": wrong}}
    )
    with pytest.raises(PipelineError) as err:
        tables.exposure_diseases(Store(prepared, "nl"), wave)
    assert "settings.yaml" in str(err.value) and "1999" in str(err.value)


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
def test_prose_calls_a_change_what_the_stores_test_of_it_says():
    """The prose quotes the store's test of a change (helpers.estimate.change), not a test of its own."""
    from types import SimpleNamespace as Row

    import pandas as pd

    now, before = (
        Row(indicator="stress", wave=2024, estimate=30.0),
        Row(indicator="stress", wave=2015, estimate=26.0),
    )

    def store(lang, change, significant, risk_change=""):
        changes = pd.DataFrame(
            {
                "indicator": ["stress"],
                "wave_before": [2015],
                "wave": [2024],
                "breakdown": ["total"],
                "change": [change],
                "significant": [significant],
                "risk_change": [risk_change],
            }
        )
        return Row(lang=lang, changes=changes)

    assert prose.change(store("nl", 4.0, True), now, before) == i18n.t("nl", "book.change.up")
    assert prose.change(store("fr", -4.0, True), now, before) == i18n.t("fr", "book.change.down")
    assert prose.change(store("nl", 4.0, False), now, before) == i18n.t("nl", "book.change.same")
    # across the 2021 change of mode a significant difference is neither a rise nor a fall
    mode = store("fr", 4.0, True, schema.MODE_DIFFERENT)
    assert prose.change(mode, now, before) == i18n.t("fr", "book.change.mode")
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
