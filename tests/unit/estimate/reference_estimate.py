"""Today's estimator as it was before the vectorised one (commit ae41a7f): one small pandas
computation per indicator and breakdown. Kept only as the reference the vectorised
``helpers.estimate.estimates`` must equal to 1e-9 (tests/test_estimate.py); never imported by the
pipeline."""

from __future__ import annotations

import pandas as pd

from helpers.core import config
from helpers.estimate import weighted as estimate
from helpers.estimate.weighted import ESTIMATE_COLUMNS, TOTAL, disclosure, empty, summarise


def _sums(y: pd.Series, w: pd.Series, groups: pd.Series | None) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "n": 1,
            "sw": w,
            "swy": w * y,
            "swy2": w * y * y,
            "sw2": w * w,
            "sw2y": w * w * y,
            "sw2y2": w * w * y * y,
        }
    )
    if groups is None:
        return frame.sum().to_frame().T.set_axis([TOTAL])
    return frame.groupby(groups, observed=False).sum()


def estimates(df, indicators, codebook, *, by=None, wave=None, min_n=None, low_n=None) -> pd.DataFrame:
    level = config.settings()["confidence_level"]
    if isinstance(indicators, str):
        indicators = [indicators]
    if wave is None:
        wave = int(df["wave"].iloc[0])
    by = [b for b in (codebook.breakdown_order if by is None else by) if b in df.columns]
    parts = []
    for ind in indicators:
        if ind not in df.columns:
            continue
        kind = codebook.indicators[ind]["type"]
        bounds = codebook.indicators[ind].get("range")
        wcol = codebook.weight_column(ind, wave)
        keep = df[ind].notna() & df[wcol].notna()
        y, w = df.loc[keep, ind], df.loc[keep, wcol]
        for group_var in [TOTAL, *by]:
            groups = None if group_var == TOTAL else df.loc[keep, group_var]
            s = summarise(_sums(y, w, groups), kind, level, bounds)
            s = s.rename_axis("group").reset_index()
            s["group"] = s["group"].astype(str)
            s.insert(0, "group_var", group_var)
            s.insert(0, "indicator", ind)
            s.insert(0, "wave", wave)
            parts.append(s)
    if not parts:
        return empty()
    table = pd.concat(parts, ignore_index=True)
    return disclosure(table, min_n, low_n)[ESTIMATE_COLUMNS]


assert estimate.TOTAL == TOTAL
