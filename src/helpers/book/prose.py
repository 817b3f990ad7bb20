"""Numbers quoted in the chapters' prose: ``_variables.yml`` (``{{< var nl.ind.stress.value >}}``).

Every number comes from the edition's estimates store (helpers.store), formatted for the language:
the prose prints the values the figures, CSV files and explorer publish.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from helpers.book.store import Store
from helpers.core import config, i18n
from helpers.core.i18n import lower_first, t
from helpers.core.schema import FELL, FLAG_OK, MODE_DIFFERENT, ROSE, TOTAL
from helpers.metadata import codebook as codebook_mod
from helpers.metadata import sources


def change(store: Store, now, before) -> str:
    """Whether the edition's total differs from the latest comparable earlier wave's, as the store's
    test of that change says (helpers.estimate.change: the one test behind every published change)."""
    if before is None or now is None or math.isnan(now.estimate) or math.isnan(before.estimate):
        return t(store.lang, "book.change.none")
    ch = store.changes
    row = ch[
        (ch.indicator == now.indicator)
        & (ch.wave_before == int(before.wave))
        & (ch.wave == int(now.wave))
        & (ch.breakdown == TOTAL)
    ]
    if row.empty or math.isnan(row.change.iloc[0]):
        return t(store.lang, "book.change.none")
    r = row.iloc[0]
    if not r.significant:
        return t(store.lang, "book.change.same")
    if r.risk_change == MODE_DIFFERENT:  # across the 2021 change of mode: neither up nor down
        return t(store.lang, "book.change.mode")
    return t(store.lang, "book.change." + ("up" if r.change > 0 else "down"))


def europe_row(store: Store, indicator: str, wave: int):
    """Belgium against the EU27 on ``indicator`` for all workers in ``wave`` (the store's row), or
    None where the difference is not published."""
    e = store.europe_belgium
    row = e[(e.indicator == indicator) & (e.wave == wave) & (e.breakdown == TOTAL)]
    return row.iloc[0] if len(row) and row.position.iloc[0] else None


def europe(store: Store, indicator: str, wave: int) -> str:
    """The sentence on Belgium against the EU27 (helpers.estimate.europe.position: higher or lower
    only when significant after the multiple-comparison rule and reliable), with its rank."""
    lang = store.lang
    cb = codebook_mod.load()
    label = cb.label(lang, indicator, short=True, wave=wave)
    r = europe_row(store, indicator, wave)
    if r is None:
        return t(lang, "book.europe.none", indicator=label)
    fmt = lambda x: i18n.value(x, r.kind, lang)  # noqa: E731
    rank = t(
        lang,
        "book.europe.rank_first" if int(r["rank"]) == 1 else "book.europe.rank",
        rank=int(r["rank"]),
        ranked=int(r.ranked),
    )
    return t(
        lang,
        f"book.europe.{r.position}",
        indicator=label,
        value=fmt(r.estimate),
        eu27=fmt(r.estimate_eu27),
        rank=rank,
    )


def variables(store: Store, wave: int) -> dict:
    """The language's quoted numbers (the store's language)."""
    lang = store.lang
    d = config.settings()["disclosure"]
    samples = store.samples
    out = {
        "report_wave": str(wave),
        "min_n": str(d["min_n"]),
        "low_n_minus_one": str(d["low_reliability_n"] - 1),
        "decimals": str(config.settings()["publish"]["decimals"]),
        "confidence": i18n.percent(100 * config.settings()["confidence_level"], lang),
        "n_report": i18n.number(samples[wave]["respondents"] if wave in samples else float("nan"), lang, 0),
    }
    for w, s in samples.items():
        out[f"n_{w}"] = i18n.number(s["respondents"], lang, 0)
    inds = {}
    table = store.table
    for ind in dict.fromkeys(table.indicator):
        kind = table.loc[table.indicator == ind, "kind"].iloc[0]
        fmt = lambda x: i18n.value(x, kind, lang)  # noqa: E731
        v: dict[str, str] = {}
        for w in sorted(samples):
            row = store.total(ind, w)
            if row is not None:
                v[f"w{w}"] = fmt(row.estimate)
        now = store.total(ind, wave)
        if now is None:
            inds[ind] = v
            continue
        v["value"] = fmt(now.estimate)
        v["ci"] = i18n.interval(fmt(now.ci_low), fmt(now.ci_high))
        prev = store.previous(ind, wave)
        v["prev"] = fmt(prev.estimate) if prev is not None else "–"
        v["prev_wave"] = str(int(prev.wave)) if prev is not None else "–"
        v["change"] = change(store, now, prev)
        for breakdown in config.settings()["report"]["prose_breakdowns"]:
            g = store.groups(ind, wave, breakdown)
            if g.empty:
                continue
            hi, lo = g.loc[g.estimate.idxmax()], g.loc[g.estimate.idxmin()]
            for name, r in (("top", hi), ("low", lo)):
                v[f"{name}_{breakdown}"] = lower_first(r.group_label)
                v[f"{name}_{breakdown}_value"] = fmt(r.estimate)
        for r in store.groups(ind, wave, "sex").itertuples():
            v[r.group] = fmt(r.estimate)
        eu = europe_row(store, ind, wave)
        v["eu27"] = fmt(eu.estimate_eu27) if eu is not None else "–"
        v["europe"] = europe(store, ind, wave)
        inds[ind] = v
    out["ind"] = inds
    out["alpha"] = i18n.percent(100 * (1 - config.settings()["confidence_level"]), lang)
    out["rules"] = reliability_rules(lang)
    out["design"] = design(lang)
    out["change"] = changes(store, wave)
    out["a11y"] = accessibility(lang)
    out["europe"] = europe_method(lang)
    return out


def europe_method(lang: str) -> dict:
    """The methodology's words on Belgium in Europe: each wave's cross-national weight (the
    codebook's) and the neighbours each chapter shows."""
    cb = codebook_mod.load()
    weights = [f"{cb.cross_national_weight(w)} ({w})" for w in cb.wave_names()]
    neighbours = [cb.countries[c][lang] for c in config.settings()["report"]["europe"]["neighbours"]]
    return {"weights": i18n.join(weights, lang), "neighbours": i18n.join(neighbours, lang)}


def reliability_rules(lang: str) -> dict:
    """The disclosure and reliability thresholds of ``data/settings.yaml`` as the methodology
    chapter quotes them (helpers.estimate.weighted.disclosure applies them)."""
    d = config.settings()["disclosure"]
    pts = lambda x: t(lang, "book.points", value=i18n.number(x, lang, 0))  # noqa: E731
    return {
        "min_n_eff": str(d["min_n_eff"]),
        "low_n": str(d["low_reliability_n"]),
        "low_n_eff": str(d["low_reliability_n_eff"]),
        "min_df": str(d["min_df"]),
        "max_width": pts(d["max_width"]),
        "min_width": pts(d["min_width"]),
        "max_relative_width": i18n.percent(100 * d["max_relative_width"], lang),
        "max_rse": i18n.percent(100 * d["max_rse"], lang),
    }


def design(lang: str) -> dict:
    """Which waves' variance uses strata and PSUs, strata only, or neither (the codebook's
    ``design``), and the settings' design factors, as the methodology chapter names them."""
    cb = codebook_mod.load()
    kinds: dict[str, list[str]] = {"clustered": [], "stratified": [], "none": []}
    for w in sorted(cb.waves):
        d = cb.design(w)
        kinds["clustered" if "psu" in d else "stratified" if d else "none"].append(str(w))
    factors = (config.settings().get("variance") or {}).get("design_factor") or {}
    out = {k: ", ".join(v) or t(lang, "book.design.no_wave") for k, v in kinds.items()}
    out["factors"] = ", ".join(
        f"{w}: {i18n.number(float(f), lang, 2)}" for w, f in sorted(factors.items())
    ) or t(lang, "book.design.no_factor")
    return out


def accessibility(lang: str) -> dict:
    """The accessibility statement's particulars (data/settings.yaml: accessibility, publication)."""
    a = config.settings()["accessibility"]
    pub = config.settings()["publication"]
    day = lambda v: i18n.long_date(v if hasattr(v, "year") else dt.date.fromisoformat(str(v)), lang)  # noqa: E731
    return {
        "standard": a["standard"],
        "prepared": day(a["prepared"]),
        "reviewed": day(a["reviewed"]),
        "email": a["contact"]["email"][lang],
        "days": str(a["contact"]["response_days"]),
        "enforcement": a["enforcement"][lang]["name"],
        "enforcement_url": a["enforcement"][lang]["url"],
        "publisher": pub["publisher"][lang],
        "address": pub["address"][lang],
    }


def _change_selection(store: Store, wave: int):
    cb = codebook_mod.load()
    conf = config.settings()["report"]["change"]
    base, inds = int(conf["base_wave"]), list(conf["indicators"])
    ch = store.changes
    sel = ch[(ch.wave_before == base) & (ch.wave == wave) & ch.indicator.isin(inds) & (ch.breakdown != TOTAL)]
    # a rise or fall in risk needs a risk direction (telework has none)
    sel = sel[sel.indicator.map(cb.risk_sign) != 0]
    return cb, base, inds, sel[sel.change.notna()]


def rises(store: Store, wave: int) -> list[str]:
    """The reliable groups whose risk rose significantly since the last wave before the pandemic,
    one item per indicator (in the settings' order), largest rise first."""
    lang = store.lang
    cb, _, inds, compared = _change_selection(store, wave)
    named = compared[(compared.risk_change == ROSE) & (compared.flag == FLAG_OK)].copy()
    named["order"] = named.indicator.map(inds.index)
    named["size"] = named.change.abs()
    named = named.sort_values(["order", "size"], ascending=[True, False])
    items = []
    for ind, rows in named.groupby("indicator", sort=False):
        groups = ", ".join(
            t(
                lang,
                "book.change_by_group.group",
                group=lower_first(r.group_label),
                change=i18n.signed(r.change, lang),
            )
            for r in rows.itertuples()
        )
        items.append(
            t(
                lang,
                "book.change_by_group.item",
                groups=groups,
                indicator_lower=lower_first(cb.label(lang, ind, short=True, wave=wave)),
                unit=t(lang, f"units_change_short.{rows.kind.iloc[0]}"),
            )
        )
    return items


def changes(store: Store, wave: int) -> dict:
    """The COVID chapter's change by group, from the last wave before the pandemic to ``wave``:
    how many group changes were compared, how many rose or fell significantly after the
    multiple-comparison rule (helpers.estimate.change), how many rises the 5 % test of each change
    alone would have claimed, and the reliable groups whose risk rose significantly, named."""
    lang = store.lang
    cb, base, inds, compared = _change_selection(store, wave)
    rose = compared[compared.risk_change == ROSE]
    worse = compared.indicator.map(cb.risk_sign).astype(float) * compared.change.astype(float)
    items = rises(store, wave)
    level = config.settings()["confidence_level"]
    apart = [i for i in inds if cb.indicator_spec(i, wave) and not cb.comparable(i, base, wave)]
    return {
        "before": str(base),
        "indicators": str(compared.indicator.nunique()),
        "compared": i18n.number(len(compared), lang, 0),
        "rises": i18n.number(len(rose), lang, 0),
        "falls": i18n.number(int((compared.risk_change == FELL).sum()), lang, 0),
        # rises in risk by each change's own test, before the multiple-comparison rule
        "rises_unadjusted": i18n.number(int(((worse > 0) & (compared.p_value < 1 - level)).sum()), lang, 0),
        "rises_reliable": i18n.number(int((rose.flag == FLAG_OK).sum()), lang, 0),
        "rises_named": "; ".join(items) if items else t(lang, "book.change_by_group.none"),
        "not_compared": ", ".join(lower_first(cb.label(lang, i, short=True, wave=wave)) for i in apart)
        or "–",
    }


def hardest(figure_csv, lang: str) -> dict:
    """The COVID chapter's sentences on who was hit hardest, read from the numbers of its ranked
    figure (``report.change.figure``): for each comparison the figure draws, its first three groups
    with the indicator and the change, e.g. ``change.hardest.w2021``."""
    cb = codebook_mod.load()
    d = pd.read_csv(figure_csv, keep_default_na=False, na_values=[""])
    out = {}
    for after, rows in d.groupby("wave", sort=True):
        named = [
            t(
                lang,
                "book.hardest.item",
                group=lower_first(r.group_label),
                indicator=lower_first(cb.label(lang, r.indicator, short=True, wave=int(after))),
                change=i18n.signed(r.change, lang),
                unit=t(lang, f"units_change_short.{r.kind}"),
            )
            for r in rows.head(3).itertuples()
        ]
        out[f"w{after}"] = i18n.join(named, lang)
    return out


def reference_variables(lang: str) -> dict:
    """Every published value as the chapters quote it (``_variables.yml``):
    ``ref.<measure>.y<year>.<geo>.total`` for a total, ``ref.<measure>.y<year>.<geo>.<breakdown>.<group>``
    for a group; e.g. ``{{< var nl.ref.accidents_accepted.y2022.BE.place.workplace >}}``."""
    out: dict = {}
    for src in sources.load_all().values():
        for r in src.published.itertuples(index=False):
            node = out.setdefault(r.measure, {}).setdefault(f"y{r.year}", {}).setdefault(r.geo, {})
            if r.breakdown != sources.TOTAL:
                node = node.setdefault(r.breakdown, {})
            node[r.group] = sources.fmt(
                r.value, r.unit, lang
            )  # the table's key is unique: nothing is overwritten
    return out
