"""One block per figure for the chapters to include (``build/quarto/<lang>/figures/<figure>.qmd``):
the edition's figure, its numbers as a folded table read from the CSV it publishes, the citations
of a figure of other sources, and its downloads (helpers.book.downloads).
"""

from __future__ import annotations

import html
import math
import re
from pathlib import Path

import pandas as pd

from helpers.book import downloads
from helpers.core import config, i18n, layout
from helpers.core.i18n import t
from helpers.metadata import sources


def _cell(x) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else str(x)


def figure_table(d: pd.DataFrame, lang: str) -> str:
    """The numbers of a figure as an HTML table (the figure's text alternative for screen readers
    and for anyone who wants the values), folded under the figure; read from the CSV it publishes."""
    h = lambda k: t(lang, f"tables.headers.{k}")  # noqa: E731
    share = t(lang, "units.share")

    def fmt(x, unit, signed=False):
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return "–"
        if signed:
            return i18n.signed(float(x), lang, 1)
        return i18n.percent(float(x), lang) if unit == share else i18n.number(float(x), lang, 1)

    if {"estimate", "ci_low", "ci_high", "unit"} <= set(d.columns):
        # a table of the open data's shape (the Europe figures') has codes beside its labels: the
        # labels are shown; a chapter figure's own CSV has the labels in the code columns
        label = lambda code, name: d[name] if name in d.columns else d[code]  # noqa: E731
        cols = {h("indicator"): label("indicator", "indicator_label")}
        if "country" in d.columns:
            cols[h("country")] = label("country", "country_label")
        if d["group"].nunique() > 1:
            cols[h("group_var")] = label("group_var", "breakdown_label")
            cols[h("group")] = label("group", "group_label")
        if d["wave"].nunique() > 1:
            cols[h("wave")] = d["wave"].astype(str)
        cols[h("estimate")] = [fmt(e, u) for e, u in zip(d["estimate"], d["unit"])]
        cols[h("ci")] = [
            "–" if _cell(lo) == "" else i18n.interval(fmt(lo, u), fmt(hi, u))
            for lo, hi, u in zip(d["ci_low"], d["ci_high"], d["unit"])
        ]
        cols[h("n")] = [i18n.number(n, lang, 0) if _cell(n) else "–" for n in d["n"]]
        cols[h("flag")] = label("flag", "flag_label").map(_cell)
        cols[h("unit")] = d["unit"]
        table = pd.DataFrame(cols)
    elif {"change", "ci_low", "ci_high", "indicator_label", "group_label"} <= set(d.columns) and len(d):
        unit_share = d["kind"] == "share"
        pct = lambda x, s: fmt(x, share if s else "")  # noqa: E731
        table = pd.DataFrame(
            {
                h("indicator"): d["indicator_label"],
                h("group_var"): d["breakdown_label"],
                h("group"): d["group_label"],
                str(int(d["wave_before"].iloc[0])): [
                    pct(x, s) for x, s in zip(d["estimate_before"], unit_share)
                ],
                str(int(d["wave"].iloc[0])): [pct(x, s) for x, s in zip(d["estimate_after"], unit_share)],
                t(lang, "tables.rises.change"): [
                    f"{fmt(c, '', True)} ({i18n.interval(fmt(lo, '', True), fmt(hi, '', True))})"
                    if _cell(c)
                    else "–"
                    for c, lo, hi in zip(d["change"], d["ci_low"], d["ci_high"])
                ],
                h("unit"): d["unit"],
                h("flag"): d["flag_label"].map(_cell),
            }
        )
    elif {"value", "unit", "origin", "address"} <= set(d.columns):  # another source's published values
        s = lambda k: t(lang, f"sources.headers.{k}")  # noqa: E731
        cols = {s("year"): d["year"].astype(str)}
        for key, col in (("geo", "geo_label"), ("measure", "measure_label"), ("group", "group_label")):
            if d[col].nunique() > 1:
                cols[s(key)] = d[col]
        cols[s("value")] = [sources.fmt(float(v), u, lang) for v, u in zip(d["value"], d["unit"])]
        cols[s("unit")] = d["unit_label"]
        cols[s("origin")] = d["origin_label"]
        table = pd.DataFrame(cols)
    else:  # a table of another shape: its columns as they are
        table = d.map(lambda x: i18n.number(x, lang, 0) if isinstance(x, float) and x == int(x) else _cell(x))
    table = table.loc[:, [c for c in table.columns if table[c].astype(str).str.len().gt(0).any()]]
    head = "".join(f'<th scope="col">{html.escape(str(c))}</th>' for c in table.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>\n"
        for row in table.itertuples(index=False)
    )
    summary = html.escape(t(lang, "book.figure_table"))
    # the comment keeps Quarto from parsing the table into its own (and, for the PDF, from running
    # a CSS inliner it fetches from the network): the table is published as written
    return (
        f"```{{=html}}\n<!--| quarto-html-table-processing: none -->\n"
        f'<details class="figure-data"><summary>{summary}</summary>\n'
        f'<div class="table-responsive" tabindex="0" role="region" aria-label="{summary}">\n'
        f'<table class="table table-sm">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>\n'
        f"</div>\n</details>\n```\n"
    )


def figure_sources(d: pd.DataFrame, lang: str) -> tuple[str, str]:
    """Under a figure of other sources: every citation its values come from, with its address (from
    the CSV the figure publishes), folded on the page and printed small in the PDF. Returns the
    page's part and the PDF's; both empty for a survey figure."""
    if not {"publisher", "reproduces", "title", "address", "origin"} <= set(d.columns):
        return "", ""
    cites = d.drop_duplicates(["address", "title"])

    def md(text: str) -> str:
        return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)

    # a title is printed in its own language, marked so (a screen reader reads it in that language)
    items = [
        md(c.publisher)
        + (f", [“{md(_cell(c.title))}”]{{lang={c.title_lang}}}" if _cell(c.title) else "")
        + f", <{c.address}>"
        + (
            f" ({t(lang, 'sources.third_party_mark', publisher=md(c.reproduces))})"
            if c.origin == "third_party"
            else ""
        )
        for c in cites.itertuples()
    ]
    listed = "".join(f"- {x}\n" for x in items)
    summary = html.escape(t(lang, "sources.sources_summary", count=len(items)))
    # the page folds the list under the figure; the PDF prints it, small
    page = f'<details class="figure-sources"><summary>{summary}</summary>\n\n{listed}\n</details>\n'
    pdf = (
        f'\n::: {{.content-visible when-format="typst"}}\n'
        f'::: {{.figure-sources typst:text:size="8pt"}}\n{t(lang, "sources.sources_under")}: '
        + "; ".join(items)
        + ".\n:::\n:::\n"
    )
    return page, pdf


def figure_block(
    build_dir: Path, lang: str, theme: str, figure: str, caption: str = "", page: str | None = None
) -> str:
    """The edition's figure, its numbers as a folded table, its downloads, address and citation
    (helpers.book.downloads; ``page`` is the chapter page that shows it). One figure, one number:
    an earlier wave's figure is not in the chapter (its numbers are in the trend figures, the
    explorer and the open data), so the web and the PDF number the same figures. A chapter may set
    two blocks side by side on a wide screen (a ``.figure-pair`` div around their includes)."""
    # chapters name the project's build folder, where Quarto finds it; a build elsewhere (the
    # tests') is mapped back by the check
    project = layout.project_build()
    rel = layout.chapter_rel
    wave = config.edition_wave()
    nb = layout.executed(project, wave, lang, theme)
    embed = f"{{{{< embed {rel(nb, lang)}#{layout.anchor(figure, wave)} >}}}}\n"
    get = downloads.links(
        build_dir, lang, figure, wave, caption, page, rel(downloads.folder(project, lang), lang)
    )
    if not figure.startswith("fig-"):  # a table is its own text
        return embed + f'\n::: {{.content-visible when-format="html"}}\n{get}:::\n'
    d = pd.read_csv(
        layout.figure_csv(build_dir, wave, lang, theme, figure), keep_default_na=False, na_values=[""]
    )
    sources_page, sources_pdf = figure_sources(d, lang)
    # one block, so that two of them can stand side by side on a wide screen (.figure-pair); on the
    # page, what a figure keeps folded (its sources, its numbers, its downloads) is one row of
    # summaries under it, which wraps on a phone (.figure-tools, chapters/report.css)
    return (
        f":::: {{.figure-block}}\n::: {{.figure-scroll}}\n{embed}:::\n{sources_pdf}\n"
        f'::: {{.content-visible when-format="html"}}\n::: {{.figure-tools}}\n'
        f"{sources_page}\n{figure_table(d, lang)}\n{get}:::\n:::\n::::\n"
    )
