"""The synthetic generator writes each wave's own conventions, deterministically."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from helpers.core import config
from helpers.core.errors import PipelineError
from helpers.ingest import synth


def read(raw_dir, cb, wave, **kw):
    return pyreadstat.read_sav(str(raw_dir / cb.waves[wave]["synthetic_file"]), user_missing=True, **kw)


@pytest.mark.parametrize("wave", [2010, 2015, 2021, 2024])
def test_wave_structure(raw_dir, cb, wave):
    df, meta = read(raw_dir, cb, wave)
    w = cb.waves[wave]
    assert set(cb.variables(wave)) <= set(df.columns)
    country = meta.variable_value_labels[w["country"]["var"]]
    assert country == {float(k): v for k, v in cb.country_labels[w["country"]["labels"]].items()}
    be = [k for k, v in country.items() if v == "Belgium"][0]
    assert (df[w["country"]["var"]] == be).sum() == w["belgian_n"]
    assert (df[w["country"]["var"]] != be).sum() >= 300  # other countries exercise the filter
    assert (df[w["weights"]["core"]] > 0).all()
    assert "SYNTHETIC" in meta.file_label
    assert all(meta.column_names_to_labels[c] for c in df.columns)


def test_naming_conventions_per_wave(raw_dir, cb):
    assert "q45a" in read(raw_dir, cb, 2010)[0].columns  # lower-case questionnaire codes
    assert "Q49a" in read(raw_dir, cb, 2015)[0].columns  # upper-case Q codes
    assert "wellbeing_index" in read(raw_dir, cb, 2021)[0].columns  # descriptive names
    assert "calweight" in read(raw_dir, cb, 2024)[0].columns


def test_missing_codes_and_labels_per_wave(raw_dir, cb):
    df15, meta15 = read(raw_dir, cb, 2015)
    assert {8.0, 9.0} <= set(df15["Q49a"].dropna())  # DK / refusal as ordinary codes
    assert meta15.variable_value_labels["Q49a"][8.0].startswith("Don't know")
    assert {888.0, 999.0} & set(df15["Q2b"].dropna())  # three-digit codes on age
    df21, meta21 = read(raw_dir, cb, 2021)
    assert {-888.0, -999.0} <= set(df21["wlb_worry"].dropna())
    assert meta21.variable_value_labels["wlb_worry"][1.0] == "Never"  # 2021: 1 Never ... 5 Always
    _, meta24 = read(raw_dir, cb, 2024)
    assert meta24.variable_value_labels["wlb_worry"][1.0] == "Always"  # 2024: 1 Always ... 5 Never


def test_routing_employees_only_and_module_items(raw_dir, cb):
    df, _ = read(raw_dir, cb, 2015)
    self_employed = df["Q7"] == 2
    assert df.loc[self_employed, "Q61b"].isna().all()  # manager support: not asked
    assert df.loc[df["Q7"] == 1, "Q61b"].notna().mean() > 0.99
    df21, _ = read(raw_dir, cb, 2021)
    asked = df21["emot_drained"].notna()
    assert 0.4 < asked.mean() < 0.6  # a module: about half the sample
    assert df21.loc[asked, "weight_module"].gt(0).all() and df21.loc[~asked, "weight_module"].isna().all()


def test_deterministic_for_a_seed(cb):
    a, *_ = synth.generate(2021, scale=0.1, seed=7)
    b, *_ = synth.generate(2021, scale=0.1, seed=7)
    c, *_ = synth.generate(2021, scale=0.1, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_scale_multiplies_the_sample(cb):
    """Belgium's boosted sample and every other country of the wave's list, each times the scale."""
    story = synth.load_story()
    countries = len(cb.country_labels[cb.waves[2024]["country"]["labels"]])
    for scale in (1, 2):
        df, *_ = synth.generate(2024, scale=scale, seed=1)
        rows = story["countries"]["rows"].get(2024, story["countries"]["rows"]["default"])
        assert len(df) == scale * (cb.waves[2024]["belgian_n"] + (countries - 1) * rows)
    assert df["uniquerespid_num"].is_unique


def test_every_country_of_the_wave_with_its_own_levels_and_both_weights(cb):
    """The file holds each country of the wave's value labels; the story's countries stand where it
    puts them against Belgium; the cross-national weight adds up to each country's stated workforce
    (relative to Belgium's, when it is the file's one weight)."""
    story = synth.load_story()
    df, labels, *_ = synth.generate(2015)
    names = labels["Country"]
    country = df["Country"].map(names).map(cb.country_of_label)
    assert set(country) == {cb.country_of_label(x) for x in names.values()}
    assert country.value_counts()["BE"] == cb.waves[2015]["belgian_n"]
    assert (country.value_counts().drop("BE") == story["countries"]["rows"]["default"]).all()

    def share(code, var, positive):
        rows = df[country == code]
        valid = rows[var].isin([1, 2, 3, 4, 5, 6, 7])
        return (rows[var][valid].isin(positive) * rows["w4"][valid]).sum() / rows["w4"][valid].sum()

    # Q49a (high speed, 1-3 = at least a quarter of the time): lower in the Netherlands, higher in France
    assert share("NL", "Q49a", [1, 2, 3]) < share("BE", "Q49a", [1, 2, 3]) - 0.04
    assert share("FR", "Q49a", [1, 2, 3]) > share("BE", "Q49a", [1, 2, 3]) + 0.04
    cross = df["w5_EU28"].groupby(country).sum()
    workforce = story["countries"]["workforce_millions"]
    ratio = cross / pd.Series(workforce)[cross.index]
    assert np.allclose(ratio, ratio.iloc[0])  # the same number of workers per unit of weight everywhere
    df24, labels24, *_ = synth.generate(2024)
    c24 = df24["country"].map(labels24["country"]).map(cb.country_of_label)
    total = df24["calweight"].groupby(c24).sum()
    assert total["DE"] / total["BE"] == pytest.approx(workforce["DE"] / workforce["BE"], rel=0.05)


def test_user_missing_variant(tmp_path, cb):
    path = synth.write(2015, tmp_path / "x.sav", scale=0.5, user_missing=True)
    df, meta = pyreadstat.read_sav(str(path), user_missing=True)
    assert meta.missing_ranges["Q49a"] == [{"lo": 8.0, "hi": 8.0}, {"lo": 9.0, "hi": 9.0}]
    assert df["Q49a"].isin([8.0, 9.0]).any()
    plain, _ = pyreadstat.read_sav(str(path))  # a default reader blanks declared codes
    assert not plain["Q49a"].isin([8.0, 9.0]).any()


def test_never_overwrites_a_file_that_is_not_synthetic(tmp_path):
    real = tmp_path / "ewcs_2015_synthetic.sav"
    pyreadstat.write_sav(pd.DataFrame({"x": [1.0]}), str(real), file_label="EWCS 2015 UKDA")
    before = real.read_bytes()
    with pytest.raises(PipelineError, match="not a synthetic file"):
        synth.synth([2015], out_dir=tmp_path, scale=0.05, log=lambda *_: None)
    assert real.read_bytes() == before


def test_same_seed_gives_byte_identical_files(tmp_path, monkeypatch):
    """The .sav header carries the build date, not the clock's, so a re-run re-ingests nothing."""
    import time

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    a = synth.write(2010, tmp_path / "a.sav", scale=0.05, seed=3)
    time.sleep(1.1)  # the clock moves on: the files must not
    b = synth.write(2010, tmp_path / "b.sav", scale=0.05, seed=3)
    assert a.read_bytes() == b.read_bytes()
    _, meta = pyreadstat.read_sav(str(a), metadataonly=True)
    assert meta.creation_time.date().isoformat() == str(config.settings()["report"]["date"])


def test_source_date_epoch_sets_the_file_date(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 22:13:20 UTC
    path = synth.write(2024, tmp_path / "x.sav", scale=0.05, seed=3)
    _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    assert meta.creation_time.isoformat() == "2023-11-14T22:13:20"


@pytest.mark.parametrize("scale", [-1, 0, float("nan"), float("inf"), 1e9])
def test_unusable_scale_is_refused(tmp_path, scale):
    with pytest.raises(PipelineError, match="scale .* is not a usable sample-size multiplier"):
        synth.synth([2010], out_dir=tmp_path, scale=scale, log=lambda *_: None)
    assert not list(tmp_path.iterdir())


def test_negative_seed_is_refused(tmp_path):
    with pytest.raises(PipelineError, match="seed -1"):
        synth.synth([2010], out_dir=tmp_path, seed=-1, log=lambda *_: None)


# ---------------------------------------------------------------------- exposures (issue 28)
def _weighted_share(df, var, codes, weight, rows):
    valid = df[var].between(1, 7) & rows  # valid codes of both scales; missing codes stay out
    hit = df[var].isin(codes) & valid
    return (df.loc[hit, weight].sum()) / df.loc[valid, weight].sum()


@pytest.mark.parametrize("wave", [2010, 2015, 2021, 2024])
def test_the_files_carry_the_exposure_items_with_their_scale(raw_dir, cb, wave):
    df, meta = read(raw_dir, cb, wave)
    items = [i for i in cb.theme_indicators("exposures") if "var" in (cb.indicator_spec(i, wave) or {})]
    assert len(items) >= 10
    for name in items:
        spec = cb.indicator_spec(name, wave)
        var = spec["var"]
        labels = meta.variable_value_labels[var]
        assert {labels[float(c)] for c in cb.scale(spec["scale"]).valid} == set(
            cb.scale(spec["scale"]).valid.values()
        )
        values = set(df[var].dropna())
        assert set(map(float, cb.scale(spec["scale"]).valid)) <= values, (name, wave)
        assert set(map(float, cb.missing_codes(wave, spec["scale"]))) & values, (name, wave)


@pytest.mark.parametrize("wave", [2015, 2024])
def test_exposures_differ_between_groups_as_the_story_says(raw_dir, cb, wave):
    """Health care handles infectious materials and lifts people; construction carries loads."""
    df, _ = read(raw_dir, cb, wave)
    sector = cb.breakdowns["sector"]["waves"][wave]
    codes = lambda cat: [c for c, v in sector["map"].items() if v == cat]  # noqa: E731
    in_sector = lambda cat: df[sector["var"]].isin(codes(cat))  # noqa: E731
    weight = cb.waves[wave]["weights"]["core"]
    quarter = [1, 2, 3, 4, 5]
    var = lambda name: cb.indicator_spec(name, wave)["var"]  # noqa: E731
    for name, high in (
        ("infectious_materials", "health"),
        ("lifting_people", "health"),
        ("heavy_loads", "construction"),
    ):
        inside = _weighted_share(df, var(name), quarter, weight, in_sector(high))
        outside = _weighted_share(df, var(name), quarter, weight, ~in_sector(high))
        assert inside > outside + 0.1, (name, wave, inside, outside)


def test_adding_the_exposures_left_the_other_themes_answers_as_they_were(cb):
    """The exposures are drawn from a random stream of their own (story: own_streams)."""
    import copy

    without = copy.copy(cb)
    without.indicators = {k: v for k, v in cb.indicators.items() if v["theme"] != "exposures"}
    without.themes = [t for t in cb.themes if t != "exposures"]
    for wave in (2015, 2021):
        a, *_ = synth.generate(wave, scale=0.2, seed=3, codebook=without)
        b, *_ = synth.generate(wave, scale=0.2, seed=3, codebook=cb)
        assert set(b.columns) - set(a.columns) == {
            v
            for name in cb.theme_indicators("exposures")
            for v in (cb.indicator_spec(name, wave) or {}).get("items")
            or [(cb.indicator_spec(name, wave) or {}).get("var")]
            if v
        }
        pd.testing.assert_frame_equal(b[a.columns], a)


@pytest.mark.parametrize("target", [0.5, 0.03, 0.97, 0.002])
def test_calibrated_probabilities_average_to_the_target(target):
    """The intercept found for a group's outcome makes its mean probability the story's rate, for
    skewed predictors and rare outcomes too, and keeps each person's order of risk."""
    rng = np.random.default_rng(7)
    linear = np.concatenate([rng.normal(0, 2.5, 3000), rng.exponential(3, 500)])
    p = synth._calibrated_probability(linear, target)
    assert p.mean() == pytest.approx(target, rel=1e-9, abs=1e-15)
    assert (np.diff(p[np.argsort(linear)]) >= 0).all()
