"""The data explorer's page body: ``build/quarto/<lang>/explorer.qmd``, included by
``chapters/<lang>/explorer.qmd`` (website only).

The page is plain HTML with native, labelled controls; ``assets/explorer/explorer.js`` fills them
and draws with the vendored d3 and Observable Plot (``assets/vendor/``). Every word it shows comes
from here: the language's catalogue (``explorer``, ``tables``, ``flags``, ``notes``) and the
store's own labels, passed to the script as JSON. Its numbers come from the store only: it loads
``build/store/<lang>/estimates.csv``, the file a reader can also download whole.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from helpers.book import edition
from helpers.book.store import Store
from helpers.core import config, i18n, layout
from helpers.core.i18n import t
from helpers.core.schema import BELGIUM, FLAG_LOW, FLAG_OK, FLAG_SUPPRESSED
from helpers.estimate import europe
from helpers.metadata import codebook as codebook_mod
from helpers.metadata import sources

# the scripts the page loads, in order (all from the site itself)
VENDOR = (
    "assets/vendor/d3-7.9.2/d3.min.js",
    "assets/vendor/plot-0.6.17/plot.umd.min.js",
    # a selection as a spreadsheet (the figure's downloads offer the same four formats)
    "assets/vendor/write-excel-file-4.1.1/write-excel-file.min.js",
)
SCRIPT = "assets/explorer/explorer.js"
FONT = "assets/vendor/source-sans-3-5.3.1/source-sans-3-latin-400-normal.woff2"
SOURCES_SCRIPT = "assets/explorer/sources.js"
STYLE = "assets/explorer/explorer.css"
CONTROLS = ("theme", "indicator", "breakdown", "wave", "group", "compare")


def settings(store: Store) -> dict:
    """What the script needs besides the store: words, the order of things, formats, thresholds."""
    lang = store.lang
    cb = codebook_mod.load()
    d = config.settings()["disclosure"]
    lic = config.settings()["publication"]["licence"]
    tab = store.table
    indicators = []
    for ind, rows in tab.groupby("indicator", sort=False):
        latest = int(rows.wave.max())
        indicators.append(
            {
                "code": ind,
                "theme": rows.theme.iloc[0],
                "kind": rows.kind.iloc[0],
                "risk": {"high": "high", "low": "low"}.get(cb.indicators[ind].get("risk"), ""),
                "label": cb.label(lang, ind, short=True, wave=latest),
                "waves": sorted(int(w) for w in rows.wave.unique()),
            }
        )
    breakdowns = [{"code": b, "label": cb.label(lang, breakdown=b)} for b in cb.breakdown_order]
    words = dict(i18n.catalogue(lang)["explorer"])
    words.update(
        {
            "total": t(lang, "tables.total"),
            "headers": dict(i18n.catalogue(lang)["tables"]["headers"]),
            "flags": dict(i18n.catalogue(lang)["flags"]),
            "ci_note": t(lang, "notes.ci"),
            "low_note": t(
                lang,
                "notes.low_reliability",
                low_min=d["min_n"],
                low_max=d["low_reliability_n"] - 1,
                low_n_eff=d["low_reliability_n_eff"],
            ),
            "mode_change": t(lang, "notes.mode_change"),
            "comparable": t(lang, "notes.trend_only_comparable"),
            "change_independent": t(lang, "notes.change_independent"),
            "change_hidden": t(lang, "figures.change.hidden", min_n=d["min_n"]).strip(),
            "change_header": t(lang, "tables.rises.change"),
            "units_short": dict(i18n.catalogue(lang)["units_change_short"]),
            "themes": {th: t(lang, f"themes.{th}") for th in cb.themes},
            # a selection's downloads: their names, the citation and licence they carry
            "kinds": dict(i18n.catalogue(lang)["downloads"]["kinds"]),
            "cite": t(lang, "downloads.cite_selection", citation=edition.citation(lang)),
            "citation": edition.citation(lang),
            "licence": t(lang, "opendata.licence", licence=lic["title"][lang], url=lic["url"]),
            "readme": t(lang, "opendata.sheets.readme"),
            "data_sheet": t(lang, "opendata.sheets.data"),
            "address": t(lang, "downloads.address"),
        }
    )
    return {
        "lang": lang,
        "store": _url(layout.store_path(layout.project_build(), lang), lang),
        "changes": _url(layout.changes_path(layout.project_build(), lang), lang),
        # Belgium in Europe (helpers.estimate.europe), loaded after the views above are drawn
        "europe": _url(layout.europe_path(layout.project_build(), lang), lang),
        "europe_belgium": _url(layout.europe_belgium_path(layout.project_build(), lang), lang),
        "belgium": BELGIUM,
        "eu27": europe.EU27,
        # the typeface a chart downloaded as PNG is drawn in (the page's, vendored)
        "font": _url(config.ROOT / FONT, lang),
        "change_base": int(config.settings()["report"]["change"]["base_wave"]),
        "number": i18n.catalogue(lang)["number"],
        "min_n": d["min_n"],
        "low_n": d["low_reliability_n"],
        "flags": {"ok": FLAG_OK, "low": FLAG_LOW, "suppressed": FLAG_SUPPRESSED},
        "report_wave": config.edition_wave(),
        "themes": list(cb.themes),
        "indicators": indicators,
        "breakdowns": breakdowns,
        "waves": {
            str(w): {"mode_change": bool(cb.waves[w].get("mode_change", False))} for w in cb.wave_names()
        },
        "words": words,
    }


def _url(target: Path, lang: str) -> str:
    return layout.chapter_rel(target, lang)


def _view(name: str, button: str, download: str, words: dict, extra: str = "") -> str:
    """One view of the page: title, chart with its summary as caption, notes, table, its downloads
    (CSV, spreadsheet, the chart as SVG and PNG) and how to cite it."""
    e = html.escape
    return (
        f'<section class="explorer-view" id="ex-{name}" aria-labelledby="ex-{name}-title">\n'
        f'<h2 id="ex-{name}-title" class="unnumbered explorer-title"></h2>\n'
        f'<figure class="explorer-figure"><div id="ex-{name}-chart" class="explorer-chart"></div>\n'
        f'<figcaption id="ex-{name}-summary" class="explorer-summary"></figcaption></figure>\n'
        f'<p id="ex-{name}-notes" class="explorer-notes"></p>\n{extra}'
        f'<div class="explorer-table-wrap" tabindex="0" role="region" aria-labelledby="ex-{name}-title">'
        f'<div id="ex-{name}-table"></div></div>\n'
        f'<p class="explorer-downloads"><button type="button" id="{button}" class="explorer-download">'
        f"{e(download)}</button>"
        + "".join(
            f' <button type="button" id="{button}-{kind}" class="explorer-download" data-kind="{kind}">'
            f"{e(words['kinds'][kind])}</button>"
            for kind in ("xlsx", "svg", "png")
        )
        + f'</p>\n<p class="explorer-cite">{e(words["cite"])}</p>\n'
        f"</section>"
    )


def page(store: Store) -> str:
    """The page body: controls, the two views with their tables, the downloads, the scripts."""
    lang = store.lang
    conf = settings(store)
    w = conf["words"]
    e = html.escape
    controls = "\n".join(
        f'<div class="explorer-control"><label for="ex-{c}">{e(w[c])}</label>'
        f'<select id="ex-{c}" name="{c}"></select></div>'
        for c in CONTROLS
    )
    # </ in JSON inside <script> would end the element: escape it
    data = json.dumps(conf, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
    views = "\n".join(
        (
            _view(
                "groups",
                "ex-download",
                w["download"],
                w,
                '<p id="ex-suppressed" class="explorer-suppressed"></p>\n',
            ),
            _view("trend", "ex-download-trend", w["download_trend"], w),
            _view("change", "ex-download-change", w["download_change"], w),
            _view("europe", "ex-download-europe", w["download_europe"], w),
            _view("europe-trend", "ex-download-europe-trend", w["download_europe_trend"], w),
        )
    )
    scripts = "\n".join(
        f'<script src="{e(_url(config.ROOT / s, lang))}"></script>' for s in (*VENDOR, SCRIPT)
    )
    return f"""::: {{.content-visible when-format="html"}}
```{{=html}}
<link rel="stylesheet" href="{e(_url(config.ROOT / STYLE, lang))}">
<div id="explorer" class="explorer" lang="{lang}">
<script type="application/json" id="explorer-config">{data}</script>
<form class="explorer-controls" aria-label="{e(w["controls"])}" onsubmit="return false">
{controls}
</form>
<p id="ex-status" class="explorer-status" role="status">{e(w["loading"])}</p>
<noscript><p>{e(w["noscript"])}</p></noscript>
{views}
</div>
{scripts}
```

[{w["all_data"]}]({conf["store"]}){{.csv-link}}
:::

::: {{.content-visible when-format="typst"}}
{w["pdf"]}
:::
"""


def sources_settings(lang: str, table=None) -> dict:
    """The other sources' published values for the explorer: one series per source, measure and
    breakdown, with labels, formatted values and the page of each value. ``table``: the labelled
    values (sources.all_labelled), when the caller has them already."""
    table = sources.all_labelled(lang) if table is None else table
    loaded = sources.load_all()
    out_sources = [
        {
            "code": name,
            "label": t(lang, f"sources.names.{name}"),
            "address": sources.short_address(src.meta["address"]),
        }
        for name, src in loaded.items()
    ]
    series = []
    for (name, measure, breakdown), rows in table.groupby(["source", "measure", "breakdown"], sort=False):
        rows = rows.sort_values(["group", "geo", "year"], kind="stable")
        label = t(lang, f"sources.measures.{measure}")
        if breakdown != sources.TOTAL:
            label += f" – {i18n.lower_first(t(lang, f'sources.breakdowns.{breakdown}'))}"
        geos = sorted(set(rows["geo"]))
        if breakdown == sources.TOTAL and geos != ["BE"]:
            label += f" ({', '.join(t(lang, f'sources.geo.{g}') for g in geos)})"
        found = loaded[name].breaks([measure])
        series.append(
            {
                "key": f"{name}|{measure}|{breakdown}",
                "source": name,
                "label": label,
                "unit": rows["unit_label"].iloc[0],
                "breaks": [t(lang, f"sources.breaks.{b['id']}") for b in found],
                "break_years": [int(b["year"]) for b in found if b.get("kind", "break") == "break"],
                "rows": [
                    {
                        "year": int(r.year),
                        "geo_label": r.geo_label,
                        "group": r.group_label if breakdown != sources.TOTAL else r.geo_label,
                        "group_label": r.group_label,
                        "value": float(r.value),
                        "text": sources.fmt(float(r.value), r.unit, lang),
                        "origin_label": r.origin_label,
                        "third_party": r.origin == sources.THIRD_PARTY,
                        "publisher": r.publisher,
                        "address": r.address,
                        "title_lang": r.title_lang,
                    }
                    for r in rows.itertuples()
                ],
            }
        )
    words = dict(i18n.catalogue(lang)["sources"]["explorer"])
    words["third_party"] = t(lang, "sources.notes.third_party")
    words["headers"] = [
        t(lang, f"sources.headers.{k}") for k in ("year", "geo", "group", "value", "origin")
    ] + [t(lang, "sources.explorer.page")]
    # the charts' axes write numbers as the language does (1.000 / 1 000)
    return {
        "sources": out_sources,
        "series": series,
        "words": words,
        "locale": i18n.catalogue(lang)["number"]["locale"],
    }


def sources_section(lang: str, table=None) -> str:
    """The explorer's section of other sources (website only): source and series, chart, notes, table."""
    conf = sources_settings(lang, table)
    w = conf["words"]
    e = html.escape
    data = json.dumps(conf, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
    return f"""
::: {{.content-visible when-format="html"}}
## {w["title"]} {{#sec-explorer-sources}}

{w["intro"]}

```{{=html}}
<div id="sources-explorer" class="explorer" lang="{lang}">
<script type="application/json" id="sources-config">{data}</script>
<form class="explorer-controls" aria-label="{e(w["controls"])}" onsubmit="return false">
<div class="explorer-control"><label for="src-source">{e(w["source"])}</label><select id="src-source" \
name="source"></select></div>
<div class="explorer-control"><label for="src-series">{e(w["series"])}</label><select id="src-series" \
name="series"></select></div>
</form>
<noscript><p>{e(w["noscript"])}</p></noscript>
<section class="explorer-view" aria-labelledby="src-title">
<h3 id="src-title" class="unnumbered explorer-title"></h3>
<figure class="explorer-figure"><div id="src-chart" class="explorer-chart"></div>
<figcaption id="src-summary" class="explorer-summary"></figcaption></figure>
<p id="src-notes" class="explorer-notes"></p>
<div class="explorer-table-wrap" tabindex="0" role="region" aria-labelledby="src-title"><div \
id="src-table"></div></div>
</section>
</div>
<script src="{e(_url(config.ROOT / SOURCES_SCRIPT, lang))}"></script>
```

[{w["all_data"]}]({_url(layout.sources_path(layout.project_build(), lang), lang)}){{.csv-link}}
:::
"""
