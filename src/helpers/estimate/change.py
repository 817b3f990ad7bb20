"""Change by group between two waves of one series, with its uncertainty and its test.

Each wave is its own sample, so the two estimates are independent:

* the change is the difference of the two *unrounded* estimates (after minus before), rounded to
  the published precision once; it may differ by one unit of the last decimal from the difference
  of the two rounded estimates;
* its standard error is sqrt(se_before² + se_after²), each wave's design-based standard error
  (helpers.estimate.weighted), and its interval change ± z·se at the report's confidence level;
* its two-sided p-value is that of change / se under the normal distribution; the p-values are
  adjusted by Benjamini and Hochberg's procedure within each family of one indicator, one
  breakdown and one pair of waves (all workers are a family of one), and a change is
  *significant* when its adjusted p-value is below 1 - confidence level. The interval is not
  adjusted: a change whose interval leaves out zero may still not be significant.

Disclosure applies to both ends: a change is published (and tested) only when both estimates are;
one that rests on a low-reliability estimate is flagged. Only waves of the same series (same
question and answers, helpers.codebook) are compared; a pair with the 2021 telephone survey at
either end carries the mode-change mark, and a significant change of such a pair is a difference
(``risk_change`` = "different_mode"), never a rise or a fall: the change of mode may be what
changed. Otherwise, for an indicator with a risk direction (``risk: high`` or ``low`` in the
codebook) a significant change in that direction is a rise in risk (``risk_change`` = "rose"), the
other way a fall; indicators without one (telework) only change.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as st

from helpers.core import config, schema
from helpers.core.schema import FELL, MODE_DIFFERENT, ROSE
from helpers.estimate import weighted as estimate
from helpers.metadata.codebook import Codebook

KEY = ["indicator", "group_var", "group"]
COLUMNS = [
    "wave_before",
    "wave",
    "indicator",
    "group_var",
    "group",
    "estimate_before",
    "estimate_after",
    "n_before",
    "n_after",
    "flag_before",
    "flag_after",
    "change",
    "ci_low",
    "ci_high",
    "flag",
    "significant",
    "risk_change",
    "mode_change",
    "se",
    "p_value",
    "p_adjusted",
]
FAMILY = ["indicator", "group_var"]  # with the pair of waves: one table of changes holds one pair


def p_values(diff: pd.Series, se: pd.Series) -> pd.Series:
    """Two-sided normal p-values of diff / se; a difference without sampling error (both ends at
    0 % or 100 %) has p = 0 when it is not zero, 1 when it is."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (diff / se).abs().where(se > 0, np.where(diff != 0, np.inf, 0.0))
    return pd.Series(2 * st.norm.sf(z), index=diff.index).where(diff.notna())


def adjusted(p: pd.Series, families: pd.DataFrame) -> pd.Series:
    """Benjamini-Hochberg adjusted p-values within each family (rows sharing every column of
    ``families``); a missing p-value stays missing and counts in no family."""
    out = pd.Series(np.nan, index=p.index)
    have = p.notna()
    keys = [families.loc[have, c] for c in families.columns]
    for _, idx in p[have].groupby(keys[0] if len(keys) == 1 else keys, sort=False).groups.items():
        out.loc[idx] = st.false_discovery_control(p.loc[idx].to_numpy(), method="bh")
    return out


def changes(
    before: pd.DataFrame,
    after: pd.DataFrame,
    codebook: Codebook,
    *,
    decimals: int | None = None,
    level: float | None = None,
) -> pd.DataFrame:
    """The change of every indicator and group that both tables hold and both waves ask alike.

    ``before`` and ``after`` are tidy, unrounded estimates of one wave each (helpers.estimate,
    with ``se``); what is published is rounded here."""
    level = config.settings()["confidence_level"] if level is None else level
    decimals = int(config.settings()["publish"]["decimals"]) if decimals is None else decimals
    if before.empty or after.empty:
        return empty()
    w0, w1 = int(before["wave"].iloc[0]), int(after["wave"].iloc[0])
    inds = [i for i in dict.fromkeys(after["indicator"]) if codebook.comparable(i, w0, w1)]
    z = estimate.quantile(level)
    m = before[before.indicator.isin(inds)].merge(
        after[after.indicator.isin(inds)], on=KEY, suffixes=("_before", "_after"), validate="one_to_one"
    )
    if m.empty:
        return empty()
    published = (m["flag_before"] != schema.FLAG_SUPPRESSED) & (m["flag_after"] != schema.FLAG_SUPPRESSED)
    diff = (m["estimate_after"] - m["estimate_before"]).where(published)
    se = np.sqrt(m["se_before"] ** 2 + m["se_after"] ** 2).where(published)
    p = p_values(diff, se)
    p_adj = adjusted(p, m[FAMILY])

    def published_value(x: pd.Series) -> pd.Series:
        return x.round(decimals) + 0.0

    out = pd.DataFrame(
        {
            "wave_before": w0,
            "wave": w1,
            "indicator": m["indicator"],
            "group_var": m["group_var"],
            "group": m["group"],
            "estimate_before": published_value(m["estimate_before"]),
            "estimate_after": published_value(m["estimate_after"]),
            "n_before": m["n_before"].astype(int),
            "n_after": m["n_after"].astype(int),
            "flag_before": m["flag_before"],
            "flag_after": m["flag_after"],
            "change": published_value(diff),
            "ci_low": published_value(diff - z * se),
            "ci_high": published_value(diff + z * se),
            "se": se.round(decimals + 2) + 0.0,
            "p_value": p.round(6) + 0.0,
            "p_adjusted": p_adj.round(6) + 0.0,
        }
    )
    low = (m["flag_before"] == schema.FLAG_LOW) | (m["flag_after"] == schema.FLAG_LOW)
    out["flag"] = np.where(~published, schema.FLAG_SUPPRESSED, np.where(low, schema.FLAG_LOW, schema.FLAG_OK))
    out["significant"] = published & (p_adj < 1 - level)
    mode = any(bool(codebook.waves[w].get("mode_change", False)) for w in (w0, w1))
    sign = m["indicator"].map(codebook.risk_sign)
    worse = out["significant"] & (sign * diff > 0)
    better = out["significant"] & (sign * diff < 0)
    if mode:
        out["risk_change"] = np.where(out["significant"], MODE_DIFFERENT, "")
    else:
        out["risk_change"] = np.where(worse, ROSE, np.where(better, FELL, ""))
    out["mode_change"] = mode
    return out[COLUMNS].reset_index(drop=True)


def empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64") for c in COLUMNS}).astype(
        {
            "wave_before": "int64",
            "wave": "int64",
            "indicator": "str",
            "group_var": "str",
            "group": "str",
            "n_before": "int64",
            "n_after": "int64",
            "flag_before": "str",
            "flag_after": "str",
            "flag": "str",
            "significant": "bool",
            "risk_change": "str",
            "mode_change": "bool",
        }
    )
