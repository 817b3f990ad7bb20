"""Quarto's pre-render step: what the chapters take their numbers and figures from.

``write_book_inputs`` assembles the estimates store from the notebooks' cubes (helpers.book.store),
then writes from the store, the executed notebooks and the metadata only:

* ``_variables.yml``: numbers quoted in prose, per language (helpers.book.prose);
* ``build/quarto/<lang>/figures/<figure>.qmd``: one block per figure of the edition's wave, with
  its numbers and downloads (helpers.book.blocks, helpers.book.downloads);
* ``build/quarto/<lang>/{keyfigures,samples,breaks,quality,notice,rises,sources}.qmd``: generated
  tables (helpers.book.tables);
* ``build/quarto/<lang>/explorer.qmd``: the data explorer's page body (helpers.book.explorer);
* ``build/store/<lang>/opendata/`` and ``build/quarto/<lang>/opendata.qmd``: every published number
  as open data (a Frictionless Data Package, a spreadsheet, a zip) and its downloads (helpers.book.opendata);
* ``build/quarto/<lang>/{cover,colophon}.typ`` and ``build/quarto/provenance.json`` (helpers.book.edition).

Nothing here opens ``data/processed/`` or imports matplotlib: a test holds it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from pathlib import Path

import yaml

from helpers.book import blocks, downloads, edition, explorer, home, opendata, prose, provenance, tables
from helpers.book import store as store_mod
from helpers.book.store import Store
from helpers.core import config, i18n, layout, processes, stages, workdir
from helpers.metadata import codebook as codebook_mod
from helpers.metadata import sources


def _figures_by_wave(build_dir: Path, lang: str, theme: str) -> dict[int, list[str]]:
    """The figures each wave's executed notebook of ``theme`` holds (the grid's stamps)."""
    out = {}
    for stamp in layout.executed_files(build_dir, lang, theme, suffix="json"):
        out[layout.wave_of(stamp)] = json.loads(stamp.read_text(encoding="utf-8"))["figures"]
    return out


LABEL = re.compile(r"[#/]((?:fig|tbl)-[a-z0-9-]*[a-z0-9])\b")


def _pages(lang: str) -> dict[str, str]:
    """The chapter page (relative to the edition's folder) that shows each figure and table."""
    out: dict[str, str] = {}
    for qmd in sorted(layout.chapter_dir(lang).glob("*.qmd")):
        for label in LABEL.findall(qmd.read_text(encoding="utf-8")):
            out.setdefault(label, f"chapters/{lang}/{qmd.stem}.html")
    return out


def _inputs_key(build_dir: Path) -> str:
    """What the book's inputs are made from: the notebooks' outputs (stamps, cubes, sample facts),
    configuration and the code that writes them (the book stage and every stage it may import,
    helpers.core.stages). Never the processed data."""
    h = hashlib.sha256()
    conf = [
        *config.CODEBOOK_DIR.glob("*.yaml"),
        *(config.DATA / "i18n").glob("*.yaml"),
        config.DATA / "settings.yaml",
    ]
    outputs = layout.notebook_outputs(build_dir)
    # the reference tables: the colophon, the sources table and the quoted values read them
    for f in [*stages.code_files("book"), *sorted(conf), *sorted(outputs), *sources.files()]:
        h.update(
            str(f.relative_to(build_dir) if f.is_relative_to(build_dir) else workdir.project_name(f)).encode()
        )
        h.update(f.read_bytes())
    h.update(provenance.code_version().encode())  # the colophon and footer name it
    # the page each figure is on: its address in its downloads' citation
    h.update(json.dumps({lang: _pages(lang) for lang in i18n.languages()}, sort_keys=True).encode())
    return h.hexdigest()


def _language_inputs(build_dir: Path, lang: str, prov: dict) -> dict:
    """One language's book inputs: its open data, generated tables, figure blocks and downloads,
    home page, cover and colophon (build/quarto/<lang>/, build/store/<lang>/); returns the numbers
    its prose quotes (its part of _variables.yml)."""
    cb, wave = codebook_mod.load(), config.edition_wave()
    store = Store(build_dir, lang)
    values = prose.variables(store, wave)
    hit = config.settings()["report"]["change"]["figure"]
    values["change"]["hardest"] = prose.hardest(
        layout.figure_csv(build_dir, wave, lang, hit["theme"], hit["label"]), lang
    )
    values["ref"] = prose.reference_variables(lang)
    out = layout.quarto_dir(build_dir, lang)
    # the other sources' values, labelled once: the explorer's download and its series
    others = sources.all_labelled(lang)
    workdir.write_text(layout.sources_path(build_dir, lang), others.to_csv(index=False, lineterminator="\n"))
    # every published number as open data (a data package, a spreadsheet, a zip)
    opendata.write(build_dir, store, others)
    files = {
        "keyfigures.qmd": tables.key_figures(store, wave),
        "samples.qmd": tables.samples(store),
        "breaks.qmd": tables.breaks(lang),
        "quality.qmd": tables.quality(store),
        "notice.qmd": tables.notice(store),
        "explorer.qmd": explorer.page(store) + explorer.sources_section(lang, others),
        "rises.qmd": tables.rises(store, wave),
        "sources.qmd": tables.sources_table(lang),
        "opendata.qmd": opendata.page(build_dir, lang),
        "exposure_diseases.qmd": tables.exposure_diseases(store, wave),
        "cover.typ": edition.cover(lang, prov),
        "colophon.typ": edition.colophon(lang, prov),
    }
    pages = _pages(lang)
    every_caption: dict[str, str] = {}
    for theme in [*cb.themes, *config.source_notebooks()]:
        by_wave = _figures_by_wave(build_dir, lang, theme)
        if wave not in by_wave:
            continue
        # each figure's downloads (images, data, metadata) and its caption, for its block
        caps = downloads.captions(build_dir, lang, theme, wave)
        every_caption.update(caps)
        downloads.write(build_dir, lang, theme, wave, caps, pages)
        for figure in by_wave[wave]:
            files[f"figures/{figure}.qmd"] = blocks.figure_block(
                build_dir, lang, theme, figure, caps.get(figure, figure), pages.get(figure)
            )
    files["findings.qmd"] = home.findings(store, wave, every_caption, pages, values["change"]["hardest"])
    for name, text in files.items():
        workdir.write_text(out / name, text)
    for old in (out / "figures").glob("*.qmd"):  # a figure the notebooks no longer make
        if f"figures/{old.name}" not in files:
            old.unlink()
    return values


def write_book_inputs(build_dir: Path, log=print, *, jobs: int | None = None) -> None:
    """The store, _variables.yml and build/quarto/<lang>/ (atomically per file; content-stable).

    Skipped when nothing they are made from changed (Quarto runs the pre-render once per profile).
    The languages are written at the same time, up to ``jobs`` (default: the cores), each in a
    forked process (helpers.core.processes)."""
    build_dir = Path(build_dir)
    variables_file = layout.variables_path(build_dir)
    stamp = layout.inputs_stamp(build_dir)
    key = _inputs_key(build_dir)
    try:
        done = json.loads(stamp.read_text(encoding="utf-8")).get("key") == key
    except (FileNotFoundError, json.JSONDecodeError):
        done = False
    if (
        done
        and variables_file.exists()
        and all(layout.store_path(build_dir, x).exists() for x in i18n.languages())
        and all((opendata.folder(build_dir, x) / "datapackage.json").exists() for x in i18n.languages())
    ):
        log("book: store, numbers and figure blocks up to date")
        return
    store_mod.assemble(build_dir, log=log)
    prov = provenance.provenance(Store(build_dir, i18n.languages()[0]).samples)
    workdir.write_text(
        layout.provenance_path(build_dir), json.dumps(prov, indent=1, ensure_ascii=False) + "\n"
    )
    # each language in a process of its own (forked: it starts with what this one imported), which
    # writes only that language's folders and returns its numbers
    langs = i18n.languages()
    made = processes.map_forked(functools.partial(_language_inputs, build_dir, prov=prov), langs, jobs)
    values = dict(zip(langs, made, strict=True))
    workdir.write_text(
        variables_file,
        "# Written by python -m helpers prepare: numbers quoted in the chapters. Do not edit.\n"
        + yaml.safe_dump(values, allow_unicode=True, sort_keys=True),
    )
    workdir.write_text(stamp, json.dumps({"key": key}) + "\n")
    log(f"book: wrote {variables_file.name} and {layout.quarto_dir(build_dir, '<lang>')}")
