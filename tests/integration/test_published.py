"""Audit of what the runner publishes: the full grid, executed once per test session."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd

from helpers import pipeline
from helpers.core import config
from helpers.grid import finalise, keys
from helpers.metadata import codebook

PLACEHOLDER = "written at run time"


def executed_notebooks(build: Path):
    return sorted((build / "executed").glob("*/*/*.ipynb"))


def test_grid_is_complete(published):
    cb = codebook.load()
    nbs = executed_notebooks(published)
    # every theme for every wave and language; a source notebook once per language
    assert len(nbs) == len(cb.themes) * 4 * 2 + len(config.source_notebooks()) * 2
    for path in nbs:
        wave, lang, theme = path.parts[-3], path.parts[-2], path.stem
        shown = json.loads(path.with_suffix(".json").read_text())["figures"]
        tables = published / "tables" / wave / lang / theme
        figures = [
            p.stem.removesuffix(f"-{wave}")
            for p in tables.glob("*.csv")
            if p.name.startswith(("fig-", "tbl-"))
        ]
        assert sorted(figures) == sorted(shown), path
        others = sorted(p.name for p in tables.iterdir() if not p.name.startswith(("fig-", "tbl-")))
        if (
            theme in config.source_notebooks()
        ):  # a chapter of other sources: its figures only, for the edition's wave
            assert others == [] and int(wave) == int(config.settings()["report"]["wave"]), path
            continue
        # and the theme's whole cube, its changes and sample facts, for the estimates store
        assert others == [f"changes-{wave}.csv", f"estimates-{wave}.csv", f"sample-{wave}.json"], path
        assert theme in cb.themes


def test_no_published_estimate_below_the_minimum_base(published):
    d = config.settings()["disclosure"]
    checked = suppressed = 0
    for csv in (published / "tables").rglob("*.csv"):
        t = pd.read_csv(csv)
        if "n_before" in t.columns:  # changes: published only when both ends are
            small = t[(t["n_before"] < d["min_n"]) | (t["n_after"] < d["min_n"])]
            assert small[["change", "ci_low", "ci_high"]].isna().all().all(), csv
            assert (small["flag"] == "suppressed").all(), csv
            checked += len(t)
            suppressed += len(small)
            continue
        if "n" not in t.columns:
            continue  # figures of other sources carry no survey base
        # too few respondents, or an effective sample too small (the flag's reason says which)
        small = t[t["n"] < d["min_n"]]
        assert small[["estimate", "ci_low", "ci_high"]].isna().all().all(), csv
        if "n_eff" in t.columns:
            thin = t[t["n_eff"].notna() & (t["n_eff"] < d["min_n_eff"])]
            assert thin.empty, csv  # a suppressed estimate publishes no effective size either
        low = t[(t["n"] >= d["min_n"]) & (t["n"] < d["low_reliability_n"])]
        assert low["flag"].notna().all(), csv
        checked += len(t)
        suppressed += len(small)
    assert checked > 5_000 and suppressed > 0  # the audit saw small cells, and they were blank


def test_executed_notebooks_hold_figures_only(published):
    for path in executed_notebooks(published):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                assert out["output_type"] == "display_data", (path, out["output_type"])
                assert set(out["data"]) <= {"image/svg+xml", "text/markdown", "text/plain"}, path
                assert len(out["data"].get("text/plain", "")) < 200  # a repr, never a data frame


def test_labels_unique_per_book_earlier_waves_carry_theirs(published):
    """The edition's figures are labelled as the chapters cite them (@fig-burnout-trend), every
    earlier wave's with its wave: one book embeds them all, and the next edition edits no chapter."""
    edition = str(config.edition_wave())
    for lang in ("nl", "fr"):
        seen = {}
        for path in executed_notebooks(published):
            if path.parts[-2] != lang:
                continue
            wave = path.parts[-3]
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                opts = dict(finalise.options(cell.source)[0]) if cell.cell_type == "code" else {}
                if "label" not in opts:
                    continue
                label = opts["label"]
                assert label.endswith(f"-{wave}") != (wave == edition), (label, path)
                assert label not in seen, (label, path, seen.get(label))
                seen[label] = path
                cap = opts.get("fig-cap") or opts.get("tbl-cap")
                assert cap and PLACEHOLDER not in cap
                if label.startswith("fig-"):
                    assert opts.get("fig-alt") and PLACEHOLDER not in opts["fig-alt"]
        assert len(seen) > 100


def test_no_timestamps_and_identical_reruns(published, tmp_path):
    """Two builds from the same inputs give byte-identical executed notebooks and tables."""
    for path in executed_notebooks(published):
        text = path.read_text(encoding="utf-8")
        for word in ("start_time", "end_time", "iopub.status", '"duration"'):
            assert word not in text, (path, word)
    again = tmp_path / "build"
    pipeline.run(
        themes=["covid_impact", "burnout"],
        waves=[2021],
        build_dir=again,
        force=True,
        log=lambda *_: None,
        progress=False,
        ingest_first=False,
    )
    for theme in ("covid_impact", "burnout"):
        for lang in ("nl", "fr"):
            a = published / "executed" / "2021" / lang / f"{theme}.ipynb"
            b = again / "executed" / "2021" / lang / f"{theme}.ipynb"

            # the injected parameters name each build's own tables and estimates folders: the rest is
            # identical, byte for byte
            def own(text, d):
                return text.replace(
                    str(keys._relative(d / "tables" / "2021" / lang / theme)), "TABLES"
                ).replace(str(keys._relative(d / "estimates")), "ESTIMATES")

            assert own(a.read_text(encoding="utf-8"), published) == own(
                b.read_text(encoding="utf-8"), again
            ), (theme, lang)
            for csv in (published / "tables" / "2021" / lang / theme).glob("*.csv"):
                assert csv.read_bytes() == (again / "tables" / "2021" / lang / theme / csv.name).read_bytes()
