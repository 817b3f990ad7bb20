"""The book's generated tables, from the estimates store and the metadata: the foreword's key
figures, the methodology's samples, breaks and sources, the annex's item non-response, the
synthetic-data notice, the COVID chapter's list of groups whose risk rose and the occupational-risks
chapter's exposures beside the diseases of the same hazard.
"""

from __future__ import annotations

import datetime as dt
import math

from helpers.book import prose
from helpers.book.store import Store
from helpers.core import config, i18n
from helpers.core.errors import PipelineError
from helpers.core.i18n import lower_first, t
from helpers.metadata import codebook as codebook_mod
from helpers.metadata import sources


def key_figures(store: Store, wave: int) -> str:
    lang = store.lang
    cb = codebook_mod.load()
    h = lambda k: t(lang, f"tables.headers.{k}")  # noqa: E731
    rows = []
    for ind in config.settings()["report"]["key_indicators"]:
        now = store.total(ind, wave)
        if now is None:
            continue
        fmt = lambda x: i18n.value(x, now.kind, lang)  # noqa: E731
        prev = store.previous(ind, wave)
        rows.append(
            {
                t(lang, "book.keyfigures.theme"): t(lang, f"themes.{cb.indicators[ind]['theme']}"),
                h("indicator"): now.indicator_label,
                str(wave): fmt(now.estimate),
                h("ci"): "–" if math.isnan(now.ci_low) else i18n.interval(fmt(now.ci_low), fmt(now.ci_high)),
                t(lang, "book.keyfigures.previous"): "–"
                if prev is None
                else f"{fmt(prev.estimate)} ({int(prev.wave)})",
            }
        )
    caption = t(lang, "book.keyfigures.caption", wave=wave)
    return i18n.pipe_table(rows, "llrrr") + f"\n: {caption}\n"


def samples(store: Store) -> str:
    lang = store.lang
    cb = codebook_mod.load()
    rows = []
    for w in cb.wave_names():
        m = store.samples.get(w)
        info = cb.waves[w]
        rows.append(
            {
                t(lang, "tables.headers.wave"): str(w),
                t(lang, "book.samples.survey"): info["name"],
                t(lang, "book.samples.mode"): t(lang, f"mode.{info['mode']}"),
                t(lang, "book.samples.fieldwork"): info["fieldwork"][lang],
                t(lang, "book.samples.respondents"): i18n.number(m["respondents"], lang, 0) if m else "–",
                t(lang, "book.samples.weight"): f"`{info['weights']['core']}`",
                t(lang, "book.samples.data"): t(
                    lang,
                    "book.samples." + ("missing" if not m else "synthetic" if m["synthetic"] else "real"),
                ),
            }
        )
    return (
        i18n.pipe_table(rows, "lllrrll", widths=[7, 24, 16, 15, 11, 16, 11])
        + f"\n: {t(lang, 'book.samples.caption')}\n"
    )


def breaks(lang: str) -> str:
    cb = codebook_mod.load()
    rows = []
    for ind in cb.indicators:
        waves = cb.indicator_waves(ind)
        series = {w: cb.series(ind, w) for w in waves}
        if len(set(series.values())) < 2:
            continue
        # the reference is the series of the latest wave (what the report's trend figures join to)
        main = [w for w in waves if series[w] == series[max(waves)]]
        apart = [w for w in waves if w not in main]
        rows.append(
            {
                t(lang, "tables.headers.indicator"): cb.label(lang, ind, short=True),
                t(lang, "book.breaks.comparable"): ", ".join(map(str, main)),
                t(lang, "book.breaks.apart"): ", ".join(map(str, apart)),
            }
        )
    return i18n.pipe_table(rows, "lll") + f"\n: {t(lang, 'book.breaks.caption')}\n"


def quality(store: Store) -> str:
    lang = store.lang
    cb = codebook_mod.load()
    waves = sorted(store.samples)
    rows = []
    for kind, names in (
        ("indicator", [i for i in cb.indicators if "derive" not in cb.indicators[i]]),
        ("breakdown", cb.breakdown_order),
    ):
        for name in names:
            label = (
                cb.label(lang, name, short=True) if kind == "indicator" else cb.label(lang, breakdown=name)
            )
            row = {t(lang, "tables.headers.indicator"): label}
            for w in waves:
                pct = store.nonresponse(w, kind, name)
                row[str(w)] = "–" if pct is None else i18n.percent(pct, lang, 1)
            rows.append(row)
    return i18n.pipe_table(rows, "l" + "r" * len(waves)) + f"\n: {t(lang, 'book.quality.caption')}\n"


def notice(store: Store) -> str:
    if not any(s["synthetic"] for s in store.samples.values()):
        return ""
    lang = store.lang
    return (
        f"::: {{.callout-warning .callout-synthetic}}\n## {t(lang, 'book.notice.title')}\n\n"
        f"{t(lang, 'book.notice.text')}\n:::\n"
    )


def rises(store: Store, wave: int) -> str:
    """The COVID chapter's list of the reliable groups whose risk rose significantly (helpers.prose)."""
    items = prose.rises(store, wave)
    if not items:
        return t(store.lang, "book.change_by_group.none").capitalize() + ".\n"
    return "".join(f"- {item}\n" for item in items)


def sources_table(lang: str) -> str:
    """The methodology's table of the other sources the report shows, from their metadata."""
    h = lambda k: t(lang, f"sources.table.{k}")  # noqa: E731
    rows = []
    for name, src in sources.load_all().items():
        years = sorted(int(y) for y in src.published["year"].unique())
        rows.append(
            {
                h("publisher"): src.meta["publisher"],
                h("what"): f"{t(lang, f'sources.what.{name}')}. {t(lang, f'sources.population.{name}')}.",
                h("years"): f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0]),
                # the link's text is the site: a whole address would not fit the PDF's column
                h(
                    "address"
                ): f"[{sources.short_address(src.meta['address']).split('/')[0]}]({src.meta['address']})",
                h("updated"): dt.date.fromisoformat(str(src.meta["updated"])).isoformat(),
            }
        )
    return (
        i18n.pipe_table(rows, "lllll", widths=[14, 44, 12, 16, 14])
        + f"\n: {t(lang, 'sources.table.caption')} {{#tbl-sources}}\n"
    )


def exposure_diseases(store: Store, wave: int) -> str:
    """The occupational-risks chapter's table: each exposure the survey measures in the edition's
    wave (estimate and interval, from the store) beside another source's published figure for
    diseases of the same hazard (``report.exposure_diseases`` in data/settings.yaml)."""
    lang = store.lang
    cb = codebook_mod.load()
    h = lambda k: t(lang, f"book.exposure_diseases.{k}", wave=wave)  # noqa: E731
    rows = []
    pairs = config.settings()["report"].get("exposure_diseases") or []
    for pair in pairs:
        ref = _reference_row(pair)
        now = store.total(pair["indicator"], wave)
        shown = now is not None and not math.isnan(now.estimate)
        fmt = lambda x: i18n.value(x, now.kind, lang)  # noqa: E731
        rows.append(
            {
                h("exposure"): cb.label(lang, pair["indicator"], short=True, wave=wave),
                # the interval beside its estimate, the year beside its figure: four columns, not six
                h("share"): f"{fmt(now.estimate)} ({i18n.interval(fmt(now.ci_low), fmt(now.ci_high))})"
                if shown
                else "–",
                h("figure"): f"{t(lang, 'sources.measures.' + ref.measure)}, "
                f"{lower_first(sources.group_label(lang, ref.breakdown, ref.group))}, {int(ref.year)}",
                h("value"): sources.fmt(ref.value, ref.unit, lang),
            }
        )
    if not rows:
        return ""
    names = dict.fromkeys(t(lang, f"sources.names.{p['source']}") for p in pairs)
    caption = t(lang, "book.exposure_diseases.caption", wave=wave, sources="; ".join(names))
    return (
        i18n.pipe_table(rows, "lrlr", widths=[24, 22, 42, 12])
        + f"\n: {caption} {{#tbl-occ-exposure-diseases}}\n"
    )


def _reference_row(pair: dict):
    """The published row a pair of ``report.exposure_diseases`` names, or one message that says which."""
    src = sources.load_all().get(pair.get("source"))
    rows = (
        src.published[
            (src.published.measure == pair.get("measure"))
            & (src.published.breakdown == pair.get("breakdown"))
            & (src.published.group == pair.get("group"))
            & (src.published.year == pair.get("year"))
        ]
        if src is not None
        else []
    )
    if len(rows) != 1:
        raise PipelineError(
            f"report.exposure_diseases names no published figure of another source: {pair}",
            file=config.DATA / "settings.yaml",
            expected="the source, measure, breakdown, group and year of one row of "
            "data/reference/<source>/data.csv",
        )
    return rows.iloc[0]
