"""The other published sources (data/reference/): validation, provenance, figures, quoted values.

The reference tables must validate; each kind of bad file must stop the pipeline with one message
naming the file, row and column, before any notebook runs; only values printed at the addresses of
../shared/reference/sources/ may be published; and every figure of another source carries its source
line, its citations and values that are in the tables.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers.book import inputs, prose
from helpers.core import config, i18n, layout
from helpers.core.errors import PipelineError
from helpers.metadata import sources
from helpers.notebook import figures

SHARED = config.ROOT.parent / "shared" / "reference" / "sources"
VALUE_COLUMNS = ["year", "geo", "measure", "breakdown", "group", "value", "unit"]


# ---------------------------------------------------------------------- the tables as they are
def test_every_reference_table_validates():
    loaded = sources.load_all()
    assert sorted(loaded) == sources.names() and len(loaded) >= 6
    for name, src in loaded.items():
        assert len(src.table) > 0 and list(src.table.columns) == sources.COLUMNS, name
        used = set(src.table["source"])
        assert used <= set(src.meta["citations"]), name
        assert set(src.meta["citations"]) <= used, f"{name}: a citation no value comes from"
        assert set(src.table["measure"]) == set(src.meta["measures"]), f"{name}: a measure without values"


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/reference/sources/ is not beside this clone")
def test_only_values_printed_at_their_addresses():
    """Every value of data/reference/ is a row of ../shared/reference/sources/ (as printed there, same
    note), and no row of those files was dropped: nothing typed in, estimated or interpolated."""
    for name, src in sources.load_all().items():
        shared = pd.read_csv(SHARED / f"{name}.csv", dtype=str, keep_default_na=False)
        ours = src.table.assign(year=src.table["year"].astype(str))

        def key(d):
            columns = ("year", "geo", "measure", "breakdown", "group")
            return sorted(zip(*(d[c] for c in columns), d["value"].astype(float), d["unit"], d["note"]))

        assert key(ours) == key(shared.assign(value=shared["value"].astype(float))), name


def test_the_unchecked_third_party_series_is_kept_out():
    """SOURCES.md: the Belgian Eurostat series of apiardata.com must be checked before it is published."""
    src = sources.get("wfh_eurostat")
    withheld = [m for m, spec in src.meta["measures"].items() if spec.get("publish") is False]
    assert withheld and not src.published["measure"].isin(withheld).any()
    assert src.table["measure"].isin(withheld).any()
    for lang in i18n.languages():
        assert not any(m in json.dumps(prose.reference_variables(lang)) for m in withheld)


# ---------------------------------------------------------------------- each kind of bad file
@pytest.fixture
def reference_copy(tmp_path) -> Path:
    d = tmp_path / "reference"
    shutil.copytree(sources.folder(), d)
    return d


def _edit_csv(folder: Path, row: int, column: str, value: str) -> None:
    path = folder / sources.DATA_FILE
    d = pd.read_csv(path, dtype=str, keep_default_na=False)
    d.loc[row, column] = value
    d.to_csv(path, index=False, lineterminator="\n")


BAD_ROWS = [
    ("measure", "accidents_at_work", r"row 5, column measure: unknown measure 'accidents_at_work'"),
    ("unit", "persons", r"row 5, column unit: unit 'persons' is not the unit of accidents \('number'\)"),
    ("geo", "BE-XX", r"row 5, column geo: unknown geo 'BE-XX'"),
    ("value", "150.944,5", r"row 5, column value: '150.944,5' is not a number"),
    ("value", "", r"row 5, column value: is empty"),
    ("source", "", r"row 5, column source: is empty|row 5, column source: the value has no source"),
    ("source", "my_notes", r"row 5, column source: unknown citation 'my_notes'"),
    ("year", "20x1", r"row 5, column year: '20x1' is not a year"),
    ("group", "office", r"row 5, column group: group 'office' of place has no label"),
]


@pytest.mark.parametrize(
    "column,value,message", BAD_ROWS, ids=[f"{c}={v or 'empty'}" for c, v, _ in BAD_ROWS]
)
def test_a_bad_value_names_file_row_and_column(reference_copy, column, value, message):
    folder = reference_copy / "accidents_at_work_fedris"
    _edit_csv(folder, 3, column, value)  # the fourth value: row 5 of the file (the header is row 1)
    with pytest.raises(PipelineError) as exc:
        sources.load_all(reference_copy)
    assert str(folder / sources.DATA_FILE) in str(exc.value)
    assert re.search(message, str(exc.value)), str(exc.value)


def test_a_table_saved_by_a_belgian_excel_says_so(reference_copy):
    """Semicolons and decimal commas (issue 27, item 5): it used to say "Expected 1 fields in line
    8, saw 2", with no word about the separator."""
    folder = reference_copy / "accidents_at_work_fedris"
    d = pd.read_csv(folder / sources.DATA_FILE, dtype=str, keep_default_na=False)
    d["value"] = d["value"].str.replace(".", ",", regex=False)
    d.to_csv(folder / sources.DATA_FILE, index=False, sep=";", lineterminator="\r\n", encoding="utf-8")
    with pytest.raises(PipelineError) as exc:
        sources.load_all(reference_copy)
    msg = str(exc.value)
    assert str(folder / sources.DATA_FILE) in msg and msg.count("\n") == 0
    assert "saved by Excel with semicolons and decimal commas" in msg and "CSV UTF-8 (comma-delimited)" in msg


def test_a_duplicate_key_names_both_rows(reference_copy):
    folder = reference_copy / "wfh_statbel_lfs"
    d = pd.read_csv(folder / sources.DATA_FILE, dtype=str, keep_default_na=False)
    pd.concat([d, d.iloc[[6]].assign(value="19.5")]).to_csv(folder / sources.DATA_FILE, index=False)
    with pytest.raises(
        PipelineError,
        match=rf"row {len(d) + 2}, column year,geo,measure,breakdown,group: "
        r"the same year, geo, measure, breakdown and group as row 8",
    ):
        sources.load_all(reference_copy)


def test_a_missing_column_and_bad_metadata(reference_copy):
    folder = reference_copy / "occupational_diseases_fedris"
    d = pd.read_csv(folder / sources.DATA_FILE, dtype=str, keep_default_na=False)
    d.drop(columns="source").to_csv(folder / sources.DATA_FILE, index=False)
    with pytest.raises(PipelineError, match=r"row 1 \(header\): missing column\(s\) source"):
        sources.load("occupational_diseases_fedris", reference_copy)
    d.to_csv(folder / sources.DATA_FILE, index=False)
    meta_path = folder / sources.META_FILE
    good = meta_path.read_text(encoding="utf-8")
    for damage, message in [
        (lambda m: m.pop("licence"), r"field 'licence' is missing"),
        (
            lambda m: m["measures"]["od_declarations"].update(unit="cases"),
            r"measure 'od_declarations' has unit 'cases'",
        ),
        (
            lambda m: m["citations"]["attentia_od_2017"].pop("reproduces"),
            r"does not say whose figures it reproduces",
        ),
        (lambda m: m["citations"]["attentia_od_2017"].update(origin="press"), r"has origin 'press'"),
        (lambda m: m["breaks"][0].update(measures=["od_nothing"]), r"names unknown measure\(s\) od_nothing"),
        (
            lambda m: m["measures"].update(od_new={"unit": "number"}),
            r"needs the text sources.measures.od_new",
        ),
    ]:
        meta = yaml.safe_load(good)
        damage(meta)
        meta_path.write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
        with pytest.raises(PipelineError, match=message):
            sources.load("occupational_diseases_fedris", reference_copy)
    meta_path.write_text(good, encoding="utf-8")
    assert len(sources.load("occupational_diseases_fedris", reference_copy).table) == len(d)


def test_a_bad_reference_table_stops_the_build_before_any_notebook(tmp_path, processed_dir, raw_dir):
    """`python -m helpers run` in a copy of the project whose reference table has a word for a number:
    one message naming the file, row and column; no notebook executed, nothing published."""
    from conftest import project_copy

    root = project_copy(tmp_path / "repo")
    _edit_csv(root / "data" / "reference" / "invalidity_mental_health_riziv", 9, "value", "about 111.732")
    build = tmp_path / "build"
    env = {
        **os.environ,
        "EWCS_REPORT_ROOT": str(root),
        "EWCS_BUILD_DIR": str(build),
        "EWCS_RAW_DIR": str(raw_dir),
        "EWCS_PROCESSED_DIR": str(processed_dir),
    }
    r = subprocess.run(
        [sys.executable, "-m", "helpers", "run"], cwd=root, capture_output=True, text=True, env=env
    )
    assert r.returncode != 0
    out = r.stdout + r.stderr
    assert (
        "data/reference/invalidity_mental_health_riziv/data.csv: row 11, column value: "
        "'about 111.732' is not a number"
    ) in out, out[-2000:]
    assert not (build / "executed").exists() and not (root / "_site").exists()


# ---------------------------------------------------------------------- the figures
def test_segments_join_only_what_may_be_joined():
    assert figures.segment_style(2021, 2022, "a", "a", []) == "-"
    assert figures.segment_style(2016, 2020, "a", "a", []) == ":"  # years without a value: dotted
    assert figures.segment_style(2020, 2021, "a", "a", [2021]) is None  # a break
    assert figures.segment_style(2017, 2018, "a", "b", []) is None  # another measure


def _reference_figures(build: Path, lang: str) -> list[Path]:
    wave = int(config.settings()["report"]["wave"])
    found = []
    for csv in sorted((build / "tables" / str(wave) / lang).glob("*/fig-*.csv")):
        if "address" in pd.read_csv(csv, nrows=0).columns:
            found.append(csv)
    return found


def test_every_reference_figure_cites_its_source_in_both_languages(published):
    """Each figure of another source: in both languages, the source line with its address in the
    figure's notes, the citation of every value in its CSV, and values that are in the tables."""
    import nbformat

    wave = int(config.settings()["report"]["wave"])
    labels = {lang: [] for lang in i18n.languages()}
    for lang in i18n.languages():
        for csv in _reference_figures(published, lang):
            label, theme = csv.stem, csv.parent.name
            labels[lang].append(label)
            d = pd.read_csv(csv, dtype=str, keep_default_na=False)
            assert (d["address"].str.match(r"https?://") & d["publisher"].ne("")).all(), csv
            src_names = {
                n for n, s in sources.load_all().items() if set(d["measure"]) <= set(s.meta["measures"])
            }
            src = sources.get(src_names.pop())
            table = src.published.assign(year=src.published["year"].astype(str))
            merged = d.merge(
                table, on=["year", "geo", "measure", "breakdown", "group"], suffixes=("", "_data")
            )
            assert len(merged) == len(d) and (merged["value"].astype(float) == merged["value_data"]).all(), (
                csv
            )
            nb = nbformat.read(published / "executed" / str(wave) / lang / f"{theme}.ipynb", as_version=4)
            anchor = layout.anchor(label.removesuffix(f"-{wave}"), wave)
            cell = next(
                c for c in nb.cells if c.cell_type == "code" and f"#| label: {anchor}\n" in c.source + "\n"
            )
            svg = html_text(cell.outputs[0]["data"]["image/svg+xml"])
            line = i18n.t(
                lang,
                "sources.notes.source",
                name=i18n.t(lang, f"sources.names.{src.name}"),
                address=sources.short_address(src.meta["address"]),
            )
            assert line.split(" (")[0] in svg and sources.short_address(src.meta["address"])[:30] in svg, (
                label
            )
            if (d["origin"] == "third_party").any():
                assert (
                    i18n.t(lang, "sources.notes.third_party")[:20] in svg
                    or i18n.t(lang, "sources.notes.third_party_bars")[:20] in svg
                ), label
    assert labels["nl"] == labels["fr"] and len(labels["nl"]) >= 11
    # the occupational-risks chapter's notebook ran for the edition's wave only
    assert {p.parts[-3] for p in published.glob("executed/*/*/occupational_risks.ipynb")} == {str(wave)}


def html_text(svg) -> str:
    """The text an SVG shows (its <text> elements), lines joined as one (an address broken after a
    slash joined back without a space)."""
    text = "".join(svg) if isinstance(svg, list) else svg
    import html as html_mod

    joined = " ".join(html_mod.unescape(t) for t in re.findall(r"<text\b[^>]*>([^<]*)</text>", text))
    return joined.replace("/ ", "/")


def test_the_book_prints_the_citations_under_each_figure(prepared_book):
    for lang in i18n.languages():
        for csv in _reference_figures(prepared_book, lang):
            block = (prepared_book / "quarto" / lang / "figures" / f"{csv.stem[:-5]}.qmd").read_text(
                encoding="utf-8"
            )
            d = pd.read_csv(csv, dtype=str, keep_default_na=False)
            for url in set(d["address"]):
                assert f"<{url}>" in block, (csv.stem, url)
            # the PDF prints them under the figure; the page folds them first in the row of what the
            # figure keeps folded (sources, numbers, downloads), which only the page shows
            typst, tools = block.index('when-format="typst"'), block.index("::: {.figure-tools}")
            assert i18n.t(lang, "sources.sources_under") in block[typst:tools]
            assert 'when-format="html"' in block[typst:tools]
            assert 'class="figure-sources"' not in block[:tools]
            folded = ('class="figure-sources"', 'class="figure-data"', ".figure-downloads")
            found = [block[tools:].find(x) for x in folded]
            assert -1 not in found and found == sorted(found), found
            for title, tl in set(zip(d["title"], d["title_lang"])):
                if title:  # a title in its own language, marked so
                    assert re.search(r"\]\{lang=" + tl + r"\}", block), title
            # no earlier waves in tabs: the figure does not change with the survey's wave
            assert "panel-tabset" not in block


@pytest.fixture(scope="module")
def prepared_book(published):
    inputs.write_book_inputs(published, log=lambda *_: None)
    return published


def test_quoted_values_are_the_tables(prepared_book):
    values = yaml.safe_load(layout.variables_path(prepared_book).read_text(encoding="utf-8"))
    for lang in i18n.languages():
        ref = values[lang]["ref"]
        src = sources.get("accidents_at_work_fedris")
        row = src.published.query(
            "measure == 'accidents_accepted' and year == 2022 and group == 'workplace'"
        ).iloc[0]
        assert ref["accidents_accepted"]["y2022"]["BE"]["place"]["workplace"] == sources.fmt(
            row.value, row.unit, lang
        )
        assert ref["share_with_work_related_health_problem"]["y2020"]["BE"]["total"] == i18n.percent(9, lang)
    # the methodology's table of sources comes from the metadata: every source, its address
    for lang in i18n.languages():
        table = (prepared_book / "quarto" / lang / "sources.qmd").read_text(encoding="utf-8")
        for name, src in sources.load_all().items():
            assert src.meta["address"] in table and i18n.t(lang, f"sources.what.{name}") in table
        assert "{#tbl-sources}" in table
        # the columns' shares of the PDF's width, from the dashes under the header
        separator = table.split("\n")[1]
        assert [len(c.strip(":")) for c in separator.strip("|").split("|")] == [14, 44, 12, 16, 14]


def test_the_explorer_has_every_published_value():
    from helpers.book import explorer

    for lang in i18n.languages():
        conf = explorer.sources_settings(lang)
        rows = sum(len(s["rows"]) for s in conf["series"])
        assert rows == sum(len(s.published) for s in sources.load_all().values())
        assert all(r["address"].startswith("http") for s in conf["series"] for r in s["rows"])
        assert not any("thirdparty" in s["key"] for s in conf["series"])
