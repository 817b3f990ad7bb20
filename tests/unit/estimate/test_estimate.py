"""Weighted estimates against hand-worked cases and an independent library (statsmodels)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from helpers.estimate import weighted as estimate
from helpers.ingest import processed


def frame(y, w, groups=None, indicator="exhaustion", wave=2015):
    d = {
        "wave": wave,
        indicator: np.asarray(y, dtype=float),
        "weight": np.asarray(w, dtype=float),
        "weight_module": np.asarray(w, dtype=float),
    }
    if groups is not None:
        d["sex"] = pd.Categorical(groups, categories=["men", "women"])
    return pd.DataFrame(d)


def total(table, indicator="exhaustion"):
    return table[(table.indicator == indicator) & (table.group_var == "total")].iloc[0]


def test_unweighted_share_by_hand(cb):
    # 12 of 40 = 30 %; equal weights: n_eff = 40; linearised variance = p(1-p)/(n-1) > p(1-p)/n
    y = [1] * 12 + [0] * 28
    row = total(estimate.estimates(frame(y, [1] * 40), "exhaustion", cb, by=[], min_n=1, low_n=1))
    assert row.estimate == pytest.approx(30.0)
    assert row.n == 40
    var = 0.3 * 0.7 / 39  # n/(n-1) * sum((y-p)^2) / n^2 = p(1-p)/(n-1)
    n_star = 0.3 * 0.7 / var  # = 39
    lo, hi = proportion_confint(0.3 * n_star, n_star, alpha=0.05, method="wilson")
    assert (row.ci_low, row.ci_high) == (pytest.approx(100 * lo), pytest.approx(100 * hi))


def test_weighted_share_uses_kish_effective_n_at_least(cb):
    # weights 1 and 3, y independent of weight: the Kish term dominates
    y = [1, 0, 0, 0] * 25
    w = [1, 1, 3, 3] * 25
    row = total(estimate.estimates(frame(y, w), "exhaustion", cb, by=[], min_n=1, low_n=1))
    p = 25 / 200  # weighted: 25*1 of sum w = 200
    assert row.estimate == pytest.approx(100 * p)
    w_arr = np.array(w, float)
    n_eff = w_arr.sum() ** 2 / (w_arr**2).sum()  # 100**2... = 200^2/500 = 80
    assert n_eff == pytest.approx(80)
    lin = sm.WLS(np.array(y, float), np.ones(100), weights=w_arr).fit(cov_type="HC1").bse[0] ** 2
    var = max(lin, p * (1 - p) / n_eff)
    n_star = p * (1 - p) / var
    lo, hi = proportion_confint(p * n_star, n_star, alpha=0.05, method="wilson")
    assert row.ci_low == pytest.approx(100 * lo)
    assert row.ci_high == pytest.approx(100 * hi)


def test_weighted_mean_matches_sandwich_variance_of_statsmodels(cb):
    rng = np.random.default_rng(1)
    w = rng.lognormal(0, 0.6, 500)
    y = 50 + 20 * rng.standard_normal(500) + 15 * (w > 1.2)  # y correlated with the weights
    df = frame(y, w, indicator="who5_index")
    row = total(estimate.estimates(df, "who5_index", cb, by=[], min_n=1, low_n=1), "who5_index")
    fit = sm.WLS(y, np.ones(500), weights=w).fit(cov_type="HC1")
    assert row.estimate == pytest.approx(fit.params[0])
    ds = DescrStatsW(y, weights=w)
    kish_se = math.sqrt(ds.var / (w.sum() ** 2 / (w**2).sum()))
    se = max(fit.bse[0], kish_se)
    assert row.ci_high - row.estimate == pytest.approx(1.959964 * se, rel=1e-5)
    assert row.estimate - row.ci_low == pytest.approx(1.959964 * se, rel=1e-5)


def test_share_at_zero_keeps_an_interval(cb):
    row = total(estimate.estimates(frame([0] * 60, [1] * 60), "exhaustion", cb, by=[]))
    lo, hi = proportion_confint(0, 60, method="wilson")
    assert row.estimate == 0
    assert row.ci_low == pytest.approx(0, abs=1e-9)
    assert row.ci_high == pytest.approx(100 * hi)


def test_share_bounds_stay_within_0_and_100_and_are_never_negative_zero(cb):
    for y, edge in (([0] * 60, "low"), ([1] * 60, "high")):
        t = estimate.estimates(
            frame(y, [1] * 30 + [2] * 30, ["men", "women"] * 30), "exhaustion", cb, by=["sex"]
        )
        for row in t.itertuples():
            assert 0.0 <= row.ci_low <= row.estimate <= row.ci_high <= 100.0, row
            if edge == "low":
                assert row.ci_low == 0.0 and not math.copysign(1, row.ci_low) < 0, row
            else:
                assert row.ci_high == 100.0, row


def test_mean_bounds_stay_within_the_indicators_range(cb):
    # a WHO-5 index (range 0-100) where almost everyone scores 0: the normal interval dips below 0
    y = [0.0] * 58 + [100.0] * 2
    row = total(
        estimate.estimates(frame(y, [1] * 60, indicator="who5_index"), "who5_index", cb, by=[]), "who5_index"
    )
    assert cb.indicators["who5_index"]["range"] == [0, 100]
    assert row.estimate == pytest.approx(100 * 2 / 60)
    assert row.ci_low == 0.0 and math.copysign(1, row.ci_low) > 0
    assert row.ci_high < 100


def test_every_mean_indicator_declares_its_range(cb):
    for name, ind in cb.indicators.items():
        if ind["type"] == "mean":
            lo, hi = ind["range"]
            assert lo < hi, name


@pytest.mark.parametrize(
    "n,flag", [(29, "suppressed"), (30, "low_reliability"), (49, "low_reliability"), (50, "ok")]
)
def test_disclosure_thresholds_from_settings(cb, n, flag):
    row = total(estimate.estimates(frame([1, 0] * n, [1] * (2 * n))[:n], "exhaustion", cb, by=[]))
    assert row.n == n
    assert row.flag == flag
    assert math.isnan(row.estimate) == (flag == "suppressed")
    assert math.isnan(row.ci_low) == (flag == "suppressed")


def test_thresholds_are_configurable(cb):
    t = estimate.estimates(frame([1, 0] * 50, [1] * 100), "exhaustion", cb, by=[], min_n=150, low_n=200)
    assert total(t).flag == "suppressed"


def test_groups_each_get_a_row_and_missing_answers_do_not_count(cb):
    y = [1, 0, np.nan] * 40
    g = ["men"] * 120
    t = estimate.estimates(frame(y, [1] * 120, g), "exhaustion", cb, by=["sex"])
    men = t[(t.group_var == "sex") & (t.group == "men")].iloc[0]
    women = t[(t.group_var == "sex") & (t.group == "women")].iloc[0]
    assert men.n == 80 and men.estimate == pytest.approx(50)
    assert women.n == 0 and women.flag == "suppressed"
    assert list(t.columns) == estimate.ESTIMATE_COLUMNS


def test_trend_joins_only_comparable_waves(cb):
    rows = []
    for wave in (2015, 2021, 2024):
        rows.append(
            estimate.estimates(frame([1, 0, 0, 0] * 20, [1] * 80, wave=wave), "exhaustion", cb, by=[])
        )
    t = estimate.trend(pd.concat(rows), "exhaustion", 2024, cb)
    # 2021 measured "emotionally drained" (its own series): not joined with 2015 and 2024
    assert list(t.wave) == [2015, 2024]
    t21 = estimate.trend(pd.concat(rows), "exhaustion", 2021, cb)
    assert list(t21.wave) == [2021] and list(t21.series) == ["drained_2021"]


def test_trend_marks_the_2021_mode_change(cb):
    # health at risk: the same yes/no question in every wave, 2021 by telephone
    rows = [
        estimate.estimates(
            frame([1, 0] * 40, [1] * 80, indicator="health_at_risk", wave=w), "health_at_risk", cb, by=[]
        )
        for w in (2010, 2015, 2021, 2024)
    ]
    t = estimate.trend(pd.concat(rows), "health_at_risk", 2024, cb)
    assert list(t.wave) == [2010, 2015, 2021, 2024]
    assert list(t.mode_change) == [False, False, True, False]
    # telework: 2015, 2021 and 2024 each counted other answers, so 2024 stands alone
    rows = [
        estimate.estimates(frame([1, 0] * 40, [1] * 80, indicator="telework", wave=w), "telework", cb, by=[])
        for w in (2015, 2021, 2024)
    ]
    assert list(estimate.trend(pd.concat(rows), "telework", 2024, cb).wave) == [2024]


# ---------------------------------------------------------------------- one pass against the loop
@pytest.mark.parametrize("wave", [2010, 2015, 2021, 2024])
def test_vectorised_estimates_equal_the_loop_of_small_computations(processed_dir, cb, wave):
    """Every indicator by every breakdown of a wave: the one-pass estimator against the loop it
    replaced (tests/reference_estimate.py, the code of commit ae41a7f), same rows in the same order."""
    import reference_estimate

    df = processed.load(wave, processed_dir)
    new = estimate.estimates(df, list(cb.indicators), cb, wave=wave)
    old = reference_estimate.estimates(df, list(cb.indicators), cb, wave=wave)
    assert len(new) > 500 and new["estimate"].notna().sum() > 300
    pd.testing.assert_frame_equal(new, old, check_exact=False, rtol=0, atol=1e-9)


def test_vectorised_estimates_equal_the_loop_on_awkward_data(cb):
    """Missing answers and weights, a missing group, a category nobody is in, a breakdown that is
    not categorical, a mean with its range and a share, indicators asked in any order."""
    import reference_estimate

    rng = np.random.default_rng(7)
    n = 400
    df = pd.DataFrame(
        {
            "wave": 2015,
            "exhaustion": np.where(rng.random(n) < 0.1, np.nan, (rng.random(n) < 0.3).astype(float)),
            "who5_index": np.where(rng.random(n) < 0.05, np.nan, rng.uniform(0, 100, n).round(0)),
            "weight": np.where(rng.random(n) < 0.03, np.nan, rng.lognormal(0, 0.5, n)),
            "weight_module": rng.lognormal(0, 0.3, n),
            "sex": pd.Categorical(
                rng.choice(["men", "women", None], n, p=[0.5, 0.45, 0.05]), categories=["men", "women"]
            ),
            "age_group": pd.Categorical(
                rng.choice(["16-29", "30-49"], n), categories=["16-29", "30-49", "50+"]
            ),
            "region": rng.choice(["flanders", "wallonia", "brussels"], n),  # plain strings
        }
    )
    for inds in (["who5_index", "exhaustion"], ["exhaustion"], ["missing_column", "who5_index"]):
        new = estimate.estimates(df, inds, cb, by=["sex", "age_group", "region"], min_n=20, low_n=60)
        old = reference_estimate.estimates(
            df, inds, cb, by=["sex", "age_group", "region"], min_n=20, low_n=60
        )
        pd.testing.assert_frame_equal(new, old, check_exact=False, rtol=0, atol=1e-9)
    empty_group = new[(new.group_var == "age_group") & (new.group == "50+")].iloc[0]
    assert empty_group.n == 0 and empty_group.flag == "suppressed"
