"""Change by group between two waves: the arithmetic, disclosure at both ends, series breaks, the
COVID chapter's prose, and the figures' numbers against the store of changes."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd
import pytest
from scipy import stats

from helpers.book import inputs, prose, store
from helpers.core import i18n, layout, schema
from helpers.core.schema import CHANGE_COLUMNS
from helpers.estimate import change
from helpers.estimate import weighted as estimate

Z = estimate.quantile(0.95)


def est(wave, rows):
    """Tidy estimates of one wave: (indicator, group, estimate, se, n), intervals at ± z·se."""
    t = pd.DataFrame(
        [
            {
                "wave": wave,
                "indicator": i,
                "group_var": "sector",
                "group": g,
                "estimate": e,
                "ci_low": e - Z * se,
                "ci_high": e + Z * se,
                "n": n,
                "se": se,
                "n_eff": n,
                "df": n - 1,
            }
            for i, g, e, se, n in rows
        ]
    )
    return estimate.disclosure(t)[estimate.ESTIMATE_COLUMNS]


def test_a_hand_worked_change(cb):
    """Stress (risk: high) in construction: 20 % (se 2) in 2015, 26 % (se 1.5) in 2024.
    Change +6 points, se sqrt(4 + 2.25) = 2.5, interval 6 ± 1.96 × 2.5 = 1.10 to 10.90,
    p = 2 (1 - Φ(2.4)) = 0.0164, a family of one: a rise."""
    ch = change.changes(
        est(2015, [("stress", "construction", 20.0, 2.0, 400)]),
        est(2024, [("stress", "construction", 26.0, 1.5, 500)]),
        cb,
        decimals=2,
        level=0.95,
    )
    r = ch.iloc[0]
    assert r.change == 6.0
    assert r.ci_low == pytest.approx(6 - 1.959964 * 2.5, abs=0.005) and r.ci_low == 1.10
    assert r.ci_high == 10.90
    assert r.se == 2.5 and r.p_value == pytest.approx(0.016395, abs=1e-6) and r.p_adjusted == r.p_value
    assert r.significant and r.risk_change == schema.ROSE and r.flag == estimate.FLAG_OK
    assert (r.n_before, r.n_after, r.mode_change) == (400, 500, False)


def test_a_change_is_tested_on_unrounded_values(cb):
    """+1.0 point with se 0.5092: the lower bound is 0.0019, published as 0.00. The test reads the
    unrounded values (p = 0.0497): significant, although the published bound touches zero."""
    se1 = (1.0 - 0.0019) / Z / 2**0.5
    ch = change.changes(
        est(2015, [("stress", "construction", 20.0, se1, 400)]),
        est(2024, [("stress", "construction", 21.0, se1, 500)]),
        cb,
        decimals=2,
    )
    r = ch.iloc[0]
    assert r.ci_low == 0.0 and r.p_value < 0.05
    assert r.significant and r.risk_change == schema.ROSE


def test_benjamini_hochberg_within_a_family_removes_a_raw_significant_change(cb):
    """Stress by sector, three groups with raw p 0.04, 0.5 and 0.9: adjusted, the first is
    0.04 x 3 / 1 = 0.12, not significant. Exhaustion in industry alone (its own family) with the
    same p = 0.04 stays significant."""

    def pair(p, ind, group):
        d = float(stats.norm.isf(p / 2))  # the change in units of its standard error (1)
        return (ind, group, 20.0, 1 / 2**0.5, 400), (ind, group, 20.0 + d, 1 / 2**0.5, 400)

    rows = [pair(0.04, "stress", "industry"), pair(0.5, "stress", "trade"), pair(0.9, "stress", "education")]
    rows.append(pair(0.04, "exhaustion", "industry"))
    ch = change.changes(est(2015, [r[0] for r in rows]), est(2024, [r[1] for r in rows]), cb, decimals=2)
    ch = ch.set_index(["indicator", "group"])
    s = ch.loc[("stress", "industry")]
    assert s.p_value == pytest.approx(0.04, abs=1e-6) and s.p_adjusted == pytest.approx(0.12, abs=1e-6)
    assert s.ci_low > 0  # significant at 5 % on its own
    assert not s.significant and s.risk_change == ""
    e = ch.loc[("exhaustion", "industry")]
    assert e.p_adjusted == pytest.approx(0.04, abs=1e-6) and e.significant and e.risk_change == schema.ROSE


def test_a_change_across_the_2021_mode_break_is_never_a_rise_or_a_fall(cb):
    """WHO-5 below par in industry, 2015 -> 2021 (telephone): +10 points with se 1.4 is a
    significant difference, but it is called a difference across the change of mode."""
    ch = change.changes(
        est(2015, [("who5_poor", "industry", 20.0, 1.0, 400)]),
        est(2021, [("who5_poor", "industry", 30.0, 1.0, 400)]),
        cb,
        decimals=2,
    )
    r = ch.iloc[0]
    assert r.significant and r.mode_change and r.risk_change == schema.MODE_DIFFERENT


def test_direction_of_risk_and_what_is_not_significant(cb):
    before = est(
        2015,
        [
            ("support_colleagues", "construction", 70.0, 2.0, 400),  # risk: low
            ("stress", "education", 20.0, 3.0, 400),
        ],
    )
    after = est(
        2024,
        [("support_colleagues", "construction", 60.0, 2.0, 400), ("stress", "education", 24.0, 3.0, 400)],
    )  # 4 ± 8.3: not significant
    ch = change.changes(before, after, cb, decimals=2).set_index("indicator")
    assert ch.loc["support_colleagues", "risk_change"] == schema.ROSE  # less support = more risk
    assert ch.loc["stress", "risk_change"] == "" and not ch.loc["stress", "significant"]


def test_no_change_when_either_end_is_suppressed_and_a_flag_when_either_is_low(cb):
    before = est(
        2015,
        [
            ("stress", "agriculture", 20.0, 5.0, 25),
            ("stress", "construction", 20.0, 4.0, 45),
            ("stress", "industry", 20.0, 2.0, 300),
        ],
    )
    after = est(
        2024,
        [
            ("stress", "agriculture", 40.0, 5.0, 200),
            ("stress", "construction", 22.0, 3.0, 300),
            ("stress", "industry", 30.0, 2.0, 20),
        ],
    )
    ch = change.changes(before, after, cb, decimals=2).set_index("group")
    for g in ("agriculture", "industry"):  # n 25 before; n 20 after
        assert math.isnan(ch.loc[g, "change"]) and math.isnan(ch.loc[g, "ci_low"])
        assert ch.loc[g, "flag"] == estimate.FLAG_SUPPRESSED and not ch.loc[g, "significant"]
    assert ch.loc["construction", "flag"] == estimate.FLAG_LOW and ch.loc["construction", "change"] == 2.0


def test_no_change_across_a_series_break(cb):
    """Sleep problems: 2010 asked yes/no, 2015 how often (another series); telework was asked
    three ways. Neither is compared; a 2021 pair carries the mode-change mark."""
    assert not cb.comparable("sleep_problems", 2010, 2015)
    assert not cb.comparable("telework", 2015, 2024)
    rows = [("sleep_problems", "industry", 20.0, 2.0, 300), ("who5_poor", "industry", 20.0, 2.0, 300)]
    assert set(change.changes(est(2010, rows), est(2015, rows), cb).indicator) == {"who5_poor"}
    assert change.changes(est(2015, rows[1:]), est(2021, rows[1:]), cb).mode_change.all()


@pytest.fixture(scope="module")
def stored(published):
    inputs.write_book_inputs(published, log=lambda *_: None)
    return published


def test_the_store_of_changes_against_the_published_estimates(stored, cb):
    """An independent computation from the estimates store: each change is the difference of the
    two estimates (within the rounding of the published ones), its standard error sqrt(se0² + se1²)
    of the two waves', its p-value and the multiple-comparison rule recomputed."""
    for lang in i18n.languages():
        est_ = store.read_table(layout.store_path(stored, lang)).set_index(
            ["indicator", "wave", "breakdown", "group"]
        )
        ch = store.read_changes(layout.changes_path(stored, lang))
        assert list(ch.columns) == CHANGE_COLUMNS and len(ch) > 1000
        assert all(
            cb.comparable(r.indicator, r.wave_before, r.wave)
            for r in ch.drop_duplicates(["indicator", "wave_before", "wave"]).itertuples()
        )
        b = est_.loc[list(zip(ch.indicator, ch.wave_before, ch.breakdown, ch.group))].reset_index(drop=True)
        a = est_.loc[list(zip(ch.indicator, ch.wave, ch.breakdown, ch.group))].reset_index(drop=True)
        pd.testing.assert_series_equal(ch.estimate_before, b.estimate, check_names=False)
        pd.testing.assert_series_equal(ch.estimate_after, a.estimate, check_names=False)
        assert (ch.n_before == b.n).all() and (ch.n_after == a.n).all()
        shown = ch.change.notna()
        assert (shown == ((b.flag != "suppressed") & (a.flag != "suppressed"))).all()
        # the change of the unrounded estimates, rounded once: within one unit of the last decimal
        assert ((ch.change - (a.estimate - b.estimate)).abs()[shown] < 0.0101).all()
        # the change's standard error from the two waves' (unrounded, independent) standard errors,
        # its interval at z, its p-value and the Benjamini-Hochberg rule per indicator x breakdown
        assert ((ch.se - (b.se**2 + a.se**2) ** 0.5).abs()[shown] < 1e-3).all()
        half = (ch.ci_high - ch.ci_low) / 2
        assert ((half - Z * ch.se).abs()[shown] < 0.011).all()
        z = (a.estimate - b.estimate) / ch.se
        assert ((ch.p_value - 2 * stats.norm.sf(z.abs())).abs()[shown & (ch.se > 0.5)] < 0.01).all()
        for _, fam in ch[shown].groupby(["indicator", "breakdown", "wave_before", "wave"]):
            adj = stats.false_discovery_control(fam.p_value.to_numpy(), method="bh")
            assert abs(adj - fam.p_adjusted.to_numpy()).max() < 1e-5
        assert (ch.significant == (shown & (ch.p_adjusted < 0.05))).all()
        assert (ch.significant & ~((ch.ci_low > 0) | (ch.ci_high < 0))).sum() <= 5  # borderline only
        low = (b.flag == "low_reliability") | (a.flag == "low_reliability")
        assert (ch.flag[shown & low] == "low_reliability").all() and (ch.flag[shown & ~low] == "ok").all()
        assert (ch.mode_change == ((ch.wave == 2021) | (ch.wave_before == 2021))).all()


def test_change_figures_publish_the_stores_changes(stored):
    key = ["wave_before", "wave", "indicator", "breakdown", "group"]
    checked = 0
    for lang in i18n.languages():
        ch = store.read_changes(layout.changes_path(stored, lang)).set_index(key)
        for csv in sorted((stored / "tables").glob(f"*/{lang}/covid_impact/*.csv")):
            if not csv.name.startswith(("fig-covid-hardest-hit-", "tbl-covid-rises-")):
                continue
            fig = store.read_changes(csv).set_index(key)
            joined = fig.join(ch.add_suffix("_store"), how="left")
            for c in ("change", "ci_low", "ci_high", "estimate_before", "estimate_after"):
                same = (joined[c] == joined[f"{c}_store"]) | (joined[c].isna() & joined[f"{c}_store"].isna())
                assert same.all(), (csv.name, c)
            assert (joined.risk_change == joined.risk_change_store).all()
            checked += len(joined)
    assert checked > 50


def _changes(rows):
    base = {c: "" for c in CHANGE_COLUMNS}
    out = []
    for ind, kind, group, label, chg, flag, risk in rows:
        out.append(
            {
                **base,
                "wave_before": 2015,
                "wave": 2024,
                "indicator": ind,
                "kind": kind,
                "breakdown": "sector",
                "group": group,
                "group_label": label,
                "change": chg,
                "ci_low": chg - 1,
                "ci_high": chg + 1,
                "flag": flag,
                "significant": risk != "",
                "p_value": 0.001 if risk else 0.5,
                "risk_change": risk,
                "mode_change": False,
            }
        )
    return pd.DataFrame(out)


def test_prose_names_exactly_the_significant_reliable_rises(monkeypatch):
    fake = SimpleNamespace(
        lang="nl",
        changes=_changes(
            [
                (
                    "health_at_risk",
                    "share",
                    "health",
                    "Gezondheidszorg en welzijn",
                    13.0,
                    "ok",
                    "rose",
                ),  # named
                (
                    "health_at_risk",
                    "share",
                    "construction",
                    "Bouw",
                    9.0,
                    "low_reliability",
                    "rose",
                ),  # flagged: not named
                ("health_at_risk", "share", "industry", "Industrie", -5.0, "ok", "fell"),  # a fall
                ("health_at_risk", "share", "education", "Onderwijs", 2.0, "ok", ""),  # not significant
                (
                    "health_at_risk",
                    "share",
                    "agriculture",
                    "Landbouw",
                    float("nan"),
                    "suppressed",
                    "",
                ),  # not compared
                ("who5_index", "mean", "trade", "Handel en horeca", -4.4, "ok", "rose"),  # named (risk: low)
                ("telework", "share", "finance", "Financiële diensten", 20.0, "ok", ""),  # no risk direction
            ]
        ),
    )
    # education's +2.0 passes the 5 % test on its own (p = 0.03), not the multiple-comparison rule
    fake.changes.loc[fake.changes.group == "education", "p_value"] = 0.03
    v = prose.changes(fake, 2024)
    assert v["compared"] == "5" and v["rises"] == "3" and v["falls"] == "1" and v["rises_reliable"] == "2"
    assert v["rises_named"] == (
        "gezondheid in gevaar (procentpunten): gezondheidszorg en welzijn +13,0; "
        "WHO-5-index (punten): handel en horeca \u22124,4"
    )
    assert v["rises_unadjusted"] == "4"  # the three rises and education
    assert "thuiswerk" in v["not_compared"]
    fake.changes = fake.changes[fake.changes.flag == "suppressed"]
    assert prose.changes(fake, 2024)["rises_named"] == i18n.t("nl", "book.change_by_group.none")


def test_signed_numbers_and_names_inside_a_sentence():
    assert i18n.signed(3.25, "nl") == "+3,2" and i18n.signed(-1.5, "fr") == "\u22121,5"
    assert i18n.signed(0.01, "nl") == "0,0"
    assert i18n.lower_first("Vlaams Gewest") == "Vlaams Gewest"
    assert i18n.lower_first("Région wallonne") == "région wallonne"
    assert i18n.lower_first("WHO-5-index") == "WHO-5-index"
    assert i18n.lower_first("Indice OMS-5") == "indice OMS-5"
