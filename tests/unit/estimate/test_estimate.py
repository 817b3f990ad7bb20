"""Weighted estimates against hand-worked cases and an independent library (statsmodels)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
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


@pytest.fixture
def lenient(monkeypatch):
    """Reliability rules that publish everything: hand-worked cases of a few respondents."""
    rules = {
        "min_n": 1, "min_n_eff": 0, "low_reliability_n": 1, "low_reliability_n_eff": 0, "min_df": 0,
        "max_width": 101, "min_width": 101, "max_relative_width": 1e9, "max_rse": 1e9,
    }  # fmt: skip
    monkeypatch.setattr(estimate, "_rules", lambda: rules)


def total(table, indicator="exhaustion"):
    return table[(table.indicator == indicator) & (table.group_var == "total")].iloc[0]


def test_unweighted_share_by_hand(cb):
    """12 of 40 = 30 %, equal weights, no design in the file: every respondent is a PSU of one
    stratum. Linearised variance p(1-p)/(n-1) (above Kish's p(1-p)/n), 39 degrees of freedom, so
    Korn-Graubard is Clopper-Pearson at n* = p(1-p)/var = 39; the effective size is n."""
    y = [1] * 12 + [0] * 28
    row = total(estimate.estimates(frame(y, [1] * 40), "exhaustion", cb, by=[], min_n=1, low_n=1))
    assert row.estimate == pytest.approx(30.0)
    assert row.n == 40 and row.df == 39 and row.n_eff == pytest.approx(40)
    var = 0.3 * 0.7 / 39
    assert row.se == pytest.approx(100 * math.sqrt(var))
    lo, hi = proportion_confint(0.3 * 39, 39, alpha=0.05, method="beta")
    assert (row.ci_low, row.ci_high) == (pytest.approx(100 * lo), pytest.approx(100 * hi))


def test_weighted_share_uses_kish_effective_n_at_least(cb):
    # weights 1 and 3, y independent of weight: the Kish term dominates (no design in the file)
    y = [1, 0, 0, 0] * 25
    w = [1, 1, 3, 3] * 25
    row = total(estimate.estimates(frame(y, w), "exhaustion", cb, by=[], min_n=1, low_n=1))
    p = 25 / 200  # weighted: 25*1 of sum w = 200
    assert row.estimate == pytest.approx(100 * p)
    w_arr = np.array(w, float)
    n_eff = w_arr.sum() ** 2 / (w_arr**2).sum()  # 200^2 / 500 = 80
    assert n_eff == pytest.approx(80)
    lin = sm.WLS(np.array(y, float), np.ones(100), weights=w_arr).fit(cov_type="HC1").bse[0] ** 2
    var = max(lin, p * (1 - p) / n_eff)
    assert var > lin and row.se == pytest.approx(100 * math.sqrt(var))
    lo, hi = proportion_confint(p * (1 - p) / var * p, p * (1 - p) / var, alpha=0.05, method="beta")
    assert row.ci_low == pytest.approx(100 * lo)
    assert row.ci_high == pytest.approx(100 * hi)
    # n / deff with the simple random sample's variance p(1-p) n/(n-1) / n
    assert row.n_eff == pytest.approx(p * (1 - p) * 100 / 99 / var)


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
    t = stats.t.ppf(0.975, 499)  # a t interval at the design's degrees of freedom
    assert row.se == pytest.approx(se)
    assert row.ci_high - row.estimate == pytest.approx(t * se, rel=1e-5)
    assert row.estimate - row.ci_low == pytest.approx(t * se, rel=1e-5)


def design_frame(lonely: bool = False) -> pd.DataFrame:
    """Two strata of two PSUs of two respondents; with ``lonely`` a third stratum of one PSU."""
    rows = [  # stratum, psu, y, w
        (1, 1, 1, 1), (1, 1, 0, 1), (1, 2, 1, 1), (1, 2, 1, 1),
        (2, 3, 0, 2), (2, 3, 0, 2), (2, 4, 1, 2), (2, 4, 0, 2),
    ]  # fmt: skip
    if lonely:
        rows += [(3, 5, 1, 1), (3, 5, 1, 1)]
    s, p, y, w = map(list, zip(*rows))
    d = frame(y, w)
    d["stratum"], d["psu"] = s, p
    return d


def test_a_hand_worked_stratified_clustered_share(cb, lenient):
    """m = 5/12. PSU totals of w(y - m)/12: 2, 14, -20, 4 (/144). Stratum 1: mean 8, deviations
    -6 and 6, times 2/(2-1): 144/144^2; stratum 2: mean -8, deviations -12 and 12: 576/144^2.
    var = 5/144, se = sqrt(5)/12; 4 PSUs - 2 strata = 2 degrees of freedom."""
    row = total(estimate.estimates(design_frame(), "exhaustion", cb, by=[], min_n=1, low_n=1))
    m, var = 5 / 12, 5 / 144
    assert row.estimate == pytest.approx(100 * m)
    assert row.se == pytest.approx(100 * math.sqrt(5) / 12)
    assert row.df == 2 and row.n == 8
    # Korn-Graubard: Clopper-Pearson at n* = m(1-m)/var * (t(7) / t(2))^2
    n_star = m * (1 - m) / var * (stats.t.ppf(0.025, 7) / stats.t.ppf(0.025, 2)) ** 2
    lo, hi = proportion_confint(m * n_star, n_star, alpha=0.05, method="beta")
    assert (row.ci_low, row.ci_high) == (pytest.approx(100 * lo), pytest.approx(100 * hi))
    # n / deff: the simple random sample's variance is s^2 n/(n-1) / n
    s2 = (5 / 12) * (7 / 12)  # the weighted variance of a 0/1 variable: m(1-m)
    assert row.n_eff == pytest.approx(min(s2 * 8 / 7 / var, 8))


def test_a_lonely_psu_contributes_its_total_around_the_grand_mean(cb, lenient):
    """A third stratum with one PSU: m = 7/14 = 0.5; PSU totals of w(y - m) 0, 1, -2, 0, 1 (/14).
    Strata 1 and 2 give 2 x (0.25 + 0.25) = 1 and 2 x (1 + 1) = 4; the lonely PSU its total
    around the grand mean (0): 1. var = 6/196 (R: survey.lonely.psu = "adjust"); df = 5 - 3."""
    row = total(estimate.estimates(design_frame(lonely=True), "exhaustion", cb, by=[], min_n=1, low_n=1))
    assert row.estimate == pytest.approx(50.0)
    assert row.se == pytest.approx(100 * math.sqrt(6 / 196))
    assert row.df == 2


def test_a_group_is_a_domain_of_the_whole_design(cb, lenient):
    """Women only in PSUs 1 and 3: the group's variance counts every PSU of the design (the others
    with a total of zero), and its degrees of freedom are the PSUs it is in minus their strata."""
    d = design_frame()
    d["sex"] = pd.Categorical(["women"] * 2 + ["men"] * 2 + ["women", "men"] * 2, ["men", "women"])
    t = estimate.estimates(d, "exhaustion", cb, by=["sex"], min_n=1, low_n=1)
    women = t[t.group == "women"].iloc[0]
    yw, ww = np.array([1, 0, 0, 1]), np.array([1, 1, 2, 2])
    sel = {1: [0, 1], 2: [], 3: [2], 4: [3]}  # respondents by PSU (PSU 2 has none)
    m = (yw * ww).sum() / ww.sum()
    tot = {j: sum(ww[i] * (yw[i] - m) for i in idx) / ww.sum() for j, idx in sel.items()}
    var = sum(2 * sum((tot[j] - (tot[a] + tot[b]) / 2) ** 2 for j in (a, b)) for a, b in ((1, 2), (3, 4)))
    assert women.estimate == pytest.approx(100 * m)
    assert women.se == pytest.approx(100 * math.sqrt(var))
    assert women.df == 3 - 2  # PSUs 1, 3 and 4 hold women, in 2 strata


def test_share_at_zero_keeps_an_interval(cb):
    """p = 0 has no sampling variance: Clopper-Pearson at the respondents' number (NCHS 2017)."""
    row = total(estimate.estimates(frame([0] * 60, [1] * 60), "exhaustion", cb, by=[]))
    lo, hi = proportion_confint(0, 60, method="beta")
    assert row.estimate == 0
    assert row.ci_low == 0.0
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
    """Every indicator by every breakdown of a wave: the one-pass estimator against the estimator
    written out one group at a time (reference_estimate.py), same rows in the same order."""
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


# ---------------------------------------------------------------------- the reliability rules
RULES = [
    # kind, estimate, ci_low, ci_high, n, n_eff, df, se -> flag, reasons
    ("share", 40.0, 35.0, 45.0, 400, 300.0, 100, 2.5, "ok", ""),
    ("share", 40.0, 28.0, 52.0, 60, 25.0, 40, 6.0, "suppressed", "n_eff"),
    ("share", 40.0, 31.0, 49.0, 100, 45.0, 60, 4.5, "low_reliability", "n_eff"),
    ("share", 40.0, 33.0, 47.0, 200, 150.0, 5, 3.5, "low_reliability", "df"),
    ("share", 50.0, 34.0, 66.0, 200, 150.0, 100, 8.0, "low_reliability", "width"),
    ("share", 3.0, 0.5, 9.0, 200, 150.0, 100, 1.4, "low_reliability", "relative_width"),
    ("share", 1.0, 0.2, 4.0, 200, 150.0, 100, 0.7, "ok", ""),  # narrow: relative width alone is no flag
    ("mean", 10.0, 2.0, 18.0, 200, 150.0, 100, 4.0, "low_reliability", "rse"),
    ("mean", 10.0, 9.0, 11.0, 20, 20.0, 19, 0.5, "suppressed", "n;n_eff"),
    ("share", 40.0, np.nan, np.nan, 40, 40.0, 0, np.nan, "suppressed", "df"),
    ("share", 50.0, 36.0, 64.0, 45, 40.0, 30, 7.0, "low_reliability", "n;n_eff"),
]


def test_reliability_rules_name_their_reasons():
    """The NCHS 2017 rules with the thresholds of data/settings.yaml (30/50 respondents, effective
    n 30/50, 8 degrees of freedom, a share's interval 30 points wide, or wider than 5 points and
    130 % of the share, a mean's relative standard error 30 %): each row breaks the rule it names."""
    t = pd.DataFrame(
        [r[:8] for r in RULES], columns=["kind", "estimate", "ci_low", "ci_high", "n", "n_eff", "df", "se"]
    )
    out = estimate.disclosure(t)
    for r, got in zip(RULES, out.itertuples()):
        assert (got.flag, got.flag_reason) == (r[8], r[9]), r
        assert math.isnan(got.estimate) == (r[8] == "suppressed"), r


def test_a_design_factor_widens_a_wave_without_design_only(cb, monkeypatch, lenient):
    """``variance.design_factor`` multiplies the standard error of a wave whose file has no design;
    a wave with strata and PSUs has its own variance and ignores it."""
    plain = frame([1, 0, 0] * 40, [1, 2, 3] * 40)
    before = total(estimate.estimates(plain, "exhaustion", cb, by=[], min_n=1, low_n=1))
    designed = total(estimate.estimates(design_frame(), "exhaustion", cb, by=[], min_n=1, low_n=1))
    monkeypatch.setattr(estimate, "_design_factor", lambda wave: 1.5)
    after = total(estimate.estimates(plain, "exhaustion", cb, by=[], min_n=1, low_n=1))
    assert after.se == pytest.approx(1.5 * before.se) and after.estimate == before.estimate
    assert after.ci_high - after.ci_low > before.ci_high - before.ci_low
    again = total(estimate.estimates(design_frame(), "exhaustion", cb, by=[], min_n=1, low_n=1))
    assert again.se == designed.se
