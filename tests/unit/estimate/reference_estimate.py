"""The estimator written out the slow way, one group at a time, as the textbook states it: the
reference the vectorised ``helpers.estimate.weighted.estimates`` must equal to 1e-9
(tests/unit/estimate/test_estimate.py); never imported by the pipeline.

For a group g of the whole sample: m = sum_g w y / sum_g w over the valid answers; the scores
z = w (y - m) / sum_g w, zero outside the group; PSU totals (every PSU of the design, also those
without a member of g), centred within their stratum, n_h / (n_h - 1) times the sum of squares; a
stratum of one PSU gives its total uncentred. Without a design every respondent is a PSU of one
stratum and the variance is at least Kish's. Intervals come from ``weighted.interval`` (tested
against R's ``survey`` package and by hand)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.core import config
from helpers.estimate import weighted
from helpers.estimate.weighted import ESTIMATE_COLUMNS, TOTAL


def _variance(z: pd.Series, stratum: pd.Series, psu: pd.Series) -> float:
    totals = z.groupby([stratum, psu]).sum()
    var = 0.0
    for _, t in totals.groupby(level=0):
        if len(t) == 1:
            var += float(t.iloc[0] ** 2)
        else:
            var += len(t) / (len(t) - 1) * float(((t - t.mean()) ** 2).sum())
    return var


def _one(y, w, inset, stratum, psu, known, factor) -> dict:
    valid = inset & y.notna() & w.notna()
    n = int(valid.sum())
    if n == 0:
        return {"m": np.nan, "var": np.nan, "n": 0, "df": 0, "n_eff": np.nan}
    yv, wv = y[valid], w[valid]
    sw = wv.sum()
    m = (wv * yv).sum() / sw
    z = pd.Series(0.0, index=y.index)
    z[valid] = wv * (yv - m) / sw
    var = _variance(z, stratum, psu)
    s2 = max(float((wv * yv * yv).sum() / sw - m * m), 0.0)
    if not known:
        var = max(var, s2 / (sw**2 / (wv**2).sum()))
    var *= factor**2
    present = valid & (w > 0)
    df = (
        psu[present].astype(str).str.cat(stratum[present].astype(str), sep="/").nunique()
        - stratum[present].nunique()
    )
    n_eff = min(s2 * n / (n - 1) / var, n) if var > 0 and n > 1 else float(n)
    return {"m": m, "var": var, "n": n, "df": df, "n_eff": round(n_eff, 6)}


def estimates(df, indicators, codebook, *, by=None, wave=None, min_n=None, low_n=None) -> pd.DataFrame:
    level = config.settings()["confidence_level"]
    if isinstance(indicators, str):
        indicators = [indicators]
    if wave is None:
        wave = int(df["wave"].iloc[0])
    by = [b for b in (codebook.breakdown_order if by is None else by) if b in df.columns]
    known = "stratum" in df.columns or "psu" in df.columns
    stratum = df["stratum"].astype(str) if "stratum" in df.columns else pd.Series("1", index=df.index)
    psu = (
        df["psu"].astype(str)
        if "psu" in df.columns
        else pd.Series(np.arange(len(df)).astype(str), index=df.index)
    )
    factor = 1.0 if known else weighted._design_factor(wave)
    rows = []
    for ind in indicators:
        if ind not in df.columns:
            continue
        spec = codebook.indicators[ind]
        kind = spec["type"]
        y, w = df[ind].astype(float), df[codebook.weight_column(ind, wave)].astype(float)
        groups = [(TOTAL, TOTAL, pd.Series(True, index=df.index))]
        for b in by:
            col = df[b] if isinstance(df[b].dtype, pd.CategoricalDtype) else df[b].astype("category")
            groups += [(b, str(c), col == c) for c in col.cat.categories]
        for group_var, group, inset in groups:
            e = _one(y, w, inset.fillna(False).astype(bool), stratum, psu, known, factor)
            lo, hi = weighted.interval(
                kind, [e["m"]], [e["var"]], [e["n"]], [e["df"]], level, spec.get("range")
            )
            scale = 100.0 if kind == "share" else 1.0
            rows.append(
                {
                    "wave": wave,
                    "indicator": ind,
                    "group_var": group_var,
                    "group": group,
                    "estimate": scale * e["m"],
                    "ci_low": scale * lo[0],
                    "ci_high": scale * hi[0],
                    "n": e["n"],
                    "flag": "",
                    "se": scale * np.sqrt(e["var"]),
                    "n_eff": e["n_eff"],
                    "df": e["df"],
                    "flag_reason": "",
                    "kind": kind,
                }
            )
    if not rows:
        return weighted.empty()
    return weighted.disclosure(pd.DataFrame(rows), min_n, low_n)[ESTIMATE_COLUMNS]
