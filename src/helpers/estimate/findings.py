"""Which statements the estimates support: the one rule behind a figure title that states a finding.

A title names a group ("Exhaustion: highest in health care") only when the statistics support it:

* the group is the highest of its breakdown among the reliable estimates (flag "ok");
* it differs from all workers significantly: the difference of the two estimates over
  sqrt(se_group² + se_all²), two-sided, under the normal distribution. Treating the two as
  independent leaves out their positive covariance (the group is part of all workers), which
  overstates the difference's standard error: the test is conservative, and a finding that passes
  it passes the exact one too;
* after the multiple-comparison rule of the report (helpers.estimate.change.adjusted: Benjamini and
  Hochberg within the family of the breakdown's reliable groups) its adjusted p-value is below
  1 - confidence level.

Otherwise the title is neutral: the caption's plain description. Changes between waves are
judged by the store's test (helpers.estimate.change), not here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.core import config, schema
from helpers.estimate.change import adjusted, p_values


def versus_all(groups: pd.DataFrame, total: pd.Series) -> pd.DataFrame:
    """Each reliable group of one breakdown against all workers: ``difference``, ``p_value``,
    ``p_adjusted`` and ``significant`` (rows of ``groups`` with estimate, se and flag; ``total`` the
    row of all workers)."""
    level = float(config.settings()["confidence_level"])
    ok = groups[(groups["flag"] == schema.FLAG_OK) & groups["estimate"].notna() & groups["se"].notna()]
    out = ok.copy()
    out["difference"] = out["estimate"] - float(total["estimate"])
    se = np.sqrt(out["se"].astype(float) ** 2 + float(total["se"]) ** 2)
    out["p_value"] = p_values(out["difference"], se)
    out["p_adjusted"] = adjusted(out["p_value"], pd.DataFrame({"family": 0}, index=out.index))
    out["significant"] = out["p_adjusted"] < 1 - level
    return out


def highest(groups: pd.DataFrame, total: pd.Series) -> pd.Series | None:
    """The group a title may name as highest: the highest reliable one, when it lies significantly
    above all workers by the rule above; None when no title may name one."""
    tested = versus_all(groups, total)
    if tested.empty:
        return None
    top = tested.loc[tested["estimate"].idxmax()]
    return top if bool(top["significant"]) and top["difference"] > 0 else None
