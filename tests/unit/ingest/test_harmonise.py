"""Recodes per wave: directions, reversed scales, missing codes, composite items, breakdowns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.ingest.harmonise import breakdown_values, harmonise, indicator_values

NaN = np.nan


def values(cb, indicator, wave, **columns):
    return list(indicator_values(pd.DataFrame(columns), cb.indicator_spec(indicator, wave), cb))


def same(a, b):
    return all((np.isnan(x) and np.isnan(y)) or x == y for x, y in zip(a, b, strict=True))


def test_reversed_agreement_scale_of_2010(cb):
    # job insecurity: 2010 codes 1 Strongly disagree ... 5 Strongly agree; 2015 the other way round
    assert same(
        values(cb, "job_insecurity", 2010, q77a=[1, 2, 3, 4, 5, 8, 9, 7]), [0, 0, 0, 1, 1, NaN, NaN, NaN]
    )
    assert same(
        values(cb, "job_insecurity", 2015, Q89g=[1, 2, 3, 4, 5, 8, 9, 7]), [1, 1, 0, 0, 0, NaN, NaN, NaN]
    )


def test_2021_frequency_direction_and_negative_missing_codes(cb):
    # 2021: 1 Never ... 5 Always; 2024: 1 Always ... 5 Never; both: "often or always" is positive
    assert same(
        values(cb, "worry_about_work", 2021, wlb_worry=[1, 2, 3, 4, 5, -777, -888, -999, NaN]),
        [0, 0, 0, 1, 1, NaN, NaN, NaN, NaN],
    )
    assert same(
        values(cb, "worry_about_work", 2024, wlb_worry=[1, 2, 3, 4, 5, -997, -998, -999]),
        [1, 1, 0, 0, 0, NaN, NaN, NaN],
    )


def test_timeshare_items_and_two_digit_codes_are_not_confused(cb):
    # T7 has 7 = Never as a valid code and 8/9 as missing codes
    assert same(values(cb, "high_speed", 2015, Q49a=[1, 3, 4, 7, 8, 9]), [1, 1, 0, 0, NaN, NaN])


def test_scored_mean_items(cb):
    # exhaustion score: 1 Always -> 100 ... 5 Never -> 0 (2015); reversed codes in 2021
    assert same(values(cb, "exhaustion_score", 2015, Q90d=[1, 3, 5, 8]), [100, 50, 0, NaN])
    assert same(values(cb, "exhaustion_score", 2021, emot_drained=[1, 3, 5, -888]), [0, 50, 100, NaN])


def test_who5_index_needs_all_five_items(cb):
    items = dict(
        Q87a=[1, 6, 3, 1], Q87b=[1, 6, 3, 1], Q87c=[1, 6, 3, 1], Q87d=[1, 6, 3, 1], Q87e=[1, 6, 3, 9]
    )
    # all "all of the time" -> 5*5*4 = 100; all "at no time" -> 0; code 3 -> score 3 -> 60
    assert same(values(cb, "who5_index", 2015, **items), [100, 0, 60, NaN])


def test_any_and_none_rules_over_items(cb):
    asb = {
        f"Q8{k}": v
        for k, v in {
            "0a": [2, 2, 1, 8],
            "0b": [2, 2, 2, 2],
            "0c": [2, 2, 2, 2],
            "0d": [2, 2, 2, 2],
            "1a": [2, 8, 2, 2],
            "1b": [2, 2, 2, 2],
            "1c": [2, 2, 2, 1],
        }.items()
    }
    # any: 0 when all known and none positive; unknown when one is missing and none positive
    assert same(values(cb, "adverse_social_behaviour", 2015, **asb), [0, NaN, 1, 1])
    autonomy = dict(Q54a=[2, 1, 2, 9], Q54b=[2, 2, 2, 2], Q54c=[2, 2, 8, 1])
    # none: 1 when every item is known and none is "yes"
    assert same(values(cb, "low_autonomy", 2015, **autonomy), [1, 0, NaN, 0])


def test_breakdowns_map_bins_and_unmapped_codes(cb):
    df = pd.DataFrame({"q6": [1, 2, 3, 4, 8], "hh2b": [15, 29, 30, 55, 888], "nuts2": [1, 2, 7, 11, 5]})
    status = breakdown_values(df, "employment_status", 2010, cb).astype(object)
    assert list(status[:3]) == ["self_employed", "self_employed", "employee"]
    assert pd.isna(status[3]) and pd.isna(status[4])  # 4 "Other": in no group; 8 = don't know
    assert list(breakdown_values(df, "age_group", 2010, cb).astype(object)[:4]) == [
        "age_15_29",
        "age_15_29",
        "age_30_44",
        "age_55_plus",
    ]
    assert pd.isna(breakdown_values(df, "age_group", 2010, cb)[4])  # 888 = don't know
    assert list(breakdown_values(df, "region", 2021, cb).astype(object)[:4]) == [
        "brussels",
        "flanders",
        "wallonia",
        "wallonia",
    ]


def test_derived_share_and_normalised_weights(cb):
    items = {f"Q87{k}": [1, 4, 6, 8] for k in "abcde"}
    cols = {v: [1, 1, 1, 1] for v in cb.variables(2015)}
    cols.update({"Q2b": [30, 30, 30, 30], "w4": [1, 2, 3, 6]}, **items)
    df = pd.DataFrame(cols)
    processed, quality = harmonise(df, 2015, cb)
    assert same(list(processed["who5_index"]), [100, 40, 0, NaN])
    assert same(list(processed["who5_poor"]), [0, 1, 1, NaN])
    assert same(list(processed["who5_depression_risk"]), [0, 0, 1, NaN])
    assert processed["weight"].mean() == pytest.approx(1.0)
    assert list(processed["weight"]) == pytest.approx([1 / 3, 2 / 3, 1, 2])
    row = quality.set_index("name").loc["who5_index"]
    assert (row.asked, row.valid, row.nonresponse) == (4, 3, 1)


def test_answers_in_no_group_are_not_nonresponse(cb):
    """2015 occupation: armed forces (code 10) is a valid answer that no published group takes."""
    cols = {v: [1] * 6 for v in cb.variables(2015)}
    occupation = cb.breakdowns["occupation"]["waves"][2015]["var"]
    cols.update({"Q2b": [30] * 6, "w4": [1] * 6, occupation: [1, 2, 10, 10, 88, 99]})
    _, quality = harmonise(pd.DataFrame(cols), 2015, cb)
    row = quality[(quality.kind == "breakdown") & (quality.name == "occupation")].iloc[0]
    assert (row.asked, row.valid, row.outside, row.nonresponse) == (6, 2, 2, 2)
    assert row.nonresponse_pct == round(100 * 2 / 6, 2)


def test_other_employment_status_of_2010_is_not_nonresponse(cb):
    cols = {v: [1] * 4 for v in cb.variables(2010)}
    cols.update({"hh2b": [30] * 4, "w4": [1] * 4, "q6": [3, 4, 4, 8]})
    _, quality = harmonise(pd.DataFrame(cols), 2010, cb)
    row = quality[(quality.kind == "breakdown") & (quality.name == "employment_status")].iloc[0]
    assert (row.outside, row.nonresponse) == (2, 1)
