"""Change by group between two waves of one series, with its uncertainty.

Each wave is its own sample, so the two estimates are independent:

* the change is the difference of the two *published* estimates (after minus before), so that it
  is exactly the difference a reader computes from the figures;
* its standard error is sqrt(se_before² + se_after²), each wave's standard error being the one
  behind its published interval (helpers.estimate; for a share never less than the Wilson
  interval's half-width over z, which keeps an estimate of 0 % or 100 % from having none);
* its interval is change ± z·se at the report's confidence level; a change is *significant* when
  that interval leaves out zero.

Disclosure applies to both ends: a change is published only when both estimates are; one that
rests on a low-reliability estimate is flagged. Only waves of the same series (same question and
answers, helpers.codebook) are compared; a pair with the 2021 telephone survey at either end
carries the mode-change mark. For an indicator with a risk direction (``risk: high`` or ``low``
in the codebook) a significant change in that direction is a rise in risk (``risk_change`` =
"rose"), the other way a fall; indicators without one (telework) only change.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.core import config, schema
from helpers.core.schema import FELL, ROSE
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
]


def _se(t: pd.DataFrame, kind: pd.Series, z: float) -> pd.Series:
    wilson = (t["ci_high"] - t["ci_low"]) / (2 * z)
    return pd.Series(np.where(kind == "share", np.fmax(t["se"], wilson), t["se"]), index=t.index)


def changes(
    before: pd.DataFrame,
    after: pd.DataFrame,
    codebook: Codebook,
    *,
    decimals: int | None = None,
    level: float | None = None,
) -> pd.DataFrame:
    """The change of every indicator and group that both tables hold and both waves ask alike.

    ``before`` and ``after`` are tidy estimates of one wave each (helpers.estimate, with ``se``),
    rounded as published."""
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
    kind = m["indicator"].map(lambda i: codebook.indicators[i]["type"])
    se0 = _se(m.filter(like="_before").rename(columns=lambda c: c[: -len("_before")]), kind, z)
    se1 = _se(m.filter(like="_after").rename(columns=lambda c: c[: -len("_after")]), kind, z)
    published = (m["flag_before"] != schema.FLAG_SUPPRESSED) & (m["flag_after"] != schema.FLAG_SUPPRESSED)
    diff = (m["estimate_after"] - m["estimate_before"]).where(published)
    se = np.sqrt(se0**2 + se1**2).where(published)
    out = pd.DataFrame(
        {
            "wave_before": w0,
            "wave": w1,
            "indicator": m["indicator"],
            "group_var": m["group_var"],
            "group": m["group"],
            "estimate_before": m["estimate_before"],
            "estimate_after": m["estimate_after"],
            "n_before": m["n_before"].astype(int),
            "n_after": m["n_after"].astype(int),
            "flag_before": m["flag_before"],
            "flag_after": m["flag_after"],
            "change": diff.round(decimals) + 0.0,
            "ci_low": (diff - z * se).round(decimals) + 0.0,
            "ci_high": (diff + z * se).round(decimals) + 0.0,
        }
    )
    low = (m["flag_before"] == schema.FLAG_LOW) | (m["flag_after"] == schema.FLAG_LOW)
    out["flag"] = np.where(~published, schema.FLAG_SUPPRESSED, np.where(low, schema.FLAG_LOW, schema.FLAG_OK))
    out["significant"] = published & ((out["ci_low"] > 0) | (out["ci_high"] < 0))
    sign = m["indicator"].map(lambda i: {"high": 1, "low": -1}.get(codebook.indicators[i].get("risk"), 0))
    worse = out["significant"] & (sign * out["change"] > 0)
    better = out["significant"] & (sign * out["change"] < 0)
    out["risk_change"] = np.where(worse, ROSE, np.where(better, FELL, ""))
    out["mode_change"] = any(bool(codebook.waves[w].get("mode_change", False)) for w in (w0, w1))
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
