"""The structural check of the Quarto book (``python -m helpers check``), without Quarto.

It verifies the profiles, chapters in both languages, every embed target with an output, unique
labels, cross-references, quoted numbers (``_variables.yml``) and that a number a sentence quotes
is shown by the figure it cites, CSV links, catalogue keys in both languages, and words left over
from the other language.
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

import yaml

from helpers.core import config, i18n, layout, schema
from helpers.publish import check_site, render, words

EMBED = re.compile(r"\{\{<\s*embed\s+(\S+?)#([\w-]+)\s*>\}\}")
INCLUDE, VAR = render.INCLUDE, render.VAR
REF = re.compile(r"(?<![\w.@])@((?:fig|tbl|sec)-[\w-]*\w)")
ANCHOR = re.compile(r"\{#((?:fig|tbl|sec)-[\w-]+)[\s}]")
CSV_LINK = re.compile(r"\]\(([^)\s]+\.csv)\)")
# a span marked as written in a language, [text]{lang=fr} (a cited page's title): not the chapter's words
OTHER_LANGUAGE = re.compile(r"\[[^\]]*\]\{[^}]*\blang=\"?([\w-]+)\"?[^}]*\}")
HEADING = re.compile(r"^#{1,6} .*$", re.M)
FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
HEADING_ID = re.compile(r"\{#((?:sec-)?[\w-]+)[^}]*\}\s*$")
WEB_ADDRESS = re.compile(r"https?://[^\s>)\]]+")
# a number as the report prints it: 23%, 1.997, 39,8, +15,8 (a sign, decimals, thousands)
NUMBER = re.compile(r"[+\u2212-]?\d+(?:[.,\u00a0\u202f]\d+)*%?")
# where a sentence ends: after . ! ? and a space, before what starts one (a capital, a quoted number)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý\"“«]|\{\{<)")
# the quoted values a sentence states as findings: estimates, other sources' values, named changes
QUOTED = re.compile(r"^[a-z]+\.(?:ind|ref|change\.hardest)\.")


class Checker:
    def __init__(self, build_dir: Path | None = None, root: Path | None = None):
        self.build_dir = Path(build_dir or config.BUILD_DIR)
        self.root = Path(root or config.ROOT)  # the tests check damaged copies of the project
        self.problems: list[str] = []
        self.stats = {
            "embeds": 0,
            "references": 0,
            "variables": 0,
            "quoted": 0,
            "downloads": 0,
            "pages": 0,
        }

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def build_path(self, path: Path) -> Path:
        """Chapters name <root>/build/...; the tests build elsewhere (EWCS_BUILD_DIR)."""
        path = Path(os.path.normpath(path))
        default = self.root / "build"
        if self.build_dir != default and path.is_relative_to(default):
            return self.build_dir / path.relative_to(default)
        return path

    def text_of(self, path: Path, lang: str, base: Path | None = None, seen=()) -> str:
        """A source file with its includes resolved (relative to ``base``, default its folder)."""
        path = self.build_path(path)
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
        for glob in (conf.get("project") or {}).get("resources") or []:
            if not str(glob).startswith(("/", "!")):
                self.problem(
                    f"{p.name}: resource {glob!r} must start with / (Quarto matches `{glob}` as "
                    f"`**/{glob}`, which copies the site's own copies into it again at every build)"
                )
        return conf

    def run(self) -> list[str]:
        langs = i18n.languages()
        self.check_project()
        profiles = {lang: self.profile(lang) for lang in langs}
        self.check_chapter_lists(profiles)
        self.check_catalogues()
        variables_file = layout.variables_path(self.build_dir)
        values = (
            yaml.safe_load(variables_file.read_text(encoding="utf-8")) if variables_file.exists() else None
        )
        if values is None:
            self.problem(f"{variables_file} is missing (run `python -m helpers prepare`)")
        for lang in langs:
            self.check_language(lang, profiles[lang], values)
            # the rendered site is made from the project's own build folder (not a test's)
            if (self.root / "_site" / lang).is_dir() and self.build_dir.resolve() == (
                self.root / "build"
            ).resolve():
                check_site.check_rendered(self, lang, profiles[lang])
                late = render.stale(lang, self.build_dir)
                if late:
                    self.problem(late)
        return self.problems

    def check_project(self) -> None:
        """_quarto.yml: one profile group of the languages, no execution, the PDF, no notebook pages."""
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

    def check_chapter_lists(self, profiles: dict) -> None:
        """Every profile lists the same chapters, of its own language, that exist."""
        langs = i18n.languages()
        lists = {}
        for lang, conf in profiles.items():
            book = conf.get("book") or {}
            chapters = book_files(book)
            if not conf.get("home-title"):
                self.problem(
                    f"_quarto-{lang}.yml: home-title is required (the home page's heading and the PDF's "
                    f"first chapter)"
                )
            lists[lang] = [c.replace(f"chapters/{lang}/", "chapters/<lang>/") for c in chapters]
            for c in chapters:
                if not (self.root / c).exists():
                    self.problem(f"_quarto-{lang}.yml lists {c}, which does not exist")
                elif c.startswith("chapters/") and not c.startswith(f"chapters/{lang}/"):
                    self.problem(f"_quarto-{lang}.yml lists {c} from another language")
        first = langs[0]
        for lang in langs[1:]:
            if lists[lang] != lists[first]:
                self.problem(
                    f"the profiles list different chapters: {first} {lists[first]} vs {lang} {lists[lang]}"
                )
        names = {
            lang: sorted(p.name for p in (self.root / "chapters" / lang).glob("*.qmd")) for lang in langs
        }
        for lang in langs[1:]:
            if names[lang] != names[first]:
                self.problem(
                    f"chapters/{first}/ and chapters/{lang}/ hold different files: "
                    f"{sorted(set(names[first]) ^ set(names[lang]))}"
                )
        self.check_section_ids(names[first])

    def check_section_ids(self, names: list[str]) -> None:
        """Every heading of a chapter has an id of its own, the same in every language: a section's
        address stays when a reader switches language, and from one edition to the next."""
        langs = i18n.languages()
        for name in names:
            ids = {}
            for lang in langs:
                path = self.root / "chapters" / lang / name
                if not path.exists():
                    continue
                ids[lang] = []
                body = FRONT_MATTER.sub("", path.read_text(encoding="utf-8"))
                for line in HEADING.findall(body):
                    m = HEADING_ID.search(line)
                    if m:
                        ids[lang].append(m.group(1))
                    else:
                        self.problem(
                            f"chapters/{lang}/{name}: the heading {line.strip()!r} has no id "
                            "(add {#sec-...}, the same in every language)"
                        )
            for lang in langs[1:]:
                if lang in ids and langs[0] in ids and ids[lang] != ids[langs[0]]:
                    self.problem(
                        f"chapters/<lang>/{name}: the sections' ids differ between languages: "
                        f"{langs[0]} {ids[langs[0]]} vs {lang} {ids[lang]}"
                    )

    def check_catalogues(self) -> None:
        """Every catalogue key in every language."""
        langs = i18n.languages()
        first = langs[0]
        keys = {lang: _keys(i18n.catalogue(lang)) for lang in langs}
        for lang in langs[1:]:
            for missing_in, extra in ((lang, keys[first] - keys[lang]), (first, keys[lang] - keys[first])):
                for key in sorted(extra):
                    self.problem(f"data/i18n/{missing_in}.yaml has no translation for {key}")

    def check_language(self, lang: str, conf: dict, values) -> None:
        book = conf.get("book") or {}
        texts = {}
        for c in book_files(book):
            path = self.root / c
            if path.exists():
                texts[c] = self.text_of(path, lang)
        labels: dict[str, str] = {}
        captions: list[str] = []
        for c, text in texts.items():
            for m in ANCHOR.finditer(text):
                self._label(labels, m.group(1), c, lang)
            for m in EMBED.finditer(text):
                self.check_embed(lang, c, text, m, labels, captions)
            for m in CSV_LINK.finditer(text):
                self.stats["downloads"] += 1
                if not self.build_path((self.root / c).parent / m.group(1)).exists():
                    self.problem(f"{lang}: {c} links to {m.group(1)}, which does not exist")
        self.check_references(lang, texts, labels, values)
        if values is not None:
            self.check_quoted_numbers(lang, texts, values)
        self.check_words(lang, [*texts.items(), ("figure captions", "\n".join(captions))])

    def check_embed(self, lang: str, c: str, text: str, m, labels: dict, captions: list) -> None:
        """An embedded figure: its notebook and cell exist, it has an output, its CSV is linked."""
        self.stats["embeds"] += 1
        nb_path = self.build_path((self.root / c).parent / m.group(1))
        cell = _cell_with_label(nb_path, m.group(2))
        if cell is None:
            self.problem(
                f"{lang}: {c} embeds {m.group(1)}#{m.group(2)}: "
                + ("no such notebook" if not nb_path.exists() else "no cell with that label")
            )
            return
        if not any(
            {"image/png", "text/markdown", "text/html", "image/svg+xml"} & set(o.get("data", {}))
            for o in cell.get("outputs", [])
        ):
            self.problem(f"{lang}: {c} embeds {m.group(2)}, which has no figure or table output")
        opts = schema.cell_options("".join(cell["source"]))
        captions += [opts.get(k, "") for k in ("fig-cap", "fig-alt", "tbl-cap")]
        self._label(labels, m.group(2), c, lang)
        if f"/{_csv_name(m.group(1), m.group(2))})" not in text:
            self.problem(f"{lang}: {c} embeds {m.group(2)} without a link to its CSV")

    def check_references(self, lang: str, texts: dict, labels: dict, values) -> None:
        """Every @reference resolves and every quoted number is defined, in the chapter's language."""
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
                    self.problem(
                        f"{lang}: {c} uses {{{{< var {key} >}}}}, which _variables.yml does not define"
                    )

    def check_quoted_numbers(self, lang: str, texts: dict, values: dict) -> None:
        """A number a sentence quotes appears in a figure the sentence cites: each number of an
        estimate, another source's value or a named change (``_variables.yml``) is among the numbers
        of the cited figures' tables (their blocks in build/quarto/<lang>/figures/)."""
        shown: dict[str, set[str]] = {}
        for c, text in texts.items():
            for paragraph in re.split(r"\n\s*\n", text):
                if "@fig-" not in paragraph:
                    continue
                for sentence in SENTENCE_END.split(" ".join(paragraph.split())):
                    figures = [r for r in REF.findall(sentence) if r.startswith("fig-")]
                    keys = [k for k in VAR.findall(sentence) if QUOTED.match(k) and not k.endswith("wave")]
                    if not figures or not keys:
                        continue
                    for f in figures:
                        if f not in shown:
                            block = self.build_path(
                                layout.quarto_dir(self.build_dir, lang) / "figures" / f"{f}.qmd"
                            )
                            body = html.unescape(block.read_text(encoding="utf-8")) if block.exists() else ""
                            shown[f] = set(NUMBER.findall(body))
                    numbers = set().union(*(shown[f] for f in figures))
                    for key in keys:
                        for n in NUMBER.findall(str(_lookup(values, key) or "")):
                            self.stats["quoted"] += 1
                            if n not in numbers:
                                self.problem(
                                    f"{lang}: {c} quotes {n} ({{{{< var {key} >}}}}) in a sentence that "
                                    f"cites {', '.join('@' + f for f in figures)}, which do not show it: "
                                    f"“{VAR.sub('…', sentence)[:160]}”"
                                )

    def check_words(self, lang: str, texts: list) -> None:
        """No phrase of the other language's catalogue in the chapters or the figures' captions."""
        foreign = words.foreign_pattern(lang)  # one pattern of every phrase: a search per phrase took seconds
        for where, text in texts:
            body = OTHER_LANGUAGE.sub(
                lambda m: m.group(0) if m.group(1) == lang else " ", VAR.sub(" ", EMBED.sub(" ", text))
            )
            body = WEB_ADDRESS.sub(" ", body)  # an address is not prose ("…/thuiswerken" in a French page)
            for phrase in dict.fromkeys(m.group(0) for m in foreign.finditer(body)) if foreign else ():
                self.problem(f"{lang}: {where} contains {phrase!r} from the other language's catalogue")

    def _label(self, labels: dict, label: str, where: str, lang: str) -> None:
        if label in labels:
            self.problem(f"{lang}: label {label} occurs twice ({labels[label]} and {where})")
        labels[label] = where


FENCE = re.compile(r"^(:{3,})\s*(.*)$")
PROFILE = re.compile(r'when-profile="([\w-]+)"')


def book_files(book: dict) -> list[str]:
    """The files a profile's book lists, chapters then appendices (an entry may be {href, text})."""
    entries = list(book.get("chapters") or []) + list(book.get("appendices") or [])
    return [e["href"] if isinstance(e, dict) else e for e in entries]


def _profile_blocks(text: str, lang: str) -> str:
    """Keep what the ``lang`` profile shows: drop ``.content-visible when-profile`` divs of other
    profiles and ``.content-hidden when-profile`` divs of this one (nested divs are followed)."""
    out, stack = [], []  # stack: one bool per open div, True when it hides its content
    for line in text.splitlines(keepends=True):
        m = FENCE.match(line.strip())
        hidden = any(stack)
        if m and m.group(2):  # opening fence
            prof = PROFILE.search(m.group(2))
            hide = (
                bool(prof) and ((".content-visible" in m.group(2)) != (prof.group(1) == lang))
                if prof and (".content-visible" in m.group(2) or ".content-hidden" in m.group(2))
                else False
            )
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


def _csv_name(notebook: str, label: str) -> str:
    """The CSV behind an embedded figure: ``<figure>-<wave>.csv`` in every wave, the wave read from
    the executed notebook's folder (the edition's figures are labelled without it)."""
    m = re.search(r"executed/(\d+)/", notebook)
    if m is None:
        return f"{label}.csv"
    wave = m.group(1)
    return f"{label}.csv" if label.endswith(f"-{wave}") else f"{label}-{wave}.csv"


def _cell_with_label(nb_path: Path, label: str):
    if not nb_path.exists():
        return None
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            opts = schema.cell_options("".join(cell.get("source", "")))
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


def check(build_dir: Path | None = None, root: Path | None = None) -> tuple[list[str], dict]:
    c = Checker(build_dir, root)
    return c.run(), c.stats
