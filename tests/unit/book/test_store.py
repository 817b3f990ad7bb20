"""The edition's estimates store: complete, disclosed, bilingual, the same numbers as every figure,
and the only thing the book reads after the notebooks (never data/processed/)."""

from __future__ import annotations

import html
import json
import re
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers.book import explorer, inputs, prose, store
from helpers.core import config, i18n, layout
from helpers.core.errors import PipelineError
from helpers.core.i18n import t as words
from helpers.core.schema import CUBE, STORE_COLUMNS
from helpers.estimate import weighted as estimate
from helpers.ingest import processed
from helpers.publish import check as bookcheck


@pytest.fixture(scope="module")
def stored(published) -> Path:
    inputs.write_book_inputs(published, log=lambda *_: None)
    return published


def table(build: Path, lang: str) -> pd.DataFrame:
    return store.read_table(layout.store_path(build, lang))


def test_the_store_holds_every_indicator_breakdown_and_wave_of_the_codebook(stored, cb):
    for lang in i18n.languages():
        t = table(stored, lang)
        assert list(t.columns) == STORE_COLUMNS
        got = list(zip(t.wave, t.indicator, t.breakdown, t.group))
        assert len(got) == len(set(got)), "one row per estimate"
        want = set()
        for ind in cb.indicators:
            for w in cb.indicator_waves(ind):
                want.add((w, ind, "total", "total"))
                for b in cb.breakdown_order:  # employment status and education too
                    want |= {(w, ind, b, str(c)) for c in cb.breakdowns[b]["categories"]}
        assert set(got) == want
        assert {"employment_status", "education"} <= set(t.breakdown)


def test_no_published_estimate_rests_on_fewer_respondents_than_the_minimum(stored):
    d = config.settings()["disclosure"]
    for lang in i18n.languages():
        t = table(stored, lang)
        small = t[t.n < d["min_n"]]
        assert not small.empty, "the synthetic data has suppressed cells to test with"
        assert small.estimate.isna().all() and small.ci_low.isna().all() and small.ci_high.isna().all()
        assert (small.flag == estimate.FLAG_SUPPRESSED).all()
        assert (small.flag_label == i18n.t(lang, "flags.suppressed")).all()
        # with enough respondents, an estimate is suppressed only for a rule of the design (a small
        # effective sample, no degrees of freedom), which its flag names
        held = t[(t.n >= d["min_n"]) & t.estimate.isna()]
        assert (held.flag == estimate.FLAG_SUPPRESSED).all()
        assert held.flag_reason.str.split(";").map(lambda r: set(r) <= {"n_eff", "df"}).all()
        shown = t[t.estimate.notna()]
        assert (shown.n >= d["min_n"]).all() and (shown.n_eff >= d["min_n_eff"]).all()
        low = (shown.n < d["low_reliability_n"]) | (shown.n_eff < d["low_reliability_n_eff"])
        assert (shown.flag[low] == estimate.FLAG_LOW).all()
        assert (shown.flag[shown.flag_reason == ""] == estimate.FLAG_OK).all()
        assert (shown.flag[shown.flag_reason != ""] == estimate.FLAG_LOW).all()
        assert ((t.ci_low <= t.estimate) & (t.estimate <= t.ci_high) | t.estimate.isna()).all()


def test_labels_are_in_each_language(stored, cb):
    tables = {lang: table(stored, lang) for lang in i18n.languages()}
    nl, fr = tables["nl"], tables["fr"]
    # the same estimates in both languages, in the same order
    pd.testing.assert_frame_equal(
        nl[["wave", "indicator", "group", "estimate", "ci_low", "ci_high", "n", "flag"]],
        fr[["wave", "indicator", "group", "estimate", "ci_low", "ci_high", "n", "flag"]],
    )
    for lang, t in tables.items():
        for r in t.drop_duplicates(["wave", "indicator"]).itertuples():
            assert r.indicator_label == cb.label(lang, r.indicator, wave=r.wave)
            assert r.unit == i18n.t(lang, f"units.{r.kind}")
        groups = t[t.breakdown != "total"].drop_duplicates(["breakdown", "group"])
        for r in groups.itertuples():
            assert r.group_label == cb.label(lang, breakdown=r.breakdown, category=r.group)
            assert r.breakdown_label == cb.label(lang, breakdown=r.breakdown)
        assert set(t.group_label[t.breakdown == "total"]) == {i18n.t(lang, "tables.total")}
    assert (nl.indicator_label != fr.indicator_label).mean() > 0.9


def test_series_and_mode_change_come_from_the_codebook(stored, cb):
    t = table(stored, "nl")
    for r in t.drop_duplicates(["wave", "indicator"]).itertuples():
        assert r.series == cb.series(r.indicator, r.wave)
        assert r.mode_change == bool(cb.waves[r.wave].get("mode_change", False))
    assert t[t.wave == 2021].mode_change.all() and not t[t.wave != 2021].mode_change.any()


def test_the_store_has_the_figures_numbers_where_they_overlap(stored):
    """Every estimate row of every figure CSV is in the store with the same numbers (by labels)."""
    key = ["wave", "indicator_label", "breakdown_label", "group_label"]
    checked = 0
    for lang in i18n.languages():
        t = table(stored, lang).set_index(key)
        for csv in sorted((stored / "tables").glob(f"*/{lang}/*/[ft][ib][gl]-*.csv")):
            fig = pd.read_csv(
                csv, keep_default_na=False, na_values={c: [""] for c in ("estimate", "ci_low", "ci_high")}
            )
            if "estimate" not in fig.columns:
                continue  # a figure of another source (helpers.reference) is not a survey estimate
            if "country" in fig.columns:
                continue  # a Europe figure: against the store's europe.csv (test below)
            fig = fig.rename(
                columns={
                    "indicator": "indicator_label",
                    "group_var": "breakdown_label",
                    "group": "group_label",
                    "flag": "flag_label",
                }
            ).set_index(key)
            joined = fig.join(t.add_suffix("_store"), how="left")
            assert joined.n_store.notna().all(), f"{csv.name}: rows missing from the store"
            for c in ("estimate", "ci_low", "ci_high"):
                same = (joined[c] == joined[f"{c}_store"]) | (joined[c].isna() & joined[f"{c}_store"].isna())
                assert same.all(), f"{csv.name}: {c} differs from the store"
            assert (joined.n == joined.n_store).all() and (joined.flag_label == joined.flag_label_store).all()
            checked += len(joined)
    assert checked > 1000


# ---------------------------------------------------------- nothing after the notebooks reads processed data
_watch: list[Path] = []
_opened: list[str] = []


def _audit(event, args):
    if not _watch or event not in ("open", "os.listdir", "os.scandir", "glob.glob"):
        return
    target = args[0] if args else None
    if isinstance(target, (str, bytes, Path)):
        path = Path(target.decode() if isinstance(target, bytes) else target)
        if any(path == w or w in path.parents for w in _watch):
            _opened.append(f"{event} {path}")


sys.addaudithook(_audit)


def test_nothing_after_the_notebooks_opens_processed_data(stored, monkeypatch, tmp_path):
    """The pre-render step and the check work from the notebooks' outputs alone: with the processed
    folder moved out of reach, they still run, and no file under it is opened or listed."""
    real = config.PROCESSED_DIR.resolve()
    monkeypatch.setattr(config, "PROCESSED_DIR", tmp_path / "not-here")
    (stored / "quarto" / "inputs.json").unlink()  # force the whole pre-render again
    before = {lang: layout.store_path(stored, lang).read_bytes() for lang in i18n.languages()}
    _watch[:] = [real, (tmp_path / "not-here").resolve()]
    try:
        inputs.write_book_inputs(stored, log=lambda *_: None)
        problems, _ = bookcheck.check(stored)
    finally:
        _watch.clear()
    assert _opened == [], _opened[:5]
    assert problems == []
    assert {lang: layout.store_path(stored, lang).read_bytes() for lang in i18n.languages()} == before


def test_the_audit_sees_a_processed_file_being_opened(stored):
    """The watch above can fail: reading a manifest the old way is seen."""

    _watch[:] = [config.PROCESSED_DIR.resolve()]
    try:
        processed.read_manifest(config.PROCESSED_DIR, 2024)
    finally:
        _watch.clear()
    assert _opened and "2024.json" in _opened[-1]
    _opened.clear()


# ---------------------------------------------------------------------- an incomplete grid stops the book
@pytest.fixture
def tables_copy(stored, tmp_path) -> Path:
    build = tmp_path / "build"
    shutil.copytree(stored / "tables", build / "tables")
    return build


def test_a_missing_cube_names_the_notebook(tables_copy):
    (tables_copy / "tables" / "2015" / "fr" / "burnout" / CUBE.format(wave=2015)).unlink()
    with pytest.raises(PipelineError) as e:
        store.assemble(tables_copy, log=lambda *_: None)
    assert "notebooks/burnout.ipynb published no estimates for wave 2015, language fr" in str(e.value)
    assert "r.publish_estimates()" in str(e.value)
    assert not layout.store_path(tables_copy, "nl").exists()  # nothing half-written


def test_a_cube_missing_a_cell_is_refused(tables_copy):
    cube = tables_copy / "tables" / "2024" / "nl" / "mental_health" / CUBE.format(wave=2024)
    df = store.read_table(cube)
    df[~((df.breakdown == "education") & (df.indicator == "anxiety"))].to_csv(cube, index=False)
    with pytest.raises(PipelineError) as e:
        store.assemble(tables_copy, log=lambda *_: None)
    assert "mental_health, wave 2024, language nl do not match the codebook" in str(e.value)
    assert "('anxiety', 'education'" in str(e.value)


def test_notebooks_run_on_different_data_are_refused(tables_copy):
    sample = tables_copy / "tables" / "2021" / "fr" / "covid_impact" / "sample-2021.json"
    s = json.loads(sample.read_text())
    s["source_sha256"] = "0" * 64
    sample.write_text(json.dumps(s))
    with pytest.raises(PipelineError, match="wave 2021: the notebooks were run on different data"):
        store.assemble(tables_copy, log=lambda *_: None)


# ---------------------------------------------------------------------- the explorer's page body
def test_the_explorer_takes_every_word_from_the_catalogue(stored, cb):
    for lang in i18n.languages():
        s = store.Store(stored, lang)
        conf = explorer.settings(s)
        assert conf["words"]["download"] == i18n.t(lang, "explorer.download")
        assert conf["words"]["themes"] == {th: i18n.t(lang, f"themes.{th}") for th in cb.themes}
        assert [i["code"] for i in conf["indicators"]] == [
            i for th in cb.themes for i in cb.theme_indicators(th)
        ]
        assert [b["code"] for b in conf["breakdowns"]] == cb.breakdown_order
        assert conf["store"] == f"../../build/store/{lang}/estimates.csv"
        page = (layout.quarto_dir(stored, lang) / "explorer.qmd").read_text(encoding="utf-8")
        for c in explorer.CONTROLS:
            assert f'<label for="ex-{c}">{html.escape(i18n.t(lang, f"explorer.{c}"))}</label>' in page
        assert i18n.t(lang, "explorer.pdf") in page.split('when-format="typst"')[1]


def test_the_store_and_the_explorer_hold_the_exposures(stored, cb):
    """Issue 28: the occupational-risks chapter's exposures are in the store and the explorer, each
    wave with its own series and labels (2021 asked how often, not what share of the time)."""
    exposures = cb.theme_indicators("exposures")
    for lang in i18n.languages():
        t = table(stored, lang)
        rows = t[t.theme == "exposures"]
        assert list(dict.fromkeys(rows.indicator)) == exposures
        for ind in exposures:
            assert sorted(rows[rows.indicator == ind].wave.unique()) == cb.indicator_waves(ind)
        noise = rows[(rows.indicator == "loud_noise") & (rows.breakdown == "total")].set_index("wave")
        assert noise.loc[2021, "series"] != noise.loc[2015, "series"] == noise.loc[2024, "series"]
        assert noise.loc[2021, "indicator_label"] == cb.label(lang, "loud_noise", wave=2021)
        assert noise.loc[2015, "indicator_label"] == cb.label(lang, "loud_noise", wave=2015)
        assert noise.loc[2015, "estimate"] > 0
        conf = explorer.settings(store.Store(stored, lang))
        listed = {i["code"]: i for i in conf["indicators"] if i["theme"] == "exposures"}
        assert list(listed) == exposures
        assert listed["tobacco_smoke"]["waves"] == [2010, 2015]  # not asked since
        assert listed["physical_strain_any"]["label"] == cb.label(lang, "physical_strain_any", short=True)
        assert conf["words"]["themes"]["exposures"] == i18n.t(lang, "themes.exposures")


def test_the_explorer_loads_only_vendored_scripts_with_their_licences(stored):
    page = (layout.quarto_dir(stored, "nl") / "explorer.qmd").read_text(encoding="utf-8")
    readme = (config.ROOT / "assets" / "vendor" / "README.md").read_text(encoding="utf-8")
    for script in (*explorer.VENDOR, explorer.SCRIPT, explorer.SOURCES_SCRIPT):
        assert f'src="../../{script}"' in page
        assert (config.ROOT / script).is_file()
    for folder in (config.ROOT / "assets" / "vendor").iterdir():
        if folder.is_dir():
            assert (folder / "LICENSE").is_file(), f"{folder.name} has no licence"
            assert f"`{folder.name}/`" in readme, f"{folder.name} is not listed in assets/vendor/README.md"
    # nothing loaded from another host (the other sources' addresses are links a reader may follow)
    assert not re.search(r'\b(src|href)="https?://', page) and "@import" not in page
    assert re.findall(r'<script src="([^"]+)"', page) == [
        f"../../{s}" for s in (*explorer.VENDOR, explorer.SCRIPT, explorer.SOURCES_SCRIPT)
    ]


def test_the_european_tables_are_the_runs_estimates_rounded_and_labelled(stored, cb):
    """Issue 24: europe.csv and europe-belgium.csv hold what the run computed (build/estimates/), rounded
    once as published, in every language; the chapters' Europe figure prints the same numbers."""
    import pandas as pd

    from helpers.estimate import europe

    raw = europe.published(pd.read_parquet(layout.estimates(stored) / "europe-2024.parquet"))
    for lang in i18n.languages():
        s = store.Store(stored, lang)
        mine = s.europe[s.europe.wave == 2024].merge(
            raw.rename(columns={"group_var": "breakdown"}),
            on=["country", "indicator", "breakdown", "group"],
            suffixes=("", "_run"),
            validate="one_to_one",
        )
        assert len(mine) == (raw.wave == 2024).sum()
        assert set(mine.country) == {*cb.eu27(), europe.EU27}
        assert (mine.estimate.fillna(-1) == mine.estimate_run.fillna(-1)).all()
        assert (mine.flag == mine.flag_run).all()
        be = s.europe_belgium
        assert set(be.wave) == set(s.table.wave)
        assert set(be.position) <= {europe.HIGHER, europe.LOWER, europe.NOT_DIFFERENT, ""}
        assert ((be.position == europe.HIGHER) <= (be.significant & (be.difference > 0))).all()
        # the chapter's sentence says what the store says
        r = be[(be.indicator == "exhaustion") & (be.wave == 2024) & (be.breakdown == "total")].iloc[0]
        fmt = lambda x: i18n.value(x, r.kind, lang)  # noqa: E731
        first = int(r["rank"]) == 1
        rank = words(
            lang, f"book.europe.rank{'_first' if first else ''}", rank=int(r["rank"]), ranked=int(r.ranked)
        )
        label = cb.label(lang, "exhaustion", short=True, wave=2024)
        assert prose.europe(s, "exhaustion", 2024) == words(
            lang,
            f"book.europe.{r.position}",
            indicator=label,
            value=fmt(r.estimate),
            eu27=fmt(r.estimate_eu27),
            rank=rank,
        )
        # the figure's CSV: the store's rows of its indicators, for all workers
        fig = pd.read_csv(layout.figure_csv(stored, 2024, lang, "burnout", "fig-burnout-europe"))
        rows = s.europe[(s.europe.wave == 2024) & (s.europe.breakdown == "total")]
        rows = rows[rows.indicator.isin(fig.indicator)]
        key = ["indicator", "country"]
        merged = fig.merge(rows, on=key, suffixes=("", "_store"), validate="one_to_one")
        assert len(merged) == len(fig) == len(rows)
        assert (merged.estimate.fillna(-1) == merged.estimate_store.fillna(-1)).all()
        assert (merged.country_label == merged.country_label_store).all()
