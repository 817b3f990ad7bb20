"""Numbers quoted in the chapters' prose: ``_variables.yml`` (``{{< var nl.ind.stress.value >}}``).

Every number comes from the edition's estimates store (helpers.store), formatted for the language:
the prose prints the values the figures, CSV files and explorer publish.
"""

from __future__ import annotations

import math

from helpers import config, estimate, i18n
from helpers.i18n import lower_first, t
from helpers.store import Store


def change(lang: str, now, before) -> str:
    """Whether two independent estimates differ at the report's confidence level.

    The standard errors are read back from the published intervals (half-width / z): exact for
    means, close for the (slightly asymmetric) Wilson intervals of shares."""
    if before is None or now is None or math.isnan(now.estimate) or math.isnan(before.estimate):
        return t(lang, "book.change.none")
    z = estimate._z(config.settings()["confidence_level"])
    se = lambda r: (r.ci_high - r.ci_low) / (2 * z)  # noqa: E731
    stat = (now.estimate - before.estimate) / math.sqrt(se(now) ** 2 + se(before) ** 2)
    return t(lang, "book.change." + ("up" if stat > z else "down" if stat < -z else "same"))


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
        v["ci"] = f"{fmt(now.ci_low)} – {fmt(now.ci_high)}"
        prev = store.previous(ind, wave)
        v["prev"] = fmt(prev.estimate) if prev is not None else "–"
        v["prev_wave"] = str(int(prev.wave)) if prev is not None else "–"
        v["change"] = change(lang, now, prev)
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
        inds[ind] = v
    out["ind"] = inds
    return out
