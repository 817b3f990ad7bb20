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

from helpers import codebook as codebook_mod
from helpers import config, estimate, i18n
from helpers.i18n import t
from helpers.store import Store, changes_path, store_path

# the scripts the page loads, in order (all from the site itself)
VENDOR = ("assets/vendor/d3-7.9.2/d3.min.js", "assets/vendor/plot-0.6.17/plot.umd.min.js")
SCRIPT = "assets/explorer/explorer.js"
STYLE = "assets/explorer/explorer.css"
CONTROLS = ("theme", "indicator", "breakdown", "wave", "group", "compare")


def settings(store: Store) -> dict:
    """What the script needs besides the store: words, the order of things, formats, thresholds."""
    lang = store.lang
    cb = codebook_mod.load()
    d = config.settings()["disclosure"]
    tab = store.table
    indicators = []
    for ind, rows in tab.groupby("indicator", sort=False):
        latest = int(rows.wave.max())
        indicators.append({"code": ind, "theme": rows.theme.iloc[0], "kind": rows.kind.iloc[0],
                           "risk": {"high": "high", "low": "low"}.get(cb.indicators[ind].get("risk"), ""),
                           "label": cb.label(lang, ind, short=True, wave=latest),
                           "waves": sorted(int(w) for w in rows.wave.unique())})
    breakdowns = [{"code": b, "label": cb.label(lang, breakdown=b)} for b in cb.breakdown_order]
    words = dict(i18n.catalogue(lang)["explorer"])
    words.update({
        "total": t(lang, "tables.total"),
        "headers": dict(i18n.catalogue(lang)["tables"]["headers"]),
        "flags": dict(i18n.catalogue(lang)["flags"]),
        "ci_note": t(lang, "notes.ci"),
        "low_note": t(lang, "notes.low_reliability", low_min=d["min_n"], low_max=d["low_reliability_n"] - 1),
        "mode_change": t(lang, "notes.mode_change"),
        "comparable": t(lang, "notes.trend_only_comparable"),
        "change_independent": t(lang, "notes.change_independent"),
        "change_hidden": t(lang, "figures.change.hidden", min_n=d["min_n"]).strip(),
        "change_header": t(lang, "tables.rises.change"),
        "units_short": dict(i18n.catalogue(lang)["units_change_short"]),
        "themes": {th: t(lang, f"themes.{th}") for th in cb.themes},
    })
    return {
        "lang": lang,
        "store": _url(store_path_in_project(lang), lang),
        "changes": _url(changes_path(config.ROOT / "build", lang), lang),
        "change_base": int(config.settings()["report"]["change"]["base_wave"]),
        "number": i18n.catalogue(lang)["number"],
        "min_n": d["min_n"], "low_n": d["low_reliability_n"],
        "flags": {"ok": estimate.FLAG_OK, "low": estimate.FLAG_LOW, "suppressed": estimate.FLAG_SUPPRESSED},
        "report_wave": int(config.settings()["report"]["wave"]),
        "themes": list(cb.themes),
        "indicators": indicators,
        "breakdowns": breakdowns,
        "waves": {str(w): {"mode_change": bool(cb.waves[w].get("mode_change", False))} for w in cb.wave_names()},
        "words": words,
    }


def store_path_in_project(lang: str) -> Path:
    """The store as the site publishes it (chapters name the project's build folder)."""
    return store_path(config.ROOT / "build", lang)


def _url(target: Path, lang: str) -> str:
    from helpers.prerender import rel

    return rel(target, lang)


def page(store: Store) -> str:
    """The page body: controls, the two views with their tables, the downloads, the scripts."""
    lang = store.lang
    conf = settings(store)
    w = conf["words"]
    e = html.escape
    controls = "\n".join(
        f'<div class="explorer-control"><label for="ex-{c}">{e(w[c])}</label>'
        f'<select id="ex-{c}" name="{c}"></select></div>' for c in CONTROLS)
    # </ in JSON inside <script> would end the element: escape it
    data = json.dumps(conf, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
    scripts = "\n".join(f'<script src="{e(_url(config.ROOT / s, lang))}"></script>' for s in (*VENDOR, SCRIPT))
    return f"""::: {{.content-visible when-format="html"}}
```{{=html}}
<link rel="stylesheet" href="{e(_url(config.ROOT / STYLE, lang))}">
<div id="explorer" class="explorer" lang="{lang}">
<script type="application/json" id="explorer-config">{data}</script>
<form class="explorer-controls" aria-label="{e(w['controls'])}" onsubmit="return false">
{controls}
</form>
<p id="ex-status" class="explorer-status" role="status">{e(w['loading'])}</p>
<noscript><p>{e(w['noscript'])}</p></noscript>
<section class="explorer-view" aria-labelledby="ex-groups-title">
<h2 id="ex-groups-title" class="unnumbered explorer-title"></h2>
<figure class="explorer-figure"><div id="ex-groups-chart" class="explorer-chart"></div>
<figcaption id="ex-groups-summary" class="explorer-summary"></figcaption></figure>
<p id="ex-groups-notes" class="explorer-notes"></p>
<p id="ex-suppressed" class="explorer-suppressed"></p>
<div class="explorer-table-wrap" tabindex="0" role="region" aria-labelledby="ex-groups-title"><div id="ex-groups-table"></div></div>
<p><button type="button" id="ex-download" class="explorer-download">{e(w['download'])}</button></p>
</section>
<section class="explorer-view" aria-labelledby="ex-trend-title">
<h2 id="ex-trend-title" class="unnumbered explorer-title"></h2>
<figure class="explorer-figure"><div id="ex-trend-chart" class="explorer-chart"></div>
<figcaption id="ex-trend-summary" class="explorer-summary"></figcaption></figure>
<p id="ex-trend-notes" class="explorer-notes"></p>
<div class="explorer-table-wrap" tabindex="0" role="region" aria-labelledby="ex-trend-title"><div id="ex-trend-table"></div></div>
<p><button type="button" id="ex-download-trend" class="explorer-download">{e(w['download_trend'])}</button></p>
</section>
<section class="explorer-view" aria-labelledby="ex-change-title">
<h2 id="ex-change-title" class="unnumbered explorer-title"></h2>
<figure class="explorer-figure"><div id="ex-change-chart" class="explorer-chart"></div>
<figcaption id="ex-change-summary" class="explorer-summary"></figcaption></figure>
<p id="ex-change-notes" class="explorer-notes"></p>
<div class="explorer-table-wrap" tabindex="0" role="region" aria-labelledby="ex-change-title"><div id="ex-change-table"></div></div>
<p><button type="button" id="ex-download-change" class="explorer-download">{e(w['download_change'])}</button></p>
</section>
</div>
{scripts}
```

[{w['all_data']}]({conf['store']}){{.csv-link}}
:::

::: {{.content-visible when-format="typst"}}
{w['pdf']}
:::
"""
