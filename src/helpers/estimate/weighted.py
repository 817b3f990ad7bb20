"""Weighted estimates with confidence intervals, and disclosure control.

Shares are reported in per cent, means in their own unit. For every group:

* the estimate is the weighted mean  m = sum(w*y) / sum(w);
* its variance is the larger of the linearised (sandwich) variance
  n/(n-1) * sum(w^2 (y-m)^2) / sum(w)^2 and the variance at Kish's effective sample size,
  s^2 / n_eff with n_eff = sum(w)^2 / sum(w^2): the design effect of the weights is the least we
  admit, more where the linearised variance says so (clustering is not in the files);
* shares get a Wilson interval at the effective size that matches that variance; means a normal one;
  bounds never leave the possible range (0-100 % for shares, the indicator's ``range`` for means),
  and a bound at zero is published as 0, never -0;
* n is the unweighted number of respondents with a valid answer. Below ``min_n`` the estimate and
  its interval are suppressed; below ``low_reliability_n`` they are flagged.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

from helpers.core import config
from helpers.core.schema import FLAG_LOW, FLAG_OK, FLAG_SUPPRESSED, TOTAL
from helpers.metadata.codebook import Codebook

COLUMNS = ["wave", "indicator", "group_var", "group", "estimate", "ci_low", "ci_high", "n", "flag"]
# what estimates() returns: the published columns and the standard error behind the interval (in
# the estimate's unit: percentage points for shares), which changes between waves need
ESTIMATE_COLUMNS = [*COLUMNS, "se"]


def empty() -> pd.DataFrame:
    """A tidy table with no rows but the right column types."""
    return pd.DataFrame(
        {
            "wave": pd.Series(dtype="int64"),
            "indicator": pd.Series(dtype="str"),
            "group_var": pd.Series(dtype="str"),
            "group": pd.Series(dtype="str"),
            **{c: pd.Series(dtype="float64") for c in ("estimate", "ci_low", "ci_high")},
            "n": pd.Series(dtype="int64"),
            "flag": pd.Series(dtype="str"),
            "se": pd.Series(dtype="float64"),
        }
    )


def quantile(level: float) -> float:
    """The normal quantile of a two-sided interval at ``level`` (1.96 at 95%)."""
    return NormalDist().inv_cdf(0.5 + level / 2)


def summarise(sums: pd.DataFrame, kind: str, level: float, bounds: tuple | None = None) -> pd.DataFrame:
    """Estimates from per-group sums: n, sw, swy, swy2, sw2, sw2y, sw2y2 (y in 0/1 for shares).

    ``bounds`` is the possible range of a mean (its indicator's ``range``); shares lie in 0-100."""
    n, sw = sums["n"].astype(float), sums["sw"]
    with np.errstate(divide="ignore", invalid="ignore"):
        m = sums["swy"] / sw
        n_eff = sw**2 / sums["sw2"]
        s2 = (sums["swy2"] / sw - m**2).clip(lower=0)  # weighted population variance of y
        lin = n / (n - 1) * (sums["sw2y2"] - 2 * m * sums["sw2y"] + m**2 * sums["sw2"]) / sw**2
        var = np.maximum(lin.clip(lower=0), s2 / n_eff)
        z = quantile(level)
        if kind == "share":
            # Wilson interval at the effective size whose binomial variance equals `var`
            n_star = np.where(var > 0, m * (1 - m) / var, n_eff)
            n_star = np.where((m <= 0) | (m >= 1), n_eff, n_star)
            denom = 1 + z**2 / n_star
            centre = (m + z**2 / (2 * n_star)) / denom
            half = z * np.sqrt(m * (1 - m) / n_star + z**2 / (4 * n_star**2)) / denom
            est, lo, hi = 100 * m, 100 * (centre - half), 100 * (centre + half)
            se = 100 * np.sqrt(var)
        else:
            se = np.sqrt(var)
            est, lo, hi = m, m - z * se, m + z * se
    low, high = (0.0, 100.0) if kind == "share" else (bounds or (-np.inf, np.inf))
    # + 0.0 turns -0.0 (a Wilson bound at p = 0 computed as a tiny negative) into 0.0
    lo, hi = np.clip(lo, low, high) + 0.0, np.clip(hi, low, high) + 0.0
    return pd.DataFrame(
        {"estimate": est, "ci_low": lo, "ci_high": hi, "n": sums["n"].astype(int), "se": se}, index=sums.index
    )


def rounded(table: pd.DataFrame, decimals: int) -> pd.DataFrame:
    """The table with estimates and bounds rounded to the published precision (+ 0.0: never -0)."""
    t = table.copy()
    for c in ("estimate", "ci_low", "ci_high"):
        t[c] = t[c].astype(float).round(decimals) + 0.0
    return t


def disclosure(table: pd.DataFrame, min_n: int | None = None, low_n: int | None = None) -> pd.DataFrame:
    """Flag low-reliability estimates and blank out suppressed ones (in place on a copy)."""
    d = config.settings()["disclosure"]
    min_n = d["min_n"] if min_n is None else min_n
    low_n = d["low_reliability_n"] if low_n is None else low_n
    t = table.copy()
    t["flag"] = np.where(t["n"] < min_n, FLAG_SUPPRESSED, np.where(t["n"] < low_n, FLAG_LOW, FLAG_OK))
    t.loc[t["flag"] == FLAG_SUPPRESSED, [c for c in ("estimate", "ci_low", "ci_high", "se") if c in t]] = (
        np.nan
    )
    return t


SUMS = ["n", "sw", "swy", "swy2", "sw2", "sw2y", "sw2y2"]


def _groups(df: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Every respondent's membership of every group as one 0/1 matrix (respondents x groups): the
    whole sample first, then each breakdown's categories in the codebook's order (every category,
    answered or not; a missing breakdown value belongs to no group of it)."""
    columns, keys = [np.ones(len(df))], [(TOTAL, TOTAL)]
    for b in by:
        col = df[b] if isinstance(df[b].dtype, pd.CategoricalDtype) else df[b].astype("category")
        codes = col.cat.codes.to_numpy()
        cats = col.cat.categories
        columns.append((codes[:, None] == np.arange(len(cats))[None, :]).astype(float))
        keys += [(b, str(c)) for c in cats]
    return np.column_stack(columns), keys


def estimates(
    df: pd.DataFrame,
    indicators,
    codebook: Codebook,
    *,
    by=None,
    wave: int | None = None,
    min_n: int | None = None,
    low_n: int | None = None,
) -> pd.DataFrame:
    """Tidy estimates of ``indicators`` for the whole sample and by each breakdown in ``by``.

    ``by`` defaults to every breakdown of the codebook present in ``df``; every category of a
    breakdown gets a row, with n = 0 (suppressed) where nobody answered. One pass over the data for
    all indicators and groups: the seven weighted sums behind every estimate are one matrix
    product (group membership by per-respondent terms); rows come out indicator by indicator, the
    whole sample first, then each breakdown's categories in order.
    """
    level = config.settings()["confidence_level"]
    if isinstance(indicators, str):
        indicators = [indicators]
    if wave is None:
        wave = int(df["wave"].iloc[0])
    by = [b for b in (codebook.breakdown_order if by is None else by) if b in df.columns]
    inds = [i for i in indicators if i in df.columns]
    if not inds:
        return empty()
    y = df[inds].to_numpy(dtype=float)
    w = np.column_stack([df[codebook.weight_column(i, wave)].to_numpy(dtype=float) for i in inds])
    valid = ~(np.isnan(y) | np.isnan(w))
    y, w = np.where(valid, y, 0.0), np.where(valid, w, 0.0)
    wy, w2 = w * y, w * w
    w2y = w2 * y
    terms = np.concatenate([valid.astype(float), w, wy, wy * y, w2, w2y, w2y * y], axis=1)  # respondents x 7k
    member, keys = _groups(df, by)
    sums = member.T @ terms  # groups x 7k
    k, g = len(inds), len(keys)
    # one row per indicator and group, in the order the loop of small computations gave them
    long = pd.DataFrame(
        sums.reshape(g, len(SUMS), k).transpose(2, 0, 1).reshape(k * g, len(SUMS)), columns=SUMS
    )
    long.insert(0, "group", [key[1] for key in keys] * k)
    long.insert(0, "group_var", [key[0] for key in keys] * k)
    long.insert(0, "indicator", np.repeat(inds, g))
    parts = []
    for ind, rows in long.groupby("indicator", sort=False):
        spec = codebook.indicators[ind]
        parts.append(summarise(rows[SUMS], spec["type"], level, spec.get("range")))
    out = pd.concat([long[["indicator", "group_var", "group"]], pd.concat(parts)], axis=1)
    out.insert(0, "wave", wave)
    return disclosure(out, min_n, low_n)[ESTIMATE_COLUMNS]


def trend(all_estimates: pd.DataFrame, indicator: str, wave: int, codebook: Codebook) -> pd.DataFrame:
    """Estimates of ``indicator`` up to ``wave`` from the waves comparable with ``wave`` only.

    Comparable = same series in the codebook. Adds ``series`` and ``mode_change`` (the 2021
    telephone survey) so figures can mark the break.
    """
    series = codebook.series(indicator, wave)
    t = all_estimates[(all_estimates["indicator"] == indicator) & (all_estimates["wave"] <= wave)].copy()
    t["series"] = [codebook.series(indicator, int(w)) for w in t["wave"]]
    t = t[t["series"] == series]
    t["mode_change"] = [bool(codebook.waves[int(w)].get("mode_change", False)) for w in t["wave"]]
    return t.sort_values(["group_var", "group", "wave"]).reset_index(drop=True)
