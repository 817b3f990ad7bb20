"""Quarto's pre-render step (``python -m helpers prepare``): what the chapters take their numbers from.

``prepare`` runs the pipeline (ingest and notebooks, cached), assembles the estimates store from
the notebooks' cubes (helpers.store), then writes from the store and the executed notebooks only:

* ``_variables.yml``: numbers quoted in prose, per language (helpers.prose);
* ``build/quarto/<lang>/figures/<figure>.qmd``: one block per figure of the report wave, with the
  earlier waves in tabs (website only) and a link to the CSV behind each figure;
* ``build/quarto/<lang>/{keyfigures,samples,breaks,quality,notice,rises}.qmd``: generated tables
  and the COVID chapter's list of groups whose risk rose;
* ``build/quarto/<lang>/explorer.qmd``: the data explorer's page body (helpers.explorer).

Nothing here opens ``data/processed/``: a test holds it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import math
import os
import re
from pathlib import Path

import pandas as pd
import yaml

from helpers import codebook as codebook_mod
from helpers import config, edition, explorer, i18n, prose, provenance, reference, runner, sources, workdir
from helpers import store as store_mod
from helpers.i18n import t
from helpers.store import Store


def report_wave() -> int:
    return int(config.settings()["report"]["wave"])


def quarto_dir(build_dir: Path, lang: str) -> Path:
    return build_dir / "quarto" / lang


def variables_path(build_dir: Path) -> Path:
    """Where the quoted numbers go: ``_variables.yml`` at the project root, where Quarto reads it,
    for the project's own build folder; beside the build for any other (the tests' temporary one),
    so a test never rewrites the numbers of the report being edited."""
    if Path(build_dir).resolve() == (config.ROOT / "build").resolve():
        return config.ROOT / "_variables.yml"
    return Path(build_dir) / "quarto" / "_variables.yml"


def chapter_dir(lang: str) -> Path:
    return config.ROOT / "chapters" / lang


def rel(target: Path, lang: str) -> str:
    """Path of ``target`` as a chapter of ``lang`` writes it (chapters/<lang>/ is the base)."""
    return os.path.relpath(target, chapter_dir(lang)).replace(os.sep, "/")


# ---------------------------------------------------------------------- generated markdown

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
        rows.append({
            t(lang, "book.keyfigures.theme"): t(lang, f"themes.{cb.indicators[ind]['theme']}"),
            h("indicator"): now.indicator_label,
            str(wave): fmt(now.estimate),
            h("ci"): "–" if math.isnan(now.ci_low) else i18n.interval(fmt(now.ci_low), fmt(now.ci_high)),
            t(lang, "book.keyfigures.previous"): "–" if prev is None else f"{fmt(prev.estimate)} ({int(prev.wave)})",
        })
    caption = t(lang, "book.keyfigures.caption", wave=wave)
    return i18n.pipe_table(rows, "llrrr") + f"\n: {caption}\n"


def samples(store: Store) -> str:
    lang = store.lang
    cb = codebook_mod.load()
    rows = []
    for w in cb.wave_names():
        m = store.samples.get(w)
        info = cb.waves[w]
        rows.append({
            t(lang, "tables.headers.wave"): str(w),
            t(lang, "book.samples.survey"): info["name"],
            t(lang, "book.samples.mode"): t(lang, f"mode.{info['mode']}"),
            t(lang, "book.samples.fieldwork"): info["fieldwork"][lang],
            t(lang, "book.samples.respondents"): i18n.number(m["respondents"], lang, 0) if m else "–",
            t(lang, "book.samples.weight"): f"`{info['weights']['core']}`",
            t(lang, "book.samples.data"): t(lang, "book.samples." + (
                "missing" if not m else "synthetic" if m["synthetic"] else "real")),
        })
    return i18n.pipe_table(rows, "lllrrll", widths=[7, 24, 16, 15, 11, 16, 11]) + f"\n: {t(lang, 'book.samples.caption')}\n"


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
        rows.append({
            t(lang, "tables.headers.indicator"): cb.label(lang, ind, short=True),
            t(lang, "book.breaks.comparable"): ", ".join(map(str, main)),
            t(lang, "book.breaks.apart"): ", ".join(map(str, apart)),
        })
    return i18n.pipe_table(rows, "lll") + f"\n: {t(lang, 'book.breaks.caption')}\n"


def quality(store: Store) -> str:
    lang = store.lang
    cb = codebook_mod.load()
    waves = sorted(store.samples)
    rows = []
    for kind, names in (("indicator", [i for i in cb.indicators if "derive" not in cb.indicators[i]]),
                        ("breakdown", cb.breakdown_order)):
        for name in names:
            label = cb.label(lang, name, short=True) if kind == "indicator" else cb.label(lang, breakdown=name)
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
    return (f"::: {{.callout-warning .callout-synthetic}}\n## {t(lang, 'book.notice.title')}\n\n"
            f"{t(lang, 'book.notice.text')}\n:::\n")


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
        rows.append({
            h("publisher"): src.meta["publisher"],
            h("what"): f"{t(lang, f'sources.what.{name}')}. {t(lang, f'sources.population.{name}')}.",
            h("years"): f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0]),
            # the link's text is the site: a whole address would not fit the PDF's column
            h("address"): f"[{reference.short_address(src.meta['address']).split('/')[0]}]({src.meta['address']})",
            h("updated"): dt.date.fromisoformat(str(src.meta["updated"])).isoformat(),
        })
    return (i18n.pipe_table(rows, "lllll", widths=[14, 44, 12, 16, 14])
            + f"\n: {t(lang, 'sources.table.caption')} {{#tbl-sources}}\n")


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
        cols = {h("indicator"): d["indicator"]}
        if d["group"].nunique() > 1:
            cols[h("group_var")] = d["group_var"]
            cols[h("group")] = d["group"]
        if d["wave"].nunique() > 1:
            cols[h("wave")] = d["wave"].astype(str)
        cols[h("estimate")] = [fmt(e, u) for e, u in zip(d["estimate"], d["unit"])]
        cols[h("ci")] = ["–" if _cell(lo) == "" else i18n.interval(fmt(lo, u), fmt(hi, u))
                         for lo, hi, u in zip(d["ci_low"], d["ci_high"], d["unit"])]
        cols[h("n")] = [i18n.number(n, lang, 0) if _cell(n) else "–" for n in d["n"]]
        cols[h("flag")] = d["flag"].map(_cell)
        cols[h("unit")] = d["unit"]
        table = pd.DataFrame(cols)
    elif {"change", "ci_low", "ci_high", "indicator_label", "group_label"} <= set(d.columns) and len(d):
        unit_share = d["kind"] == "share"
        pct = lambda x, s: fmt(x, share if s else "")  # noqa: E731
        table = pd.DataFrame({
            h("indicator"): d["indicator_label"], h("group_var"): d["breakdown_label"], h("group"): d["group_label"],
            str(int(d["wave_before"].iloc[0])): [pct(x, s) for x, s in zip(d["estimate_before"], unit_share)],
            str(int(d["wave"].iloc[0])): [pct(x, s) for x, s in zip(d["estimate_after"], unit_share)],
            t(lang, "tables.rises.change"): [f"{fmt(c, '', True)} ({i18n.interval(fmt(lo, '', True), fmt(hi, '', True))})"
                                             if _cell(c) else "–" for c, lo, hi in zip(d["change"], d["ci_low"], d["ci_high"])],
            h("unit"): d["unit"], h("flag"): d["flag_label"].map(_cell)})
    elif {"value", "unit", "origin", "address"} <= set(d.columns):  # another source's published values
        s = lambda k: t(lang, f"sources.headers.{k}")  # noqa: E731
        cols = {s("year"): d["year"].astype(str)}
        for key, col in (("geo", "geo_label"), ("measure", "measure_label"), ("group", "group_label")):
            if d[col].nunique() > 1:
                cols[s(key)] = d[col]
        cols[s("value")] = [reference.fmt(float(v), u, lang) for v, u in zip(d["value"], d["unit"])]
        cols[s("unit")] = d["unit_label"]
        cols[s("origin")] = d["origin_label"]
        table = pd.DataFrame(cols)
    else:  # a table of another shape: its columns as they are
        table = d.map(lambda x: i18n.number(x, lang, 0) if isinstance(x, float) and x == int(x) else _cell(x))
    table = table.loc[:, [c for c in table.columns if table[c].astype(str).str.len().gt(0).any()]]
    head = "".join(f'<th scope="col">{html.escape(str(c))}</th>' for c in table.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>\n"
                   for row in table.itertuples(index=False))
    summary = html.escape(t(lang, "book.figure_table"))
    # the comment keeps Quarto from parsing the table into its own (and, for the PDF, from running
    # a CSS inliner it fetches from the network): the table is published as written
    return (f'```{{=html}}\n<!--| quarto-html-table-processing: none -->\n'
            f'<details class="figure-data"><summary>{summary}</summary>\n'
            f'<div class="table-responsive" tabindex="0" role="region" aria-label="{summary}">\n'
            f'<table class="table table-sm">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>\n'
            f'</div>\n</details>\n```\n')


def figure_sources(d: pd.DataFrame, lang: str) -> str:
    """Under a figure of other sources, in the page and the PDF: every citation its values come
    from, with its address (from the CSV the figure publishes). Empty for a survey figure."""
    if not {"publisher", "reproduces", "title", "address", "origin"} <= set(d.columns):
        return ""
    cites = d.drop_duplicates(["address", "title"])

    def md(text: str) -> str:
        return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)

    # a title is printed in its own language, marked so (a screen reader reads it in that language)
    items = [md(c.publisher) + (f", [“{md(_cell(c.title))}”]{{lang={c.title_lang}}}" if _cell(c.title) else "")
             + f", <{c.address}>"
             + (f" ({t(lang, 'sources.third_party_mark', publisher=md(c.reproduces))})" if c.origin == "third_party" else "")
             for c in cites.itertuples()]
    listed = "".join(f"- {x}\n" for x in items)
    summary = html.escape(t(lang, "sources.sources_summary", count=len(items)))
    # the page folds the list under the figure; the PDF prints it, small
    return (f'\n::: {{.content-visible when-format="html"}}\n<details class="figure-sources"><summary>{summary}</summary>\n\n'
            f'{listed}\n</details>\n:::\n\n::: {{.content-visible when-format="typst"}}\n'
            f'::: {{.figure-sources typst:text:size="8pt"}}\n{t(lang, "sources.sources_under")}: ' + "; ".join(items) + ".\n:::\n:::\n")


def figure_block(build_dir: Path, lang: str, theme: str, figure: str, waves: list[int]) -> str:
    """The report wave's figure, its numbers as a folded table and its CSV, and the earlier waves
    in tabs (website only). On a narrow screen the figure keeps a readable size and scrolls sideways."""

    # chapters name the project's build folder, where Quarto finds it; a build elsewhere (the
    # tests') is mapped back by the check
    project_build = config.ROOT / "build"

    def one(w: int) -> str:
        nb = project_build / "executed" / str(w) / lang / f"{theme}.ipynb"
        csv = project_build / "tables" / str(w) / lang / theme / f"{figure}-{w}.csv"
        embed = f"{{{{< embed {rel(nb, lang)}#{figure}-{w} >}}}}\n"
        if not figure.startswith("fig-"):  # a table is its own text
            return embed + (f"\n::: {{.content-visible when-format=\"html\"}}\n"
                            f"[{t(lang, 'book.csv')}]({rel(csv, lang)}){{.csv-link}}\n:::\n")
        d = pd.read_csv(Path(build_dir) / "tables" / str(w) / lang / theme / f"{figure}-{w}.csv",
                        keep_default_na=False, na_values=[""])
        return (f"::: {{.figure-scroll}}\n{embed}:::\n{figure_sources(d, lang)}\n"
                f"::: {{.content-visible when-format=\"html\"}}\n{figure_table(d, lang)}\n"
                f"[{t(lang, 'book.csv')}]({rel(csv, lang)}){{.csv-link}}\n:::\n")

    latest, earlier = waves[0], waves[1:]
    text = one(latest)
    if earlier:
        tabs = "".join(f"\n## {w}\n\n{one(w)}" for w in earlier)
        text += (f"\n::: {{.content-visible when-format=\"html\"}}\n{t(lang, 'book.earlier_waves')}\n\n"
                 f"::: {{.panel-tabset}}\n{tabs}\n:::\n:::\n")
    return text


def _labels_by_wave(build_dir: Path, lang: str, theme: str) -> dict[int, list[str]]:
    out = {}
    for stamp in sorted((build_dir / "executed").glob(f"*/{lang}/{theme}.json")):
        out[int(stamp.parts[-3])] = json.loads(stamp.read_text(encoding="utf-8"))["labels"]
    return out


# Modules that write the book's inputs: a change to any of them rewrites the inputs.
WRITERS = ("prerender.py", "prose.py", "store.py", "explorer.py", "i18n.py", "codebook.py", "config.py",
           "edition.py", "provenance.py", "reference.py", "sources.py")


def _inputs_key(build_dir: Path) -> str:
    """What the book's inputs are made from: the notebooks' outputs (stamps, cubes, sample facts),
    configuration and the code that writes them. Never the processed data."""
    h = hashlib.sha256()
    here = Path(__file__).parent
    conf = [*config.CODEBOOK_DIR.glob("*.yaml"), *(config.DATA / "i18n").glob("*.yaml"), config.DATA / "settings.yaml"]
    tables = build_dir / "tables"
    outputs = [*(build_dir / "executed").glob("*/*/*.json"), *tables.glob("*/*/*/estimates-*.csv"),
               *tables.glob("*/*/*/sample-*.json"), *tables.glob("*/*/*/changes-*.csv")]
    # the reference tables: the colophon, the sources table and the quoted values read them
    for f in [*(here / n for n in WRITERS), *sorted(conf), *sorted(outputs), *sources.files()]:
        h.update(str(f.relative_to(build_dir) if f.is_relative_to(build_dir) else f.name).encode())
        h.update(f.read_bytes())
    h.update(provenance.code_version().encode())  # the colophon and footer name it
    return h.hexdigest()


def write_book_inputs(build_dir: Path, log=print) -> None:
    """The store, _variables.yml and build/quarto/<lang>/ (atomically per file; content-stable).

    Skipped when nothing they are made from changed (Quarto runs the pre-render once per profile)."""
    build_dir = Path(build_dir)
    variables_file = variables_path(build_dir)
    stamp = build_dir / "quarto" / "inputs.json"
    key = _inputs_key(build_dir)
    try:
        done = json.loads(stamp.read_text(encoding="utf-8")).get("key") == key
    except (FileNotFoundError, json.JSONDecodeError):
        done = False
    if done and variables_file.exists() and all(store_mod.store_path(build_dir, x).exists() for x in i18n.languages()):
        log("book: store, numbers and figure blocks up to date")
        return
    store_mod.assemble(build_dir, log=log)
    cb, wave = codebook_mod.load(), report_wave()
    values = {}
    prov = None
    for lang in i18n.languages():
        store = Store(build_dir, lang)
        if prov is None:
            prov = provenance.provenance(store.samples)
            workdir.write_text(provenance.path(build_dir), json.dumps(prov, indent=1, ensure_ascii=False) + "\n")
        values[lang] = prose.variables(store, wave)
        values[lang]["ref"] = reference.variables(lang)
        out = quarto_dir(build_dir, lang)
        # the other sources' values, labelled once: the explorer's download and its series
        others = reference.all_labelled(lang)
        workdir.write_text(explorer.sources_path(build_dir, lang), others.to_csv(index=False, lineterminator="\n"))
        files = {"keyfigures.qmd": key_figures(store, wave), "samples.qmd": samples(store),
                 "breaks.qmd": breaks(lang), "quality.qmd": quality(store), "notice.qmd": notice(store),
                 "explorer.qmd": explorer.page(store) + explorer.sources_section(lang, others), "rises.qmd": rises(store, wave),
                 "sources.qmd": sources_table(lang),
                 "cover.typ": edition.cover(lang, prov), "colophon.typ": edition.colophon(lang, prov)}
        for theme in [*cb.themes, *runner.source_notebooks()]:
            by_wave = _labels_by_wave(build_dir, lang, theme)
            for label in by_wave.get(wave, []):
                figure = label[: -len(f"-{wave}")]
                waves = [wave] + sorted((w for w, ls in by_wave.items() if w != wave and f"{figure}-{w}" in ls), reverse=True)
                files[f"figures/{figure}.qmd"] = figure_block(build_dir, lang, theme, figure, waves)
        for name, text in files.items():
            workdir.write_text(out / name, text)
        for old in (out / "figures").glob("*.qmd"):  # a figure the notebooks no longer make
            if f"figures/{old.name}" not in files:
                old.unlink()
    workdir.write_text(variables_file,
                     "# Written by python -m helpers prepare: numbers quoted in the chapters. Do not edit.\n"
                     + yaml.safe_dump(values, allow_unicode=True, sort_keys=True))
    workdir.write_text(stamp, json.dumps({"key": key}) + "\n")
    log(f"book: wrote {variables_file.name} and {quarto_dir(build_dir, '<lang>')}")


def prepare(*, jobs=None, log=print) -> None:
    """Quarto's pre-render: ingest and notebooks (cached), then the store and the book's inputs."""
    from helpers import runner

    with workdir.exclusive(config.BUILD_DIR, log):  # the notebooks and the inputs made from them
        runner.run(jobs=jobs, log=log, progress=False)
        write_book_inputs(config.BUILD_DIR, log=log)
