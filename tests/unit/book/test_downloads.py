"""Each figure portable (issue 23, items 2 and 3): its SVG, PNG, CSV with a metadata sidecar and
XLSX, checked by real clients of the formats (frictionless, Pillow, openpyxl, an XML parser), each
carrying the citation and the licence; and the block that links them under the figure."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET

import frictionless
import openpyxl
import pandas as pd
import pytest
from PIL import Image

from helpers.book import downloads, edition
from helpers.core import config, i18n, layout
from helpers.notebook import figures

THEME, FIGURE = "burnout", "fig-burnout-exhaustion-sector"


def _licence(lang):
    return config.settings()["publication"]["licence"]["title"][lang]


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_every_figure_and_table_of_the_edition_has_its_downloads(prepared, lang):
    wave = config.edition_wave()
    out = downloads.folder(prepared, lang)
    csvs = sorted(
        p.name
        for p in layout.table_files(prepared, lang)
        if p.suffix == ".csv" and p.name.startswith(("fig-", "tbl-")) and p.name.endswith(f"-{wave}.csv")
    )
    assert csvs and sorted(p.name for p in out.glob("*.csv")) == csvs
    for name in csvs:
        stem = name[: -len(".csv")]
        assert (out / f"{stem}.json").exists() and (out / f"{stem}.xlsx").exists(), stem
        if stem.startswith("fig-"):
            assert (out / f"{stem}.svg").exists() and (out / f"{stem}.png").exists(), stem


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_frictionless_validates_every_sidecar(prepared, lang):
    out = downloads.folder(prepared, lang)
    sidecars = sorted(out.glob("*.json"))
    assert len(sidecars) > 40
    for sidecar in sidecars:
        report = frictionless.validate(str(sidecar))
        assert report.valid, (sidecar.name, report.flatten(["rowNumber", "fieldName", "message"])[:3])
        desc = json.loads(sidecar.read_text(encoding="utf-8"))
        assert _licence(lang) == desc["licenses"][0]["title"]
        assert edition.citation(lang) in desc["citation"] and desc["title"] in desc["citation"]


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_the_figures_files_hold_its_numbers_its_citation_and_licence(prepared, lang):
    wave = config.edition_wave()
    out = downloads.folder(prepared, lang)
    stem = f"{FIGURE}-{wave}"
    published = pd.read_csv(layout.figure_csv(prepared, wave, lang, THEME, FIGURE), keep_default_na=False)
    caption = downloads.captions(prepared, lang, THEME, wave)[FIGURE]
    cite = downloads.citation(lang, caption, downloads.address(lang, f"chapters/{lang}/burnout.html", FIGURE))
    # the CSV is the one the notebook published; its sidecar names its columns in the language
    assert (out / f"{stem}.csv").read_bytes() == layout.figure_csv(
        prepared, wave, lang, THEME, FIGURE
    ).read_bytes()
    fields = json.loads((out / f"{stem}.json").read_text(encoding="utf-8"))["schema"]["fields"]
    assert [f["name"] for f in fields] == list(published.columns)
    words = i18n.catalogue(lang)["opendata"]["fields"]
    assert fields[published.columns.get_loc("group")]["title"] == words["figure.group"]["title"]
    # the spreadsheet: a read-me with the citation and licence, then the numbers as numbers
    wb = openpyxl.load_workbook(out / f"{stem}.xlsx")
    readme = " ".join(str(c.value) for c in wb.worksheets[0]["A"] if c.value)
    assert cite in readme and _licence(lang) in readme
    data = wb[i18n.t(lang, "opendata.sheets.data")]
    rows = list(data.values)
    assert rows[0][published.columns.get_loc("estimate")] == i18n.t(lang, "opendata.fields.estimate.title")
    est = [r[published.columns.get_loc("estimate")] for r in rows[1:]]
    assert est == [None if pd.isna(x) or x == "" else float(x) for x in published["estimate"]]
    # the SVG: the figure the page shows (its group labels), its metadata the citation and licence
    svg = ET.parse(out / f"{stem}.svg").getroot()
    dc = "{http://purl.org/dc/elements/1.1/}"
    assert svg.find(f".//{dc}source").text == cite and _licence(lang) in svg.find(f".//{dc}rights").text
    text = (out / f"{stem}.svg").read_text(encoding="utf-8")
    shown = published[(published.group_var != published.group) & published.estimate.astype(str).ne("")]
    assert all(g.split(" ")[0] in text for g in shown.group), "a group of the CSV is not in the figure"
    # the PNG: decodes, its text chunks carry the citation and the licence
    png = Image.open(io.BytesIO((out / f"{stem}.png").read_bytes()))
    png.load()
    # the figure's width at 150 dpi (figures.WIDTH, and its margins)
    assert (
        png.size[0] >= figures.WIDTH * 150
        and png.text["Source"] == cite
        and _licence(lang) in png.text["Copyright"]
    )


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_the_figure_block_links_its_downloads_address_and_citation(prepared, lang):
    block = (layout.quarto_dir(prepared, lang) / "figures" / f"{FIGURE}.qmd").read_text(encoding="utf-8")
    wave = config.edition_wave()
    for kind in ("svg", "png", "csv", "json", "xlsx"):
        assert f"/build/store/{lang}/figures/{FIGURE}-{wave}.{kind}){{.download-{kind}}}" in block
    assert f"](#{FIGURE}){{.figure-link}}" in block
    assert i18n.t(lang, "downloads.cite", citation=edition.citation(lang)) in block


def test_a_figure_s_address_is_its_anchor_in_the_published_edition(monkeypatch):
    settings = json.loads(json.dumps(config.settings(), default=str))
    pub = settings["publication"]
    monkeypatch.setattr(config, "settings", lambda: settings)
    pub["site_url"] = None
    assert downloads.address("fr", "chapters/fr/burnout.html", FIGURE) is None
    assert downloads.citation("fr", "Épuisement", None).endswith("Épuisement.")
    pub["site_url"] = "https://example.be/rapport/"
    url = f"https://example.be/rapport/{pub['edition']}/fr/chapters/fr/burnout.html#{FIGURE}"
    assert downloads.address("fr", "chapters/fr/burnout.html", FIGURE) == url
    assert downloads.citation("fr", "Épuisement", url).endswith(f"Épuisement. {url}.")


def test_png_text_chunks_are_read_by_a_png_reader():
    buf = io.BytesIO()
    Image.new("RGB", (4, 3), "white").save(buf, format="PNG")
    stamped = downloads._png(buf.getvalue(), {"Title": "Épuisement", "Copyright": "CC BY 4.0"})
    img = Image.open(io.BytesIO(stamped))
    img.load()
    assert img.text == {"Title": "Épuisement", "Copyright": "CC BY 4.0"} and img.size == (4, 3)
