"""The Quarto book: what the pipeline writes for it, and its structural check.

``prepare`` (Quarto's pre-render) runs the pipeline (cached) and writes what the chapters take
their numbers and figures from:

* ``_variables.yml``: numbers quoted in prose, per language (``{{< var nl.ind.stress.value >}}``);
* ``build/quarto/<lang>/figures/<figure>.qmd``: one block per figure of the report wave, with the
  earlier waves in tabs (website only) and a link to the CSV behind each figure;
* ``build/quarto/<lang>/{keyfigures,samples,breaks,quality,notice}.qmd``: generated tables.

``render`` runs Quarto for every language and keeps the previous site if one fails.

``check`` verifies the project without Quarto: profiles, chapters in both languages, embeds,
labels, cross-references, variables, and words left over from the other language.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import yaml

from helpers import codebook as codebook_mod
from helpers import config, estimate, i18n, ingest
from helpers.errors import PipelineError
from helpers.i18n import lower_first, t

EMBED = re.compile(r"\{\{<\s*embed\s+(\S+?)#([\w-]+)\s*>\}\}")
INCLUDE = re.compile(r"\{\{<\s*include\s+(\S+)\s*>\}\}")
VAR = re.compile(r"\{\{<\s*var\s+([\w.-]+)\s*>\}\}")
REF = re.compile(r"(?<![\w.@])@((?:fig|tbl|sec)-[\w-]*\w)")
ANCHOR = re.compile(r"\{#((?:fig|tbl|sec)-[\w-]+)[\s}]")
CSV_LINK = re.compile(r"\]\(([^)\s]+\.csv)\)")
OPTION = re.compile(r"^#\|\s*([\w-]+)\s*:\s*(.*)$", re.M)


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


def _chapter_dir(lang: str) -> Path:
    return config.ROOT / "chapters" / lang


def _rel(target: Path, lang: str) -> str:
    """Path of ``target`` as a chapter of ``lang`` writes it (chapters/<lang>/ is the base)."""
    return os.path.relpath(target, _chapter_dir(lang)).replace(os.sep, "/")


# ---------------------------------------------------------------------- estimates for prose
class Numbers:
    """Every indicator by every breakdown for every ingested wave, computed once."""

    def __init__(self, processed_dir: Path):
        self.cb = codebook_mod.load()
        parts = []
        self.manifests = {}
        for w in self.cb.wave_names():
            if ingest.processed_paths(processed_dir, w)["data"].exists():
                df = ingest.load_processed(w, processed_dir)
                parts.append(estimate.estimates(df, list(self.cb.indicators), self.cb, wave=w))
                self.manifests[w] = ingest.read_manifest(processed_dir, w)
        self.table = pd.concat(parts, ignore_index=True)
        self.quality = {w: pd.read_csv(ingest.processed_paths(processed_dir, w)["quality"]) for w in self.manifests}

    def total(self, indicator: str, wave: int):
        r = self.table[(self.table.indicator == indicator) & (self.table.wave == wave) & (self.table.group_var == "total")]
        return r.iloc[0] if len(r) else None

    def groups(self, indicator: str, wave: int, group_var: str) -> pd.DataFrame:
        """Groups the prose may quote: published and not flagged as of low reliability."""
        t_ = self.table
        rows = t_[(t_.indicator == indicator) & (t_.wave == wave) & (t_.group_var == group_var)]
        return rows[rows.flag == estimate.FLAG_OK]

    def previous(self, indicator: str, wave: int):
        """The latest earlier wave of the same series, with its total row."""
        tr = estimate.trend(self.table[self.table.group_var == "total"], indicator, wave, self.cb)
        earlier = tr[(tr.wave < wave) & tr.estimate.notna()]
        return earlier.iloc[-1] if len(earlier) else None


def _change(lang: str, now, before) -> str:
    """Whether two independent estimates differ at the report's confidence level.

    The standard errors are read back from the published intervals (half-width / z): exact for
    means, close for the (slightly asymmetric) Wilson intervals of shares."""
    if before is None or now is None or math.isnan(now.estimate) or math.isnan(before.estimate):
        return t(lang, "book.change.none")
    z = estimate._z(config.settings()["confidence_level"])
    se = lambda r: (r.ci_high - r.ci_low) / (2 * z)  # noqa: E731
    stat = (now.estimate - before.estimate) / math.sqrt(se(now) ** 2 + se(before) ** 2)
    return t(lang, "book.change." + ("up" if stat > z else "down" if stat < -z else "same"))


def variables(numbers: Numbers, lang: str, wave: int) -> dict:
    cb = numbers.cb
    d = config.settings()["disclosure"]
    out = {
        "report_wave": str(wave),
        "min_n": str(d["min_n"]),
        "low_n_minus_one": str(d["low_reliability_n"] - 1),
        "confidence": i18n.percent(100 * config.settings()["confidence_level"], lang),
        "n_report": i18n.number(numbers.manifests.get(wave, {}).get("rows_belgium", float("nan")), lang, 0),
    }
    for w, m in numbers.manifests.items():
        out[f"n_{w}"] = i18n.number(m["rows_belgium"], lang, 0)
    inds = {}
    for ind in cb.indicators:
        kind = cb.indicators[ind]["type"]
        fmt = lambda x: i18n.value(x, kind, lang)  # noqa: E731
        v: dict[str, str] = {}
        for w in numbers.manifests:
            row = numbers.total(ind, w)
            if row is not None:
                v[f"w{w}"] = fmt(row.estimate)
        now = numbers.total(ind, wave)
        if now is None:
            inds[ind] = v
            continue
        v["value"] = fmt(now.estimate)
        v["ci"] = f"{fmt(now.ci_low)} – {fmt(now.ci_high)}"
        prev = numbers.previous(ind, wave)
        v["prev"] = fmt(prev.estimate) if prev is not None else "–"
        v["prev_wave"] = str(int(prev.wave)) if prev is not None else "–"
        v["change"] = _change(lang, now, prev)
        for group_var in config.settings()["report"]["prose_breakdowns"]:
            g = numbers.groups(ind, wave, group_var)
            if g.empty:
                continue
            key = group_var
            hi, lo = g.loc[g.estimate.idxmax()], g.loc[g.estimate.idxmin()]
            for name, r in (("top", hi), ("low", lo)):
                v[f"{name}_{key}"] = lower_first(cb.label(lang, breakdown=group_var, category=r.group))
                v[f"{name}_{key}_value"] = fmt(r.estimate)
        for r in numbers.groups(ind, wave, "sex").itertuples():
            v[r.group] = fmt(r.estimate)
        inds[ind] = v
    out["ind"] = inds
    return out


# ---------------------------------------------------------------------- generated markdown
def _pipe_table(rows: list[dict], align: str) -> str:
    if not rows:
        return ""
    df = pd.DataFrame(rows)
    return df.to_markdown(index=False, colalign=tuple({"l": "left", "r": "right"}[a] for a in align)) + "\n"


def key_figures(numbers: Numbers, lang: str, wave: int) -> str:
    cb = numbers.cb
    h = lambda k: t(lang, f"tables.headers.{k}")  # noqa: E731
    rows = []
    for ind in config.settings()["report"]["key_indicators"]:
        now = numbers.total(ind, wave)
        if now is None:
            continue
        kind = cb.indicators[ind]["type"]
        fmt = lambda x: i18n.value(x, kind, lang)  # noqa: E731
        prev = numbers.previous(ind, wave)
        rows.append({
            t(lang, "book.keyfigures.theme"): t(lang, f"themes.{cb.indicators[ind]['theme']}"),
            h("indicator"): cb.label(lang, ind, wave=wave),
            str(wave): fmt(now.estimate),
            h("ci"): "–" if math.isnan(now.ci_low) else f"{fmt(now.ci_low)} – {fmt(now.ci_high)}",
            t(lang, "book.keyfigures.previous"): "–" if prev is None else f"{fmt(prev.estimate)} ({int(prev.wave)})",
        })
    caption = t(lang, "book.keyfigures.caption", wave=wave)
    return _pipe_table(rows, "llrrr") + f"\n: {caption}\n"


def samples(numbers: Numbers, lang: str) -> str:
    cb = numbers.cb
    rows = []
    for w in cb.wave_names():
        m = numbers.manifests.get(w)
        info = cb.waves[w]
        rows.append({
            t(lang, "tables.headers.wave"): str(w),
            t(lang, "book.samples.survey"): info["name"],
            t(lang, "book.samples.mode"): t(lang, f"mode.{info['mode']}"),
            t(lang, "book.samples.fieldwork"): info["fieldwork"][lang],
            t(lang, "book.samples.respondents"): i18n.number(m["rows_belgium"], lang, 0) if m else "–",
            t(lang, "book.samples.weight"): f"`{info['weights']['core']}`",
            t(lang, "book.samples.data"): t(lang, "book.samples." + (
                "missing" if not m else "synthetic" if m["synthetic"] else "real")),
        })
    return _pipe_table(rows, "lllrrll") + f"\n: {t(lang, 'book.samples.caption')}\n"


def breaks(numbers: Numbers, lang: str) -> str:
    cb = numbers.cb
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
    return _pipe_table(rows, "lll") + f"\n: {t(lang, 'book.breaks.caption')}\n"


def quality(numbers: Numbers, lang: str) -> str:
    cb = numbers.cb
    waves = sorted(numbers.quality)
    rows = []
    for kind, names in (("indicator", [i for i in cb.indicators if "derive" not in cb.indicators[i]]),
                        ("breakdown", cb.breakdown_order)):
        for name in names:
            label = cb.label(lang, name, short=True) if kind == "indicator" else cb.label(lang, breakdown=name)
            row = {t(lang, "tables.headers.indicator"): label}
            for w in waves:
                q = numbers.quality[w]
                hit = q[(q["kind"] == kind) & (q["name"] == name)]
                row[str(w)] = "–" if hit.empty else i18n.percent(float(hit["nonresponse_pct"].iloc[0]), lang, 1)
            rows.append(row)
    return _pipe_table(rows, "l" + "r" * len(waves)) + f"\n: {t(lang, 'book.quality.caption')}\n"


def notice(numbers: Numbers, lang: str) -> str:
    if not any(m["synthetic"] for m in numbers.manifests.values()):
        return ""
    return (f"::: {{.callout-warning .callout-synthetic}}\n## {t(lang, 'book.notice.title')}\n\n"
            f"{t(lang, 'book.notice.text')}\n:::\n")


def figure_block(lang: str, theme: str, figure: str, waves: list[int]) -> str:
    """The report wave's figure, its CSV, and the earlier waves in tabs (website only)."""

    # chapters name the project's build folder, where Quarto finds it; a build elsewhere (the
    # tests') is mapped back by the check
    project_build = config.ROOT / "build"

    def one(w: int) -> str:
        nb = project_build / "executed" / str(w) / lang / f"{theme}.ipynb"
        csv = project_build / "tables" / str(w) / lang / theme / f"{figure}-{w}.csv"
        return (f"{{{{< embed {_rel(nb, lang)}#{figure}-{w} >}}}}\n\n"
                f"::: {{.content-visible when-format=\"html\"}}\n"
                f"[{t(lang, 'book.csv')}]({_rel(csv, lang)}){{.csv-link}}\n:::\n")

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


def _inputs_key(build_dir: Path, processed_dir: Path) -> str:
    """What the book's inputs are made from: the runner's shared inputs and every executed job."""
    from helpers import runner

    paths = runner.Paths(notebooks=config.ROOT / "notebooks", build=build_dir, processed=processed_dir)
    stamps = sorted((build_dir / "executed").glob("*/*/*.json"))
    h = hashlib.sha256(runner.shared_fingerprint(paths).encode())
    h.update(Path(__file__).read_bytes())  # this module writes them (the runner's key leaves it out)
    for stamp in stamps:
        h.update(stamp.relative_to(build_dir).as_posix().encode())
        h.update(stamp.read_bytes())
    return h.hexdigest()


def write_book_inputs(build_dir: Path, processed_dir: Path, log=print) -> None:
    """Write _variables.yml and build/quarto/<lang>/ (atomically per file; content-stable).

    Skipped when nothing they are made from changed (Quarto runs the pre-render once per profile)."""
    variables_file = variables_path(build_dir)
    stamp = build_dir / "quarto" / "inputs.json"
    key = _inputs_key(build_dir, processed_dir)
    try:
        done = json.loads(stamp.read_text(encoding="utf-8")).get("key") == key
    except (FileNotFoundError, json.JSONDecodeError):
        done = False
    if done and variables_file.exists():
        log("book: numbers and figure blocks up to date")
        return
    numbers = Numbers(processed_dir)
    cb, wave = numbers.cb, report_wave()
    values = {}
    for lang in i18n.languages():
        values[lang] = variables(numbers, lang, wave)
        out = quarto_dir(build_dir, lang)
        files = {"keyfigures.qmd": key_figures(numbers, lang, wave), "samples.qmd": samples(numbers, lang),
                 "breaks.qmd": breaks(numbers, lang), "quality.qmd": quality(numbers, lang),
                 "notice.qmd": notice(numbers, lang)}
        for theme in cb.themes:
            by_wave = _labels_by_wave(build_dir, lang, theme)
            for label in by_wave.get(wave, []):
                figure = label[: -len(f"-{wave}")]
                waves = [wave] + sorted((w for w, ls in by_wave.items() if w != wave and f"{figure}-{w}" in ls), reverse=True)
                files[f"figures/{figure}.qmd"] = figure_block(lang, theme, figure, waves)
        for name, text in files.items():
            _write(out / name, text)
        for old in (out / "figures").glob("*.qmd"):  # a figure the notebooks no longer make
            if f"figures/{old.name}" not in files:
                old.unlink()
    _write(variables_file,
           "# Written by python -m helpers prepare: numbers quoted in the chapters. Do not edit.\n"
           + yaml.safe_dump(values, allow_unicode=True, sort_keys=True))
    _write(stamp, json.dumps({"key": key}) + "\n")
    log(f"book: wrote {variables_file.name} and {quarto_dir(build_dir, '<lang>')}")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return  # unchanged: keep the file (and its time stamp) for Quarto's freshness checks
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def prepare(*, jobs=None, log=print) -> None:
    """Quarto's pre-render: ingest and notebooks (cached), then the book's inputs."""
    from helpers import runner, workdir

    with workdir.exclusive(config.BUILD_DIR, log):  # the notebooks and the inputs made from them
        runner.run(jobs=jobs, log=log, progress=False)
        write_book_inputs(config.BUILD_DIR, config.PROCESSED_DIR, log=log)


def render(quarto: str, langs) -> None:
    """``quarto render`` every language profile; the previous _site is restored if any render fails."""
    site = config.ROOT / "_site"
    backup = config.ROOT / ".site-previous"
    shutil.rmtree(backup, ignore_errors=True)
    if site.exists():
        os.replace(site, backup)
    # Typst (the PDF) and the post-render step date their output by SOURCE_DATE_EPOCH: the edition's
    # date, so two renders of the same inputs are identical
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(int(config.build_date().timestamp()))}
    try:
        for lang in langs:
            r = subprocess.run([quarto, "render", "--profile", lang], cwd=config.ROOT, env=env)
            if r.returncode != 0:
                raise PipelineError(f"`quarto render --profile {lang}` failed (exit {r.returncode}); "
                                    "the previous site was kept", file=config.ROOT / f"_quarto-{lang}.yml")
    except BaseException:
        shutil.rmtree(site, ignore_errors=True)
        if backup.exists():
            os.replace(backup, site)
        raise
    shutil.rmtree(backup, ignore_errors=True)


# ---------------------------------------------------------------------- structural check
class Checker:
    def __init__(self, build_dir: Path | None = None, root: Path | None = None):
        self.build_dir = Path(build_dir or config.BUILD_DIR)
        self.root = Path(root or config.ROOT)  # the tests check damaged copies of the project
        self.problems: list[str] = []
        self.stats = {"embeds": 0, "references": 0, "variables": 0, "downloads": 0}

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def _map(self, path: Path) -> Path:
        """Chapters name <root>/build/...; the tests build elsewhere (EWCS_BUILD_DIR)."""
        path = Path(os.path.normpath(path))
        default = self.root / "build"
        if self.build_dir != default and path.is_relative_to(default):
            return self.build_dir / path.relative_to(default)
        return path

    def text_of(self, path: Path, lang: str, base: Path | None = None, seen=()) -> str:
        """A source file with its includes resolved (relative to ``base``, default its folder)."""
        path = self._map(path)
        if not path.exists():
            self.problem(f"{lang}: included file {path} does not exist (run `python -m helpers prepare`)")
            return ""
        if path in seen:
            self.problem(f"{lang}: {path} includes itself")
            return ""
        text = _profile_blocks(path.read_text(encoding="utf-8"), lang)
        base = base or path.parent

        def include(m):
            return self.text_of(base / m.group(1), lang, base=base, seen=(*seen, path))

        return INCLUDE.sub(include, text)

    def profile(self, lang: str) -> dict:
        p = self.root / f"_quarto-{lang}.yml"
        if not p.exists():
            self.problem(f"profile file {p.name} is missing")
            return {}
        conf = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        if conf.get("lang") != lang:
            self.problem(f"{p.name}: lang must be {lang!r} at the top level (found {conf.get('lang')!r})")
        book = conf.get("book") or {}
        if not book.get("author"):
            self.problem(f"{p.name}: book.author is required by the Typst book template")
        if (conf.get("project") or {}).get("output-dir") != f"_site/{lang}":
            self.problem(f"{p.name}: project.output-dir must be _site/{lang}")
        return conf

    def run(self) -> list[str]:
        main = yaml.safe_load((self.root / "_quarto.yml").read_text(encoding="utf-8")) or {}
        langs = i18n.languages()
        groups = [sorted(g) for g in (main.get("profile") or {}).get("group", [])]
        if sorted(langs) not in groups:
            self.problem(f"_quarto.yml: profile.group must hold the languages {langs} as one group")
        if (main.get("execute") or {}).get("enabled") is not False:
            self.problem("_quarto.yml: execute.enabled must be false (the pipeline executes the notebooks)")
        if "pdf" not in ((main.get("book") or {}).get("downloads") or []):
            self.problem("_quarto.yml: book.downloads must offer the pdf")
        if main.get("notebook-links") is not False or main.get("notebook-view") is not False:
            self.problem("_quarto.yml: notebook-links and notebook-view must be false")
        profiles = {lang: self.profile(lang) for lang in langs}
        lists = {}
        for lang, conf in profiles.items():
            book = conf.get("book") or {}
            chapters = list(book.get("chapters") or []) + list(book.get("appendices") or [])
            lists[lang] = [c.replace(f"chapters/{lang}/", "chapters/<lang>/") for c in chapters]
            for c in chapters:
                if not (self.root / c).exists():
                    self.problem(f"_quarto-{lang}.yml lists {c}, which does not exist")
                elif c.startswith("chapters/") and not c.startswith(f"chapters/{lang}/"):
                    self.problem(f"_quarto-{lang}.yml lists {c} from another language")
        first = langs[0]
        for lang in langs[1:]:
            if lists[lang] != lists[first]:
                self.problem(f"the profiles list different chapters: {first} {lists[first]} vs {lang} {lists[lang]}")
        names = {lang: sorted(p.name for p in (self.root / "chapters" / lang).glob("*.qmd")) for lang in langs}
        for lang in langs[1:]:
            if names[lang] != names[first]:
                self.problem(f"chapters/{first}/ and chapters/{lang}/ hold different files: "
                             f"{sorted(set(names[first]) ^ set(names[lang]))}")
        keys = {lang: _keys(i18n.catalogue(lang)) for lang in langs}
        for lang in langs[1:]:
            for missing_in, extra in ((lang, keys[first] - keys[lang]), (first, keys[lang] - keys[first])):
                for key in sorted(extra):
                    self.problem(f"data/i18n/{missing_in}.yaml has no translation for {key}")
        variables_file = variables_path(self.build_dir)
        values = yaml.safe_load(variables_file.read_text(encoding="utf-8")) if variables_file.exists() else None
        if values is None:
            self.problem(f"{variables_file} is missing (run `python -m helpers prepare`)")
        for lang in langs:
            self.check_language(lang, profiles[lang], values)
        return self.problems

    def check_language(self, lang: str, conf: dict, values) -> None:
        book = conf.get("book") or {}
        texts = {}
        for c in list(book.get("chapters") or []) + list(book.get("appendices") or []):
            path = self.root / c
            if path.exists():
                texts[c] = self.text_of(path, lang)
        labels: dict[str, str] = {}
        captions = []
        for c, text in texts.items():
            for m in ANCHOR.finditer(text):
                self._label(labels, m.group(1), c, lang)
            for m in EMBED.finditer(text):
                self.stats["embeds"] += 1
                nb_path = self._map((self.root / c).parent / m.group(1))
                cell = _cell_with_label(nb_path, m.group(2))
                if cell is None:
                    self.problem(f"{lang}: {c} embeds {m.group(1)}#{m.group(2)}: "
                                 + ("no such notebook" if not nb_path.exists() else "no cell with that label"))
                    continue
                if not any({"image/png", "text/markdown", "text/html", "image/svg+xml"} & set(o.get("data", {}))
                           for o in cell.get("outputs", [])):
                    self.problem(f"{lang}: {c} embeds {m.group(2)}, which has no figure or table output")
                opts = dict(OPTION.findall("".join(cell["source"])))
                captions += [opts.get(k, "") for k in ("fig-cap", "fig-alt", "tbl-cap")]
                self._label(labels, m.group(2), c, lang)
                if f"/{m.group(2)}.csv)" not in text:
                    self.problem(f"{lang}: {c} embeds {m.group(2)} without a link to its CSV")
            for m in CSV_LINK.finditer(text):
                self.stats["downloads"] += 1
                if not self._map((self.root / c).parent / m.group(1)).exists():
                    self.problem(f"{lang}: {c} links to {m.group(1)}, which does not exist")
        for c, text in texts.items():
            for m in REF.finditer(text):
                self.stats["references"] += 1
                if m.group(1) not in labels:
                    self.problem(f"{lang}: {c} refers to @{m.group(1)}, which no chapter defines or embeds")
            for m in VAR.finditer(text):
                self.stats["variables"] += 1
                key = m.group(1)
                if not key.startswith(f"{lang}."):
                    self.problem(f"{lang}: {c} uses {{{{< var {key} >}}}} from another language")
                elif values is not None and _lookup(values, key) is None:
                    self.problem(f"{lang}: {c} uses {{{{< var {key} >}}}}, which _variables.yml does not define")
        foreign = _foreign_phrases(lang)
        for where, text in [*texts.items(), ("figure captions", "\n".join(captions))]:
            body = VAR.sub(" ", EMBED.sub(" ", text))
            for phrase in foreign:
                if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", body):
                    self.problem(f"{lang}: {where} contains {phrase!r} from the other language's catalogue")

    def _label(self, labels: dict, label: str, where: str, lang: str) -> None:
        if label in labels:
            self.problem(f"{lang}: label {label} occurs twice ({labels[label]} and {where})")
        labels[label] = where


FENCE = re.compile(r"^(:{3,})\s*(.*)$")
PROFILE = re.compile(r'when-profile="([\w-]+)"')


def _profile_blocks(text: str, lang: str) -> str:
    """Keep what the ``lang`` profile shows: drop ``.content-visible when-profile`` divs of other
    profiles and ``.content-hidden when-profile`` divs of this one (nested divs are followed)."""
    out, stack = [], []  # stack: one bool per open div, True when it hides its content
    for line in text.splitlines(keepends=True):
        m = FENCE.match(line.strip())
        hidden = any(stack)
        if m and m.group(2):  # opening fence
            prof = PROFILE.search(m.group(2))
            hide = bool(prof) and ((".content-visible" in m.group(2)) != (prof.group(1) == lang)) \
                if prof and (".content-visible" in m.group(2) or ".content-hidden" in m.group(2)) else False
            stack.append(hide)
            if not hidden and not hide:
                out.append(line)
        elif m and stack:  # closing fence
            hide = stack.pop()
            if not hidden and not hide:
                out.append(line)
        elif not hidden:
            out.append(line)
    return "".join(out)


def _cell_with_label(nb_path: Path, label: str):
    if not nb_path.exists():
        return None
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            opts = dict(OPTION.findall("".join(cell.get("source", ""))))
            if opts.get("label") == label:
                return cell
    return None


def _lookup(values: dict, key: str):
    node = values
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _keys(node, prefix="") -> set[str]:
    if isinstance(node, dict):
        return set().union(*(_keys(v, f"{prefix}{k}.") for k, v in node.items())) if node else {prefix[:-1]}
    return {prefix[:-1]}


def _strings(node) -> list[str]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [str(node)] if isinstance(node, str) else []


def _phrases(lang: str) -> set[str]:
    """Reader-facing phrases of a language: catalogue texts and codebook labels, split at placeholders."""
    cb = codebook_mod.load()
    texts = _strings(i18n.catalogue(lang))
    for ind in cb.indicators.values():
        texts += [ind["label"][lang], ind["short"][lang]]
    for b in cb.breakdowns.values():
        texts += [b["label"][lang], *(c[lang] for c in b["categories"].values())]
    out = set()
    for text in texts:
        for piece in re.split(r"\{[^}]*\}|[()\[\]:;,.!?*]", text):
            piece = piece.strip(" -–'\"")
            if len(piece) >= 6 and re.search(r"[^\W\d]{4}", piece):
                out.add(piece)
    return out


def _foreign_phrases(lang: str) -> list[str]:
    own = _phrases(lang)
    others = set().union(*(_phrases(x) for x in i18n.languages() if x != lang))
    return sorted(others - own, key=len, reverse=True)


def check(build_dir: Path | None = None, root: Path | None = None) -> tuple[list[str], dict]:
    c = Checker(build_dir, root)
    return c.run(), c.stats
