"""What the figure methods write about the numbers: alt texts name reliable groups only."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.estimate import weighted as estimate
from helpers.notebook import report


def capture(r: report.Report) -> list[dict]:
    """Replace the report's publishing with a list of what it would publish."""
    published: list[dict] = []
    r._publish = lambda label, **kw: published.append({"label": label, **kw})  # noqa: E731
    return published


def crafted(indicator: str, wave: int, group_var: str, rows: list[tuple[str, float, int]]) -> pd.DataFrame:
    """Estimates of one indicator: a total and ``rows`` of (group, estimate, n), flagged by the rule."""
    data = [(wave, indicator, "total", "total", 40.0, 38.0, 42.0, 2000)]
    data += [(wave, indicator, group_var, g, v, v - 5, v + 5, n) for g, v, n in rows]
    t = pd.DataFrame(data, columns=estimate.COLUMNS[:-1])
    out = estimate.disclosure(t)[estimate.COLUMNS]
    return out.assign(se=(out.ci_high - out.ci_low) / (2 * 1.96))  # the interval's standard error


@pytest.fixture
def burnout_2015():
    return report.Report("burnout", 2015, "nl")


def test_a_group_figure_states_its_finding_only_when_the_estimates_support_it(burnout_2015):
    """Issue 22: the caption leads with the highest group only when it differs significantly from
    all workers after the multiple-comparison rule (helpers.estimate.findings); else it describes."""
    r = burnout_2015
    label = lambda g: r.cb.label("nl", breakdown="sector", category=g)  # noqa: E731
    rows = [("industry", 41.0, 300), ("construction", 58.0, 200), ("education", 36.0, 250)]
    r._estimates[(("exhaustion",), 2015)] = crafted("exhaustion", 2015, "sector", rows)
    out = capture(r)
    r.group_figure("fig-x", "exhaustion", "sector")
    finding = "Uitputting het hoogst: " + label("construction").lower()
    assert out[0]["cap"].startswith(finding + ". Uitputting")
    rows = [("industry", 41.0, 300), ("construction", 44.0, 200), ("education", 36.0, 250)]
    r._estimates[(("exhaustion",), 2015)] = crafted("exhaustion", 2015, "sector", rows)
    r.group_figure("fig-x", "exhaustion", "sector")
    assert out[1]["cap"] == "Uitputting naar sector, 2015"  # 44 ± 5 against 40 ± 2: not shown to differ


def test_group_alt_text_skips_low_reliability_groups(burnout_2015):
    r = burnout_2015
    # agriculture has the lowest value but only 34 respondents; mining too few to show at all
    r._estimates[(("exhaustion",), 2015)] = crafted(
        "exhaustion",
        2015,
        "sector",
        [
            ("agriculture", 33.0, 34),
            ("financial", 90.0, 12),
            ("industry", 41.0, 300),
            ("construction", 47.0, 200),
            ("education", 36.0, 250),
        ],
    )
    out = capture(r)
    r.group_figure("fig-x", "exhaustion", "sector")
    alt = out[0]["alt"]
    label = lambda g: r.cb.label("nl", breakdown="sector", category=g)  # noqa: E731
    assert label("construction") in alt and "47" in alt
    assert label("education") in alt and "36" in alt
    assert label("agriculture") not in alt and "33" not in alt
    assert label("financial") not in alt
    assert "1 schatting(en) met lage betrouwbaarheid" in alt
    assert "1 groep(en) niet getoond" in alt


def test_group_alt_text_says_when_no_group_is_reliable(burnout_2015):
    r = burnout_2015
    r._estimates[(("exhaustion",), 2015)] = crafted(
        "exhaustion", 2015, "sector", [("agriculture", 33.0, 34), ("industry", 41.0, 45)]
    )
    out = capture(r)
    r.group_figure("fig-x", "exhaustion", "sector")
    alt = out[0]["alt"]
    assert "lage betrouwbaarheid" in alt and "het hoogst" not in alt.lower()
    assert r.cb.label("nl", breakdown="sector", category="agriculture") not in alt


def test_risk_map_alt_text_names_the_largest_reliable_deviation(burnout_2015):
    r = burnout_2015
    inds = [i for i in r._available(r.indicators) if r.cb.indicators[i].get("risk") in ("high", "low")]
    parts = []
    for i in inds:
        # for every indicator the flagged group deviates most; among reliable ones, education
        parts.append(
            crafted(
                i,
                2015,
                "sector",
                [("agriculture", 95.0, 40), ("education", 60.0 if i == "exhaustion" else 42.0, 400)],
            )
        )
    r._estimates[(tuple(r.indicators), 2015)] = pd.concat(parts, ignore_index=True)
    out = capture(r)
    r.risk_map("fig-x", "sector")
    alt = out[0]["alt"]
    assert r.cb.label("nl", breakdown="sector", category="education") in alt
    assert r.cb.label("nl", breakdown="sector", category="agriculture") not in alt
    assert "uitputting" in alt.lower()


def test_real_2015_exhaustion_by_sector_names_only_reliable_groups(burnout_2015):
    """On the synthetic data: whatever the groups, the alt text's groups are flagged ok."""
    r = burnout_2015
    out = capture(r)
    r.group_figure("fig-x", "exhaustion", "sector")
    alt, table = out[0]["alt"], out[0]["table"]
    est = r.estimates(["exhaustion"])
    rows = est[(est.indicator == "exhaustion") & (est.group_var == "sector")]
    for row in rows.itertuples():
        name = r.cb.label("nl", breakdown="sector", category=row.group)
        named = f"bij {name} (" in alt
        if row.flag != estimate.FLAG_OK:
            assert not named, (name, row.flag, alt)
    assert len(table) == len(rows) + 1


def test_table_cells_stay_as_written_in_the_language():
    """1,830 respondents are "1.830" in Dutch: the table must not read that as the number 1.83."""
    from helpers.core import i18n

    md = i18n.pipe_table(
        [
            {"Respondenten (n)": i18n.number(1830, "nl", 0), "Schatting": "55,2"},
            {"Respondenten (n)": i18n.number(1000, "nl", 0), "Schatting": "9%"},
        ],
        "rr",
    )
    assert "1.830" in md and "1.000" in md and "55,2" in md
    assert md.splitlines()[1].endswith(":|")  # right-aligned as asked


def test_the_europe_figure_states_a_difference_only_when_significant_and_reliable(monkeypatch):
    """Issue 24: the caption of the chapter's Europe figure says "higher"/"lower" only for the
    indicators whose difference with the EU27 is significant (after Benjamini-Hochberg) and whose
    Belgian estimate is reliable; its CSV is the countries' rows in the open data's schema."""
    import numpy as np

    from helpers.core import schema
    from helpers.estimate import europe

    r = report.Report("burnout", 2024, "nl")
    states = r.cb.eu27()
    inds = ["exhaustion", "stress", "fatigue"]
    rows = []
    for i, ind in enumerate(inds):
        for k, c in enumerate([*states, europe.EU27]):
            v = 20.0 + k * 0.5 + i
            flag = schema.FLAG_LOW if (ind == "stress" and c == schema.BELGIUM) else schema.FLAG_OK
            rows.append((c, 2024, ind, "total", "total", v, v - 2, v + 2, 900, flag, 1.0, 800.0, 60, ""))
    countries = pd.DataFrame(rows, columns=["country", *estimate.ESTIMATE_COLUMNS])
    versus = pd.DataFrame(
        {
            "wave": 2024, "indicator": inds, "kind": "share", "group_var": "total", "group": "total",
            "estimate": [30.0, 25.0, 22.0], "estimate_eu27": [25.0, 20.0, 22.5], "share_of_eu27": 0.025,
            "difference": [5.0, 5.0, -0.5], "ci_low": [2.0, 2.0, -3.0], "ci_high": [8.0, 8.0, 2.0],
            "se": 1.5, "p_value": [0.001, 0.001, 0.7], "p_adjusted": [0.003, 0.003, 0.7],
            "significant": [True, True, False], "flag": [schema.FLAG_OK, schema.FLAG_LOW, schema.FLAG_OK],
            "rank": [3.0, 4.0, 15.0], "ranked": 27.0,
        }
    )  # fmt: skip
    monkeypatch.setattr(r._store, "europe", lambda w: countries)
    monkeypatch.setattr(r._store, "versus_eu27", lambda w: versus)
    out = capture(r)
    r.europe_figure("fig-x", inds)
    cap = out[0]["cap"]
    exhaustion = r.cb.label("nl", "exhaustion", short=True, wave=2024).lower()
    assert cap.startswith(f"België hoger dan de EU27 voor {exhaustion}. ")
    assert "stress" not in cap.split(". ")[0].lower()  # significant, but Belgium's estimate is not reliable
    assert "3e van 27" in out[0]["alt"] and "geen significant verschil" in out[0]["alt"]
    table = out[0]["table"]
    assert list(table.columns) == schema.EUROPE_COLUMNS
    assert len(table) == len(inds) * 28 and set(table.country_label) >= {"België", "EU27", "Nederland"}
    given = europe.published(countries)[["indicator", "country", "estimate"]]
    same = table.merge(given, on=["indicator", "country"], suffixes=("", "_given"), validate="one_to_one")
    assert len(same) == len(table) and np.allclose(same.estimate, same.estimate_given)
    # indicator by indicator, Belgium, the EU27 and the neighbours first
    assert list(table.indicator.drop_duplicates()) == inds
    assert list(table.country[:6]) == [schema.BELGIUM, europe.EU27, *europe.neighbours(r.cb)]
