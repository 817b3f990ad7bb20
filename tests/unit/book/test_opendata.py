"""The open data (issue 23, item 1): each language's Frictionless Data Package, its spreadsheet and
zip, checked by real clients of the formats (frictionless, pandas, openpyxl)."""

from __future__ import annotations

import io
import json
import math
import zipfile

import frictionless
import openpyxl
import pandas as pd
import pytest

from helpers.book import edition, opendata
from helpers.book.store import Store
from helpers.core import config, i18n, layout
from helpers.core.schema import STORE_COLUMNS
from helpers.metadata import sources


def files(build, lang):
    out = opendata.folder(build, lang)
    return out, opendata.name(lang)


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_frictionless_validates_each_languages_package(prepared, lang):
    out, _ = files(prepared, lang)
    report = frictionless.validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "message"])[:5]
    package = frictionless.Package(str(out / "datapackage.json"))
    assert [r.name for r in package.resources] == list(opendata.TABLES)
    assert {"estimates", "changes", "reference", "europe", "europe_belgium"} == set(opendata.TABLES)
    licence = config.settings()["publication"]["licence"]
    assert package.licenses == [
        {"name": licence["id"], "path": licence["url"], "title": licence["title"][lang]}
    ]
    desc = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    pub = config.settings()["publication"]
    assert pub["publisher"][lang] in desc["citation"] and str(pub["edition"]) in desc["citation"]
    assert desc["citation"] in desc["description"]
    estimates = package.get_resource("estimates")
    fields = {f.name: f for f in estimates.schema.fields}
    assert fields[i18n.t(lang, "opendata.fields.wave.title")].type == "integer"
    assert fields[i18n.t(lang, "opendata.fields.estimate.title")].type == "number"
    assert estimates.schema.primary_key == [
        i18n.t(lang, f"opendata.fields.{c}.title") for c in ("wave", "indicator", "breakdown", "group")
    ]


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_the_csv_and_the_spreadsheet_hold_the_stores_numbers(prepared, lang):
    out, name = files(prepared, lang)
    store = Store(prepared, lang)
    csv = pd.read_csv(out / "estimates.csv", keep_default_na=False, na_values=[""])
    title = lambda c: i18n.t(lang, f"opendata.fields.{c}.title")  # noqa: E731
    assert list(csv.columns) == [title(c) for c in STORE_COLUMNS]
    assert len(csv) == len(store.table)
    for c in ("estimate", "ci_low", "ci_high", "n"):
        pd.testing.assert_series_equal(
            csv[title(c)].astype(float), store.table[c].astype(float), check_names=False
        )
    assert (csv[title("indicator")] == store.table["indicator"]).all()
    wb = openpyxl.load_workbook(out / f"{name}.xlsx", read_only=True)
    sheets = [
        i18n.t(lang, f"opendata.tables.{n}.sheet") for n in opendata.TABLES if n not in opendata.CSV_ONLY
    ]
    assert wb.sheetnames == [
        i18n.t(lang, "opendata.sheets.readme"),
        i18n.t(lang, "opendata.sheets.columns"),
        *sheets,
    ]
    readme = "\n".join(str(r[0]) for r in wb.worksheets[0].iter_rows(values_only=True) if r[0])
    assert edition.citation(lang) in readme
    assert config.settings()["publication"]["licence"]["title"][lang] in readme
    # a table left out of the spreadsheet (the member states' estimates) is named with its CSV
    assert opendata.CSV_ONLY and all(
        f"{n}.csv" in readme and (out / f"{n}.csv").exists() for n in opendata.CSV_ONLY
    )
    rows = list(wb[sheets[0]].iter_rows(values_only=True))
    assert list(rows[0]) == list(csv.columns)
    assert len(rows) - 1 == len(csv)
    col = list(csv.columns).index(title("estimate"))
    for row, value in zip(rows[1:], csv[title("estimate")], strict=True):
        cell = row[col]
        # numbers are numbers (a Belgian Excel shows them with its decimal comma); empty stays empty
        number = isinstance(cell, int | float) and not isinstance(cell, bool)
        assert (cell is None and math.isnan(value)) or (number and cell == value)
    reference = pd.read_csv(out / "reference.csv")
    assert len(reference) == len(sources.all_labelled(lang))


def test_codes_are_the_same_in_both_languages_and_headers_are_not(prepared):
    nl = pd.read_csv(opendata.folder(prepared, "nl") / "changes.csv", dtype=str, keep_default_na=False)
    fr = pd.read_csv(opendata.folder(prepared, "fr") / "changes.csv", dtype=str, keep_default_na=False)
    assert list(nl.columns) != list(fr.columns)
    codes = [i for i, c in enumerate(nl.columns) if c.endswith("(code)")]
    assert len(codes) >= 5
    for i in codes:
        assert (nl.iloc[:, i] == fr.iloc[:, i]).all(), nl.columns[i]
    labels = list(nl.columns).index(i18n.t("nl", "opendata.fields.indicator_label.title"))
    assert (nl.iloc[:, labels] != fr.iloc[:, labels]).any()


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_the_zip_holds_the_release_and_the_page_links_every_file(prepared, lang):
    out, name = files(prepared, lang)
    with zipfile.ZipFile(out / f"{name}.zip") as z:
        assert sorted(z.namelist()) == sorted(
            [*(f"{n}.csv" for n in opendata.TABLES), "datapackage.json", f"{name}.xlsx"]
        )
        for entry in z.namelist():
            assert z.read(entry) == (out / entry).read_bytes(), entry
            assert z.getinfo(entry).date_time[:3] == config.build_date().timetuple()[:3]
    page = (layout.quarto_dir(prepared, lang) / "opendata.qmd").read_text(encoding="utf-8")
    for entry in [f"{name}.zip", f"{name}.xlsx", *(f"{n}.csv" for n in opendata.TABLES)]:
        assert f"(../../build/store/{lang}/opendata/{entry})" in page
    assert edition.citation(lang) in page


def test_the_release_is_byte_identical_from_the_same_inputs(prepared, tmp_path):
    """Every file carries the build date, never the clock's: written again later, the same bytes."""
    import shutil
    import time

    copy = tmp_path / "build"
    shutil.copytree(prepared / "store", copy / "store")
    before = {p.name: p.read_bytes() for p in opendata.folder(prepared, "nl").iterdir()}
    shutil.rmtree(opendata.folder(copy, "nl"))
    time.sleep(1.1)  # zip entries and the spreadsheet's properties keep whole seconds
    opendata.write(copy, Store(copy, "nl"), sources.all_labelled("nl"))
    after = {p.name: p.read_bytes() for p in opendata.folder(copy, "nl").iterdir()}
    assert after == before
    built = config.build_date()
    with zipfile.ZipFile(io.BytesIO(after[f"{opendata.name('nl')}.xlsx"])) as z:
        assert {i.date_time for i in z.infolist()} == {built.timetuple()[:6]}
        assert built.strftime("%Y-%m-%dT%H:%M:%SZ").encode() in z.read("docProps/core.xml")
