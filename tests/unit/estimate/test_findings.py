"""The rule behind a title that states a finding (helpers.estimate.findings), on hand-made estimates."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from helpers.estimate import findings


def _groups(rows):
    return pd.DataFrame(
        [{"group": g, "estimate": e, "se": s, "flag": f} for g, e, s, f in rows],
    )


TOTAL = pd.Series({"estimate": 20.0, "se": 1.0})


def test_a_group_far_above_all_workers_is_named():
    g = _groups([("a", 35.0, 3.0, "ok"), ("b", 18.0, 2.0, "ok"), ("c", 15.0, 2.0, "ok")])
    top = findings.highest(g, TOTAL)
    assert top is not None and top.group == "a"


def test_the_test_is_the_difference_over_both_standard_errors_with_benjamini_hochberg():
    g = _groups([("a", 25.0, 2.0, "ok"), ("b", 17.0, 2.0, "ok"), ("c", 21.0, 2.0, "ok")])
    out = findings.versus_all(g, TOTAL).set_index("group")
    z = (g.estimate - 20.0) / np.sqrt(g.se**2 + 1.0)
    p = 2 * stats.norm.sf(z.abs())
    assert np.allclose(out.p_value.to_numpy(), p)
    assert np.allclose(out.p_adjusted.to_numpy(), stats.false_discovery_control(p, method="bh"))
    # a: z = 2.24, p = 0.025 alone, 0.076 after the rule: not significant, and no title names it
    assert out.loc["a", "p_value"] < 0.05 < out.loc["a", "p_adjusted"]
    assert findings.highest(g, TOTAL) is None


def test_a_low_reliability_group_is_never_named_nor_counted():
    g = _groups([("a", 60.0, 3.0, "low_reliability"), ("b", 30.0, 2.0, "ok"), ("c", 19.0, 2.0, "ok")])
    out = findings.versus_all(g, TOTAL)
    assert list(out.group) == ["b", "c"]
    top = findings.highest(g, TOTAL)
    assert top is not None and top.group == "b"


def test_a_highest_group_below_all_workers_or_within_its_interval_is_not_named():
    assert findings.highest(_groups([("a", 21.0, 4.0, "ok"), ("b", 19.0, 4.0, "ok")]), TOTAL) is None
    assert findings.highest(_groups([("a", 12.0, 1.0, "ok"), ("b", 10.0, 1.0, "ok")]), TOTAL) is None
    assert findings.highest(_groups([("a", np.nan, np.nan, "suppressed")]), TOTAL) is None
