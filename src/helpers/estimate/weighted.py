"""Weighted estimates with design-based standard errors, confidence intervals and disclosure control.

Shares are reported in per cent, means in their own unit. For every group (a *domain*: a subset of
the wave's whole sample, never a sample of its own):

* the estimate is the weighted mean  m = sum(w*y) / sum(w)  over the group's valid answers;
* its variance is Taylor-linearised: the scores  z_i = w_i (y_i - m) / sum(w)  (zero outside the
  group and for a missing answer) are summed per primary sampling unit (PSU), the PSU totals are
  centred within their stratum and  var = sum_h n_h/(n_h - 1) sum_j (t_hj - mean_h)^2 , with
  with-replacement PSUs and n_h the stratum's PSUs in the whole sample; a stratum with a single
  PSU contributes its total uncentred (R's ``options(survey.lonely.psu = "adjust")``, the scores
  summing to zero). This is what R's ``survey`` package computes for
  ``svymean(~y, subset(svydesign(ids = ~psu, strata = ~stratum, weights = ~w, nest = TRUE), g))``;
* the design is the wave's strata and PSUs when the codebook names them (``design`` in
  ``data/codebook/waves.yaml``); without them every respondent is a PSU in a single stratum and the
  variance is never less than the one at Kish's effective size, s^2 / (sum(w)^2 / sum(w^2)), times
  the squared design factor of ``variance.design_factor`` in ``data/settings.yaml`` (1 unless set);
* the degrees of freedom are the group's PSUs minus its strata (R's ``degf``);
* shares get a Korn-Graubard interval: Clopper-Pearson at the effective size
  n* = p(1-p)/var, scaled by (t(n-1)/t(df))^2 (R's ``svyciprop(method = "beta")``); at p = 0 or 1,
  where the variance is zero, Clopper-Pearson at the respondents' number (NCHS 2017);
* means get a t interval with the design's degrees of freedom, within the indicator's ``range``;
* the effective sample size n_eff = n / deff, with R's design effect (``svymean(deff = TRUE)``:
  the variance over s^2 n/(n-1) / n, that of a simple random sample of n), at most n (NCHS 2017:
  a design effect below 1 counts as 1), is what the reliability rules read (:func:`disclosure`);
  n is the unweighted number of valid answers. A simple random sample of n has n_eff = n.

Estimates are computed unrounded; :func:`rounded` gives them the published precision.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd
from scipy import sparse
from scipy import stats as st

from helpers.core import config
from helpers.core.schema import FLAG_LOW, FLAG_OK, FLAG_SUPPRESSED, PSU, STRATUM, TOTAL
from helpers.metadata.codebook import Codebook

COLUMNS = ["wave", "indicator", "group_var", "group", "estimate", "ci_low", "ci_high", "n", "flag"]
# what estimates() returns: the published columns, then what the interval and the reliability rules
# rest on: the standard error (in the estimate's unit: percentage points for shares), the effective
# sample size, the design's degrees of freedom and the reasons of the flag
DESIGN_COLUMNS = ["se", "n_eff", "df", "flag_reason"]
ESTIMATE_COLUMNS = [*COLUMNS, *DESIGN_COLUMNS]


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
            "n_eff": pd.Series(dtype="float64"),
            "df": pd.Series(dtype="int64"),
            "flag_reason": pd.Series(dtype="str"),
        }
    )


def quantile(level: float) -> float:
    """The normal quantile of a two-sided interval at ``level`` (1.96 at 95%)."""
    return NormalDist().inv_cdf(0.5 + level / 2)


# ---------------------------------------------------------------------------------------- design


@dataclass(frozen=True)
class Design:
    """A wave's sample design: each respondent's stratum and PSU as codes 0..H-1 and 0..J-1 (PSUs
    numbered within strata, so a PSU code never spans two strata); ``known`` when they come from the
    file rather than the default of one stratum with every respondent a PSU."""

    stratum: np.ndarray
    psu: np.ndarray
    known: bool

    @classmethod
    def of(cls, df: pd.DataFrame) -> Design:
        """The design of processed data: its ``stratum`` and ``psu`` columns where it has them."""
        n = len(df)
        has_s, has_p = STRATUM in df.columns, PSU in df.columns
        s = pd.factorize(df[STRATUM].astype(str))[0] if has_s else np.zeros(n, dtype=np.int64)
        # a PSU is its stratum and its code: numbered in order of first appearance, as the pairs
        p = pd.factorize(s * n + pd.factorize(df[PSU].astype(str))[0])[0] if has_p else np.arange(n)
        return cls(np.asarray(s, dtype=np.int64), np.asarray(p, dtype=np.int64), has_s or has_p)

    @property
    def psu_matrix(self) -> sparse.csr_matrix:
        """PSUs x respondents, 1 where the respondent is in the PSU."""
        n = len(self.psu)
        return sparse.csr_matrix((np.ones(n), (self.psu, np.arange(n))), shape=(self.psu.max() + 1, n))

    @property
    def psu_stratum(self) -> np.ndarray:
        """The stratum of each PSU."""
        out = np.zeros(self.psu.max() + 1, dtype=np.int64)
        out[self.psu] = self.stratum
        return out

    @functools.cached_property
    def strata_matrix(self) -> sparse.csr_matrix:
        """Strata x PSUs, 1 where the PSU is in the stratum (sums PSU rows by stratum: a sparse
        product, many times faster than ``np.add.at`` on the rows)."""
        h = self.psu_stratum
        return sparse.csr_matrix((np.ones(len(h)), (h, np.arange(len(h)))), shape=(h.max() + 1, len(h)))


def variance(z: np.ndarray, design: Design, psus: sparse.csr_matrix | None = None) -> np.ndarray:
    """The with-replacement variance of the totals of each column of ``z`` (respondents x columns):
    PSU totals centred within strata, scaled by n_h/(n_h - 1); a lonely PSU's total uncentred."""
    P = design.psu_matrix if psus is None else psus
    t = np.asarray(P @ z)  # PSUs x columns
    h = design.psu_stratum
    n_h = np.bincount(h)
    means = np.asarray(design.strata_matrix @ t) / n_h[:, None]
    lonely = n_h[h] == 1
    dev = np.where(lonely[:, None], t, t - means[h])
    scale = np.where(lonely, 1.0, n_h[h] / np.maximum(n_h[h] - 1, 1))
    return (scale[:, None] * dev**2).sum(axis=0)


def degrees_of_freedom(
    inset: np.ndarray, design: Design, psus: sparse.csr_matrix | None = None
) -> np.ndarray:
    """Per column of ``inset`` (respondents x columns, True where a respondent counts): the PSUs
    that hold one, minus the strata that do (R's ``degf`` of the subset design)."""
    P = design.psu_matrix if psus is None else psus
    has = np.asarray(P @ inset.astype(float)) > 0  # PSUs x columns
    strata = np.asarray(design.strata_matrix @ has.astype(float))
    return has.sum(axis=0) - (strata > 0).sum(axis=0)


# ---------------------------------------------------------------------------------------- intervals


def interval(
    kind: str, m, var, n, df, level: float, bounds: tuple | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The confidence interval of estimates ``m`` (shares as proportions 0-1) with variance ``var``,
    ``n`` respondents and ``df`` design degrees of freedom: Korn-Graubard for shares, t for means
    (see the module's docstring). NaN where the degrees of freedom are not positive."""
    m, var, n, df = (np.asarray(x, dtype=float) for x in (m, var, n, df))
    alpha = 1 - level
    ok = df > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind != "share":
            half = st.t.ppf(1 - alpha / 2, np.where(ok, df, np.nan)) * np.sqrt(var)
            low, high = bounds or (-np.inf, np.inf)
            return np.clip(m - half, low, high) + 0.0, np.clip(m + half, low, high) + 0.0
        adjust = (st.t.ppf(alpha / 2, n - 1) / st.t.ppf(alpha / 2, np.where(ok, df, np.nan))) ** 2
        extreme = (m <= 0) | (m >= 1) | ~(var > 0)
        n_star = np.where(extreme, n, m * (1 - m) / var * adjust)
        x = n_star * m
        lo = np.where(m <= 0, 0.0, st.beta.ppf(alpha / 2, x, n_star - x + 1))
        hi = np.where(m >= 1, 1.0, st.beta.ppf(1 - alpha / 2, x + 1, n_star - x))
    lo, hi = np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)
    return np.clip(lo, 0, 1) + 0.0, np.clip(hi, 0, 1) + 0.0


# ---------------------------------------------------------------------------------------- rules


def _rules() -> dict:
    return config.settings()["disclosure"]


def disclosure(table: pd.DataFrame, min_n: int | None = None, low_n: int | None = None) -> pd.DataFrame:
    """Suppress and flag estimates by the rules of ``disclosure`` in ``data/settings.yaml`` (NCHS
    Data Presentation Standards for Proportions, 2017, with their thresholds as settings):

    * suppressed: fewer than ``min_n`` respondents, an effective size below ``min_n_eff``, or no
      degrees of freedom to make an interval with;
    * low reliability: fewer than ``low_reliability_n`` respondents, an effective size below
      ``low_reliability_n_eff``, fewer than ``min_df`` degrees of freedom; for a share an interval
      ``max_width`` points wide or more, or wider than ``min_width`` points and more than
      ``max_relative_width`` times the estimate; for a mean a relative standard error above
      ``max_rse``.

    ``flag_reason`` names every rule an estimate breaks (``n``, ``n_eff``, ``df``, ``width``,
    ``relative_width``, ``rse``), separated by ``;``. Suppressed estimates lose their values."""
    d = _rules()
    min_n = d["min_n"] if min_n is None else min_n
    low_n = d["low_reliability_n"] if low_n is None else low_n
    t = table.copy()
    n = t["n"].to_numpy()
    # a table made by hand may lack the design's columns: then a simple random sample of n
    n_eff = (t["n_eff"] if "n_eff" in t else t["n"]).to_numpy(dtype=float)
    df = (t["df"] if "df" in t else t["n"] - 1).to_numpy(dtype=float)
    share = t["kind"].to_numpy() == "share" if "kind" in t else np.zeros(len(t), dtype=bool)
    width = (t["ci_high"] - t["ci_low"]).to_numpy(dtype=float)
    est = t["estimate"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = (t["se"] if "se" in t else pd.Series(np.nan, index=t.index)).to_numpy(dtype=float)
        rse = se / np.abs(est)
        relative = width / est
    suppress = {
        "n": n < min_n,
        "n_eff": ~(n_eff >= d["min_n_eff"]),
        "df": ~(df > 0) | np.isnan(width),
    }
    low = {
        "n": n < low_n,
        "n_eff": n_eff < d["low_reliability_n_eff"],
        "df": df < d["min_df"],
        "width": share & (width >= d["max_width"]),
        "relative_width": share & (width > d["min_width"]) & (relative > d["max_relative_width"]),
        "rse": ~share & (rse > d["max_rse"]),
    }
    suppressed = np.logical_or.reduce(list(suppress.values()))
    flagged = np.logical_or.reduce(list(low.values()))

    def reasons(i: int) -> str:
        return ";".join(k for k, v in (suppress if suppressed[i] else low).items() if v[i])

    t["flag"] = np.where(suppressed, FLAG_SUPPRESSED, np.where(flagged, FLAG_LOW, FLAG_OK))
    t["flag_reason"] = [reasons(i) for i in range(len(t))]
    blank = [c for c in ("estimate", "ci_low", "ci_high", "se", "n_eff") if c in t]
    t.loc[suppressed, blank] = np.nan
    return t


# ---------------------------------------------------------------------------------------- estimates


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


def _design_factor(wave: int) -> float:
    factors = (config.settings().get("variance") or {}).get("design_factor") or {}
    return float(factors.get(wave, 1.0))


def domain_estimates(
    y: np.ndarray,
    w: np.ndarray,
    member: np.ndarray,
    design: Design,
    *,
    kish_floor: bool,
    design_factor: float = 1.0,
    psus: sparse.csr_matrix | None = None,
) -> dict[str, np.ndarray]:
    """Estimate, variance, n, degrees of freedom, effective and Kish sizes of one variable ``y``
    (NaN = no valid answer) with weights ``w`` in each group of ``member`` (respondents x groups).

    ``kish_floor`` (used when the design is unknown) keeps the variance from falling below the one
    at Kish's effective size; ``design_factor`` multiplies the standard error."""
    valid = ~(np.isnan(y) | np.isnan(w))
    y0, w0 = np.where(valid, y, 0.0), np.where(valid, w, 0.0)
    mv = member * valid[:, None]
    n = mv.sum(axis=0)
    sw = member.T @ w0
    swy = member.T @ (w0 * y0)
    swy2 = member.T @ (w0 * y0 * y0)
    sw2 = member.T @ (w0 * w0)
    with np.errstate(divide="ignore", invalid="ignore"):
        m = swy / sw
        z = member * (w0[:, None] * (y0[:, None] - m[None, :])) / sw[None, :]
        z = np.where(np.isfinite(z), z, 0.0)
        var = variance(z, design, psus)
        s2 = np.clip(swy2 / sw - m**2, 0, None)
        kish = sw**2 / sw2
        if kish_floor:
            var = np.maximum(var, s2 / kish)
        var = var * design_factor**2
        # n / deff, deff as R's svymean(deff = TRUE): the variance over the one of a simple random
        # sample of n (the weighted variance with the n/(n-1) correction, over n); at most n
        n_eff = np.where(var > 0, np.minimum(s2 * n / (n - 1) / var, n), n)  # var 0: p = 0 or 1
        n_eff = np.round(n_eff, 6)  # a simple random sample of 50 is 50, not 49.99999999
    df = degrees_of_freedom(mv * (w0[:, None] > 0), design, psus)
    return {"m": m, "var": var, "n": n, "df": df, "n_eff": n_eff, "kish": kish}


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
    """Tidy estimates of ``indicators`` for the whole sample and by each breakdown in ``by``, unrounded.

    ``by`` defaults to every breakdown of the codebook present in ``df``; every category of a
    breakdown gets a row, with n = 0 (suppressed) where nobody answered. Rows come out indicator by
    indicator, the whole sample first, then each breakdown's categories in order."""
    level = config.settings()["confidence_level"]
    if isinstance(indicators, str):
        indicators = [indicators]
    if wave is None:
        wave = int(df["wave"].iloc[0])
    by = [b for b in (codebook.breakdown_order if by is None else by) if b in df.columns]
    inds = [i for i in indicators if i in df.columns]
    if not inds:
        return empty()
    design = Design.of(df)
    psus = design.psu_matrix
    member, keys = _groups(df, by)
    factor = 1.0 if design.known else _design_factor(wave)
    # each indicator's columns as arrays, one table made of them at the end, and the intervals of
    # every indicator of a kind in one call: a table per indicator and the interval's quantiles
    # indicator by indicator cost more than the estimates of a small sample (the member states)
    groups = len(keys)
    kinds = np.array([codebook.indicators[ind]["type"] for ind in inds], dtype=object)
    found = [
        domain_estimates(
            df[ind].to_numpy(dtype=float),
            df[codebook.weight_column(ind, wave)].to_numpy(dtype=float),
            member,
            design,
            kish_floor=not design.known,
            design_factor=factor,
            psus=psus,
        )
        for ind in inds
    ]
    e = {k: np.concatenate([x[k] for x in found]) for k in ("m", "var", "n", "df", "n_eff")}
    kind = np.repeat(kinds, groups)
    lo, hi = np.full(len(kind), np.nan), np.full(len(kind), np.nan)
    ranges = [codebook.indicators[ind].get("range") or (-np.inf, np.inf) for ind in inds]
    for k in dict.fromkeys(kinds):
        rows = kind == k
        bounds = tuple(np.repeat([float(r[j]) for r in ranges], groups)[rows] for j in (0, 1))
        lo[rows], hi[rows] = interval(
            k, e["m"][rows], e["var"][rows], e["n"][rows], e["df"][rows], level, bounds
        )
    scale = np.where(kind == "share", 100.0, 1.0)
    out = pd.DataFrame(
        {
            "wave": wave,
            "indicator": np.repeat(np.array(inds, dtype=object), groups),
            "group_var": np.tile(np.array([k[0] for k in keys], dtype=object), len(inds)),
            "group": np.tile(np.array([k[1] for k in keys], dtype=object), len(inds)),
            "estimate": scale * e["m"],
            "ci_low": scale * lo,
            "ci_high": scale * hi,
            "n": e["n"].astype(int),
            "flag": "",
            "se": scale * np.sqrt(e["var"]),
            "n_eff": e["n_eff"],
            "df": e["df"].astype(int),
            "flag_reason": "",
            "kind": kind,
        }
    )
    return disclosure(out, min_n, low_n)[ESTIMATE_COLUMNS]


def rounded(table: pd.DataFrame, decimals: int) -> pd.DataFrame:
    """The table with estimates and bounds rounded to the published precision (+ 0.0: never -0);
    the standard error and effective size keep two more decimals, for whoever recomputes."""
    t = table.copy()
    for c in ("estimate", "ci_low", "ci_high"):
        t[c] = t[c].astype(float).round(decimals) + 0.0
    for c in ("se", "n_eff"):
        if c in t:
            t[c] = t[c].astype(float).round(decimals + 2) + 0.0
    return t


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
