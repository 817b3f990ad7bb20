"""Belgium in Europe: every indicator in each EU27 member state and in the EU27, and Belgium's
difference with the EU27.

From every country's processed respondents (``<wave>.countries.parquet``, helpers.ingest):

* a member state's estimates are computed as Belgium's are (helpers.estimate.weighted: its national
  weights, its design, the same disclosure rules per country and group), for all workers and by
  the breakdowns of ``report.europe.breakdowns`` in ``data/settings.yaml``;
* the EU27's weigh each respondent by the national weight times the country's factor (the
  cross-national weight: each country counts as its workforce); the 27 are the same in every wave
  (``eu27`` in data/codebook/countries.yaml); the strata are nested in the countries;
* Belgium is part of the EU27, so Belgium and the EU27 are not two independent samples. With ``s``
  Belgium's share of the EU27's weight among the group's valid answers, EU27 = s BE + (1 - s) rest,
  where ``rest`` is the other 26 together, so

      BE - EU27 = (1 - s) (BE - rest),   var = (1 - s)^2 (var BE + var rest),

  Belgium and the rest being sampled independently (countries are sampled separately; ``s`` is
  taken as fixed, the weights being calibrated to each country's workforce). The interval is
  difference +- z se and the p-value that of difference / se (helpers.estimate.change); the
  p-values are adjusted by Benjamini-Hochberg in one family per wave and group (every indicator's
  statement about that group), and a difference is significant below 1 - confidence_level;
* each Belgian region is compared with the EU27 the same way (the region against the EU27 without
  it), where the wave has the region;
* Belgium's position: its rank among the member states with a published estimate (1 = highest),
  and what a sentence may say of it (:func:`position`): higher or lower than the EU27 only when the
  difference is significant after the rule above and Belgium's estimate is reliable.

Rounded as published once (:func:`published`): the chapters' figures (helpers.notebook.report), the
store, the prose and the explorer (helpers.book) all read these rounded tables.

Nothing here is published at respondent level: the tables hold estimates only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.core import config, schema
from helpers.core.errors import PipelineError
from helpers.core.i18n import t
from helpers.estimate import change, weighted
from helpers.metadata.codebook import Codebook

EU27 = "EU27"
# what a sentence may say of Belgium (or a region) against the EU27 (:func:`position`)
HIGHER, LOWER, NOT_DIFFERENT = "higher", "lower", "not_different"
VERSUS_COLUMNS = [
    "wave", "indicator", "kind", "group_var", "group", "estimate", "estimate_eu27", "share_of_eu27",
    "difference", "ci_low", "ci_high", "se", "p_value", "p_adjusted", "significant", "flag", "rank", "ranked",
]  # fmt: skip


def breakdowns() -> list[str]:
    return list(config.settings()["report"]["europe"]["breakdowns"])


def neighbours(cb: Codebook) -> list[str]:
    """The member states each chapter's figure shows beside Belgium (``report.europe.neighbours``)."""
    codes = list(config.settings()["report"]["europe"].get("neighbours") or [])
    for code in codes:
        if code not in cb.eu27():
            raise PipelineError(
                f"report.europe.neighbours names {code!r}, which is not a member state of the EU27",
                file=config.DATA / "settings.yaml",
                expected="ISO codes of data/codebook/countries.yaml with eu27: true, such as NL, FR",
            )
    return codes


def published(table: pd.DataFrame) -> pd.DataFrame:
    """A table of :func:`countries` or :func:`versus_eu27` rounded as published (``publish.decimals``);
    whether a difference is significant was decided on the unrounded numbers."""
    decimals = int(config.settings()["publish"]["decimals"])
    out = weighted.rounded(table, decimals)
    for c in ("estimate_eu27", "difference"):
        if c in out:
            out[c] = out[c].astype(float).round(decimals) + 0.0
    for c in ("share_of_eu27", "p_value", "p_adjusted"):
        if c in out:
            out[c] = out[c].astype(float).round(decimals + 4) + 0.0
    return out


def position(versus: pd.DataFrame) -> pd.Series:
    """What a sentence may say of each row of :func:`versus_eu27`: ``higher`` or ``lower`` than the
    EU27 when the difference is significant (after the multiple-comparison rule) and the estimate
    reliable, ``not_different`` otherwise; empty where the difference is not published."""
    reliable = versus["flag"] == schema.FLAG_OK
    significant = versus["significant"].astype(bool) & reliable
    out = np.where(
        versus["flag"] == schema.FLAG_SUPPRESSED,
        "",
        np.where(
            significant & (versus["difference"] > 0),
            HIGHER,
            np.where(significant & (versus["difference"] < 0), LOWER, NOT_DIFFERENT),
        ),
    )
    return pd.Series(out, index=versus.index, name="position")


def labelled(table: pd.DataFrame, lang: str, cb: Codebook) -> pd.DataFrame:
    """Rows of :func:`countries`, rounded (:func:`published`), in the open data's schema
    (``schema.EUROPE_COLUMNS``) with the labels of ``lang``."""
    d = cb.labelled(table, lang)
    d["country_label"] = [
        t(lang, "figures.europe.eu27") if c == EU27 else cb.countries[c][lang] for c in d["country"]
    ]
    return d[schema.EUROPE_COLUMNS].reset_index(drop=True)


def labelled_versus(versus: pd.DataFrame, lang: str, cb: Codebook) -> pd.DataFrame:
    """Rows of :func:`versus_eu27`, rounded, in ``schema.EUROPE_BELGIUM_COLUMNS`` with the labels
    of ``lang`` and what a sentence may say (:func:`position`)."""
    d = cb.labelled(versus.assign(position=position(versus)), lang)
    for c in ("rank", "ranked"):
        d[c] = d[c].astype("Int64")
    return d[schema.EUROPE_BELGIUM_COLUMNS].reset_index(drop=True)


def _eu_weights(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every weight column times the country's factor: the cross-national weights."""
    out = df.copy()
    for column in [c for c in df.columns if c == "weight" or c.startswith("weight_")]:
        out[column] = df[column] * df["country_factor"]
    return out


def _weight_totals(df: pd.DataFrame, indicators, cb: Codebook, by: list[str], wave: int) -> pd.DataFrame:
    """The sum of each indicator's weight over its valid answers, for all workers and each group."""
    member, keys = weighted._groups(df, by)
    rows = []
    for ind in indicators:
        valid = df[ind].notna().to_numpy()
        w = np.where(valid, df[cb.weight_column(ind, wave)].to_numpy(dtype=float), 0.0)
        w = np.nan_to_num(w)
        totals = member.T @ w
        rows += [(ind, g_var, g, t) for (g_var, g), t in zip(keys, totals, strict=True)]
    return pd.DataFrame(rows, columns=["indicator", "group_var", "group", "weight_total"])


def countries(df: pd.DataFrame, wave: int, cb: Codebook) -> pd.DataFrame:
    """Every indicator's estimates in each EU27 member state and in the EU27 (``country`` EU27),
    for all workers and by the comparison's breakdowns, unrounded, with their disclosure flags."""
    eu = df[df["country"].isin(cb.eu27())]
    inds = [i for i in cb.indicators if i in df.columns and df[i].notna().any()]
    by = [b for b in breakdowns() if b in df.columns]
    parts = [
        weighted.estimates(rows, inds, cb, by=by, wave=wave).assign(country=code)
        for code, rows in eu.groupby("country", sort=True)
    ]
    parts.append(weighted.estimates(_eu_weights(eu), inds, cb, by=by, wave=wave).assign(country=EU27))
    out = pd.concat(parts, ignore_index=True)
    return out[["country", *[c for c in out.columns if c != "country"]]]


def _versus(part: pd.DataFrame, rest: pd.DataFrame, eu: pd.DataFrame, share: pd.DataFrame) -> pd.DataFrame:
    """A part of the EU27 (Belgium, a region) against the EU27: (1 - s)(part - rest), per indicator
    and group of ``part`` (``rest`` and ``eu`` matched on the indicator and ``rest_key``)."""
    m = part.merge(rest, on=["indicator", "rest_key"], suffixes=("", "_rest"), validate="one_to_one")
    m = m.merge(eu, on=["indicator", "rest_key"], suffixes=("", "_eu27"), validate="many_to_one")
    m = m.merge(share, on=["indicator", "group_var", "group"], validate="one_to_one")
    published = (m["flag"] != schema.FLAG_SUPPRESSED) & (m["flag_rest"] != schema.FLAG_SUPPRESSED)
    s = m["share_of_eu27"]
    diff = ((1 - s) * (m["estimate"] - m["estimate_rest"])).where(published)
    se = ((1 - s) * np.sqrt(m["se"] ** 2 + m["se_rest"] ** 2)).where(published)
    m["difference"], m["se_difference"] = diff, se
    m["p_value"] = change.p_values(diff, se)
    m["flag_difference"] = np.where(published, m["flag"], schema.FLAG_SUPPRESSED)
    return m


def versus_eu27(df: pd.DataFrame, table: pd.DataFrame, wave: int, cb: Codebook) -> pd.DataFrame:
    """Belgium (for all workers and by the comparison's breakdowns) and each Belgian region (the
    wave's ``region``) against the EU27, with the difference's interval, p-values adjusted in one
    family per group, and Belgium's rank among the member states. ``table``: :func:`countries`."""
    level = config.settings()["confidence_level"]
    eu = df[df["country"].isin(cb.eu27())]
    inds = list(dict.fromkeys(table["indicator"]))
    by = [b for b in breakdowns() if b in df.columns]
    weighted_eu = _eu_weights(eu)
    is_be = (weighted_eu["country"] == schema.BELGIUM).to_numpy()
    eu_table = table[table["country"] == EU27]
    eu_table = eu_table.assign(rest_key=eu_table["group_var"] + "=" + eu_table["group"])[
        ["indicator", "rest_key", "estimate", "flag", "se"]
    ]
    # Belgium and its groups: the rest is the other 26 in the same group
    be = table[table["country"] == schema.BELGIUM].assign(
        rest_key=lambda t: t["group_var"] + "=" + t["group"]
    )
    rest = weighted.estimates(weighted_eu[~is_be], inds, cb, by=by, wave=wave)
    rest = rest.assign(rest_key=rest["group_var"] + "=" + rest["group"])[
        ["indicator", "rest_key", "estimate", "flag", "se"]
    ]
    totals_be = _weight_totals(weighted_eu[is_be], inds, cb, by, wave)
    totals_eu = _weight_totals(weighted_eu, inds, cb, by, wave)
    share = totals_be.merge(totals_eu, on=["indicator", "group_var", "group"], suffixes=("", "_eu"))
    share["share_of_eu27"] = share["weight_total"] / share["weight_total_eu"]
    parts = [_versus(be, rest, eu_table, share[["indicator", "group_var", "group", "share_of_eu27"]])]
    # each region of Belgium against the EU27 as a whole: the rest is the EU27 without the region
    if "region" in df.columns and weighted_eu.loc[is_be, "region"].notna().any():
        region_rows = weighted_eu.loc[is_be]
        regions = weighted.estimates(df[df["country"] == schema.BELGIUM], inds, cb, by=["region"], wave=wave)
        regions = regions[regions["group_var"] == "region"].assign(rest_key=f"{schema.TOTAL}={schema.TOTAL}")
        totals_region = _weight_totals(region_rows, inds, cb, ["region"], wave)
        for name, part in regions.groupby("group", sort=False):
            in_region = np.zeros(len(weighted_eu), dtype=bool)
            in_region[np.flatnonzero(is_be)] = (region_rows["region"] == name).to_numpy()
            others = weighted.estimates(weighted_eu[~in_region], inds, cb, by=[], wave=wave)
            others = others.assign(rest_key=f"{schema.TOTAL}={schema.TOTAL}")[
                ["indicator", "rest_key", "estimate", "flag", "se"]
            ]
            s = totals_region[totals_region["group"] == name].merge(
                totals_eu[totals_eu["group_var"] == schema.TOTAL][["indicator", "weight_total"]],
                on="indicator",
                suffixes=("", "_eu"),
            )
            s["share_of_eu27"] = s["weight_total"] / s["weight_total_eu"]
            parts.append(
                _versus(part, others, eu_table, s[["indicator", "group_var", "group", "share_of_eu27"]])
            )
    m = pd.concat(parts, ignore_index=True)
    m["p_adjusted"] = change.adjusted(m["p_value"], m[["group_var", "group"]])
    z = weighted.quantile(level)
    ranks = _ranks(table)
    out = pd.DataFrame(
        {
            "wave": wave,
            "indicator": m["indicator"],
            "kind": m["indicator"].map(lambda i: cb.indicators[i]["type"]),
            "group_var": m["group_var"],
            "group": m["group"],
            "estimate": m["estimate"],
            "estimate_eu27": m["estimate_eu27"],
            "share_of_eu27": m["share_of_eu27"],
            "difference": m["difference"],
            "ci_low": m["difference"] - z * m["se_difference"],
            "ci_high": m["difference"] + z * m["se_difference"],
            "se": m["se_difference"],
            "p_value": m["p_value"],
            "p_adjusted": m["p_adjusted"],
            "significant": (m["flag_difference"] != schema.FLAG_SUPPRESSED) & (m["p_adjusted"] < 1 - level),
            "flag": m["flag_difference"],
        }
    )
    out = out.merge(ranks, on=["indicator", "group_var", "group"], how="left")
    out.loc[out["group_var"] == "region", ["rank", "ranked"]] = np.nan  # a region is ranked with no one
    return out[VERSUS_COLUMNS].reset_index(drop=True)


def _ranks(table: pd.DataFrame) -> pd.DataFrame:
    """Belgium's rank among the member states with a published estimate (1 = the highest value)."""
    states = table[(table["country"] != EU27) & (table["flag"] != schema.FLAG_SUPPRESSED)]
    states = states.assign(
        rank=states.groupby(["indicator", "group_var", "group"])["estimate"].rank(
            ascending=False, method="min"
        )
    )
    ranked = states.groupby(["indicator", "group_var", "group"])["country"].size().rename("ranked")
    be = states[states["country"] == schema.BELGIUM][["indicator", "group_var", "group", "rank"]]
    return be.merge(ranked.reset_index(), on=["indicator", "group_var", "group"], how="left")
