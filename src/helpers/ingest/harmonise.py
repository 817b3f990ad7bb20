"""Harmonisation: from a wave's own variables to the codebook's indicators and breakdowns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.ingest.surveyfile import value_kind
from helpers.metadata.codebook import Codebook


def _valid(values: pd.Series, codebook: Codebook, scale_name: str) -> pd.Series:
    scale = codebook.scale(scale_name)
    if scale.is_numeric:
        lo, hi = scale.numeric
        return values.between(lo, hi)
    return values.isin(list(scale.valid))


def indicator_values(df: pd.DataFrame, spec: dict, codebook: Codebook) -> pd.Series:
    """The harmonised value (float; NaN where missing) of one indicator in one wave."""
    scale = spec["scale"]
    items = spec.get("items") or [spec["var"]]
    valid = pd.concat([_valid(df[v], codebook, scale) for v in items], axis=1)
    all_valid = valid.all(axis=1)
    if "positive" in spec:
        pos = pd.concat([df[v].isin(spec["positive"]) for v in items], axis=1)
        any_pos = pos.any(axis=1)
        rule = spec.get("rule", "any")
        if rule == "any":  # positive as soon as one item is; negative only when all are known
            out = np.where(any_pos, 1.0, np.where(all_valid, 0.0, np.nan))
        else:  # "none": positive when every item is known and none is positive
            out = np.where(any_pos, 0.0, np.where(all_valid, 1.0, np.nan))
        return pd.Series(out, index=df.index, dtype="float64")
    if "score" in spec:
        scored = pd.concat([df[v].map(spec["score"]).astype("float64") for v in items], axis=1)
        total = scored.sum(axis=1, min_count=len(items)) * float(spec.get("multiply", 1))
        return total.where(all_valid).astype("float64")
    return df[items[0]].where(all_valid).astype("float64")  # numeric, as it stands


def breakdown_values(df: pd.DataFrame, name: str, wave: int, codebook: Codebook) -> pd.Series:
    b = codebook.breakdowns[name]
    spec = b["waves"][wave]
    cats = list(b["categories"])
    x = df[spec["var"]]
    valid = _valid(x, codebook, spec["scale"])
    if "map" in spec:
        mapped = x.where(valid).map(spec["map"])
    else:
        edges = list(b["bins"]) + [np.inf]
        mapped = pd.cut(x.where(valid), bins=edges, right=False, labels=cats).astype("object")
    return pd.Series(pd.Categorical(mapped, categories=cats), index=df.index, name=name)


def harmonise(
    df: pd.DataFrame, wave: int, codebook: Codebook, *, with_quality: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Processed data (breakdowns, indicators, normalised weights) and its item non-response table
    (empty without ``with_quality``)."""
    out = {}
    quality = []

    def record(kind, name, variables, scale, values, outside=None):
        """Item non-response: asked, yet no usable answer. ``outside`` marks valid answers that
        belong to no published group (armed forces, "other" status): answers, not non-response."""
        if not with_quality:
            return
        kinds = pd.concat([value_kind(df[v], codebook, wave, scale) for v in variables], axis=1)
        not_asked = (kinds == "not_asked").all(axis=1)
        outside = pd.Series(False, index=df.index) if outside is None else outside
        nonresp = values.isna() & ~not_asked & ~outside
        asked = int((~not_asked).sum())
        quality.append(
            {
                "wave": wave,
                "kind": kind,
                "name": name,
                "variables": " ".join(variables),
                "rows": len(df),
                "asked": asked,
                "valid": int(values.notna().sum()),
                "outside": int(outside.sum()),
                "nonresponse": int(nonresp.sum()),
                "nonresponse_pct": round(100.0 * nonresp.sum() / asked, 2) if asked else np.nan,
            }
        )

    for name in codebook.breakdown_order:
        spec = codebook.breakdowns[name]["waves"].get(wave)
        if spec:
            out[name] = breakdown_values(df, name, wave, codebook)
            in_no_group = _valid(df[spec["var"]], codebook, spec["scale"]) & out[name].isna()
            record("breakdown", name, [spec["var"]], spec["scale"], out[name].astype("object"), in_no_group)
    for name, ind in codebook.indicators.items():
        spec = codebook.indicator_spec(name, wave)
        if not spec:
            continue
        if "derive" in ind:
            continue
        out[name] = indicator_values(df, spec, codebook)
        record("indicator", name, spec.get("items") or [spec["var"]], spec["scale"], out[name])
    for name, ind in codebook.indicators.items():
        if "derive" in ind and codebook.indicator_spec(name, wave):
            src = out[ind["derive"]["from"]]
            out[name] = (src <= ind["derive"]["at_most"]).astype("float64").where(src.notna())
    for kind, var in codebook.waves[wave]["weights"].items():
        w = df[var].astype("float64")
        col = "weight" if kind == "core" else f"weight_{kind}"
        out[col] = w / w.mean()  # the files' weight scales differ: normalise to mean 1 in Belgium
    for column, var in codebook.design(wave).items():  # the sample design, when the codebook names it
        out[column] = df[var].astype("int64")
    processed = pd.DataFrame(out)
    processed.insert(0, "wave", np.int16(wave))
    return processed, pd.DataFrame(quality)


def harmonise_countries(df: pd.DataFrame, wave: int, codebook: Codebook) -> pd.DataFrame:
    """Every country's respondents (``df`` with its ``country`` ISO codes, Belgium's included),
    harmonised as Belgium's are (:func:`harmonise`: the same indicators and breakdowns), with:

    * ``country``;
    * the weights normalised to mean 1 within each country (national weights: a country's own
      estimates are Belgium's way of estimating);
    * ``country_factor``: the mean of the country's cross-national weight, so that a national
      weight times it is the weight that scales the country to its workforce (the cross-national
      weight itself, where that is the national one times a constant of the country);
    * the sample design's strata (and PSUs) prefixed with the country: nested in their country,
      whatever codes the countries share."""
    # the report's item non-response is Belgium's; the weights are normalised over every row: redone below
    out, _ = harmonise(df, wave, codebook, with_quality=False)
    country = df["country"].astype(str)
    for kind, var in codebook.waves[wave]["weights"].items():
        w = df[var].astype("float64")
        out["weight" if kind == "core" else f"weight_{kind}"] = w / w.groupby(country).transform("mean")
    cross = df[codebook.cross_national_weight(wave)].astype("float64")
    out["country_factor"] = cross.groupby(country).transform("mean")
    for column in codebook.design(wave):
        out[column] = country + ":" + out[column].astype(str)
    out.insert(1, "country", country)
    return out
