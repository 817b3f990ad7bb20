"""Published figures from other sources (``data/reference/<source>/``), validated before use.

Each source is a folder with two files:

* ``data.csv``: the long table ``year, geo, measure, breakdown, group, value, unit, note, source``,
  one row per value as printed by the publisher (or by a third party reproducing it); ``source``
  names the citation (in ``source.yaml``) where the value was read;
* ``source.yaml``: publisher, title, address, what it measures, population, licence, when the table
  was last updated, its geographies, its measures (with their unit; ``publish: false`` keeps a
  measure out of the report), breaks in series (``kind: caveat`` for a note on a year that does
  not cut the series), and the citations (publisher, title, address,
  ``origin``: ``publisher`` or ``third_party``, and for a third party whose figures it ``reproduces``; the \
page's ``title``
  with its ``lang``, where it has one).

Texts for readers (the source's name, what it measures, labels of measures, groups, units, breaks)
are in the catalogues ``data/i18n/<lang>.yaml`` under ``sources``.

``load_all`` validates every table against its metadata and the catalogues; the first problem stops
the pipeline with one message naming the file, row and column (``PipelineError``). Nothing here
estimates, interpolates or sums: the report publishes the values as they are in the table.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.core import config, i18n
from helpers.core.errors import PipelineError

COLUMNS = ["year", "geo", "measure", "breakdown", "group", "value", "unit", "note", "source"]
KEY = ["year", "geo", "measure", "breakdown", "group"]
DATA_FILE = "data.csv"
META_FILE = "source.yaml"
ORIGINS = ("publisher", "third_party")
META_FIELDS = (
    "publisher",
    "title",
    "address",
    "what",
    "population",
    "licence",
    "updated",
    "geo",
    "measures",
    "citations",
)
CITATION_FIELDS = ("publisher", "url", "origin")  # and the page's title where it has one
TOTAL = "total"
TITLE_LANGS = ("nl", "fr", "de", "en", "it")  # a cited page's title is printed in its own language
URL = re.compile(r"^https?://\S+$")


def folder() -> Path:
    return config.DATA / "reference"


@dataclass(frozen=True)
class Source:
    name: str
    meta: dict
    table: pd.DataFrame  # validated: year int, value float, the columns of COLUMNS

    @property
    def published(self) -> pd.DataFrame:
        """The rows the report may publish (measures not marked ``publish: false``)."""
        keep = [m for m, spec in self.meta["measures"].items() if spec.get("publish", True)]
        return self.table[self.table.measure.isin(keep)]

    def citation(self, key: str) -> dict:
        return self.meta["citations"][key]

    def breaks(self, measures) -> list[dict]:
        return [b for b in self.meta.get("breaks") or [] if set(b["measures"]) & set(measures)]


def _rel(path: Path) -> str:
    try:
        return path.relative_to(config.ROOT).as_posix()
    except ValueError:
        return str(path)


def _label_missing(lang: str, key: str) -> bool:
    node = i18n.catalogue(lang)
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return True
        node = node[part]
    return False


def label_keys(name: str) -> list[str]:
    """The catalogue keys every language must have for a source's texts."""
    return [f"sources.names.{name}", f"sources.what.{name}", f"sources.population.{name}"]


def _check_meta(name: str, meta, path: Path) -> dict:
    def bad(problem, expected=None):
        raise PipelineError(problem, file=_rel(path), expected=expected)

    if not isinstance(meta, dict):
        bad("is not a mapping of the source's metadata", "the fields " + ", ".join(META_FIELDS))
    for f in META_FIELDS:
        if meta.get(f) in (None, "", [], {}):
            bad(f"field {f!r} is missing or empty", "every field of " + ", ".join(META_FIELDS))
    if not URL.match(str(meta["address"])):
        bad(f"address {meta['address']!r} is not a web address", "http(s)://…")
    try:
        dt.date.fromisoformat(str(meta["updated"]))
    except ValueError:
        bad(f"updated {meta['updated']!r} is not a date", "a date such as 2026-11-23")
    _check_measures(meta, bad)
    _check_breaks(meta, bad)
    for key, c in meta["citations"].items():
        _check_citation(key, c, bad)
    _check_labels(name, meta, path)
    return meta


def _check_measures(meta: dict, bad) -> None:
    units = set(i18n.catalogue(i18n.languages()[0])["sources"]["units"])
    for m, spec in meta["measures"].items():
        if not isinstance(spec, dict) or spec.get("unit") not in units:
            bad(
                f"measure {m!r} has unit {(spec or {}).get('unit')!r}",
                "a unit of the catalogues' sources.units: " + ", ".join(sorted(units)),
            )
    geos = set(i18n.catalogue(i18n.languages()[0])["sources"]["geo"])
    for g in meta["geo"]:
        if g not in geos:
            bad(f"geo {g!r} has no label in the catalogues", "one of " + ", ".join(sorted(geos)))


def _check_breaks(meta: dict, bad) -> None:
    for b in meta.get("breaks") or []:
        if not isinstance(b, dict) or not {"id", "year", "measures"} <= set(b):
            bad(f"break {b!r} needs an id, a year and its measures")
        if b.get("kind", "break") not in ("break", "caveat"):
            bad(
                f"break {b['id']!r} has kind {b['kind']!r}",
                "break (the series is cut) or caveat (a note on the year)",
            )
        unknown = [m for m in b["measures"] if m not in meta["measures"]]
        if unknown:
            bad(
                f"break {b['id']!r} names unknown measure(s) {', '.join(unknown)}",
                "measures listed under measures",
            )


def _check_citation(key: str, c, bad) -> None:
    if not isinstance(c, dict):
        bad(f"citation {key!r} is not a mapping", "the fields " + ", ".join(CITATION_FIELDS))
    for f in CITATION_FIELDS:
        if not c.get(f):
            bad(f"citation {key!r} has no {f}", "every field of " + ", ".join(CITATION_FIELDS))
    if c["origin"] not in ORIGINS:
        bad(f"citation {key!r} has origin {c['origin']!r}", "one of " + ", ".join(ORIGINS))
    if c["origin"] == "third_party" and not c.get("reproduces"):
        bad(
            f"citation {key!r} is a third party's page but does not say whose figures it reproduces",
            "reproduces: <the original publisher>",
        )
    if c.get("title") and c.get("lang") not in TITLE_LANGS:
        bad(
            f"citation {key!r} has a title but not its language ({c.get('lang')!r})",
            "lang: one of " + ", ".join(TITLE_LANGS) + " (readers' software reads the title in it)",
        )
    if not URL.match(str(c["url"])):
        bad(f"citation {key!r} has the address {c['url']!r}", "a web address, http(s)://…")


def _check_labels(name: str, meta: dict, path: Path) -> None:
    for lang in i18n.languages():
        keys = [
            *label_keys(name),
            *(f"sources.measures.{m}" for m in meta["measures"]),
            *(f"sources.breaks.{b['id']}" for b in meta.get("breaks") or []),
        ]
        for key in keys:
            if _label_missing(lang, key):
                raise PipelineError(
                    f"{_rel(path)} needs the text {key}",
                    file=f"data/i18n/{lang}.yaml",
                    expected="a label in every language's catalogue",
                )


def _check_filled(i: int, r, bad) -> None:
    for c in ("year", "geo", "measure", "breakdown", "group", "value", "unit"):
        if not str(getattr(r, c)).strip():
            bad(i, c, "is empty", "a value in every row (a value that was not published is not a row)")


def _check_row(i: int, r, meta: dict, path: Path, bad) -> float:
    """One row of a source's table, against its metadata and the catalogues; returns its value."""
    lang = i18n.languages()[0]
    measures, citations = meta["measures"], meta["citations"]
    _check_filled(i, r, bad)
    if not re.fullmatch(r"\d{4}", r.year):
        bad(i, "year", f"{r.year!r} is not a year", "four digits, such as 2023")
    if r.geo not in meta["geo"]:
        bad(i, "geo", f"unknown geo {r.geo!r}", "one of the source's geo: " + ", ".join(meta["geo"]))
    if r.measure not in measures:
        bad(
            i,
            "measure",
            f"unknown measure {r.measure!r}",
            f"a measure of {_rel(path.parent / META_FILE)}",
        )
    if r.unit != measures[r.measure]["unit"]:
        bad(
            i,
            "unit",
            f"unit {r.unit!r} is not the unit of {r.measure} ({measures[r.measure]['unit']!r})",
            f"the measure's unit in {_rel(path.parent / META_FILE)}",
        )
    try:
        v = float(r.value)
    except ValueError:
        v = math.nan
    if not math.isfinite(v):
        bad(
            i,
            "value",
            f"{r.value!r} is not a number",
            "a number written with a decimal point, no thousands separator",
        )
    if not r.source.strip():
        bad(
            i,
            "source",
            "the value has no source",
            f"the key of a citation in {_rel(path.parent / META_FILE)}",
        )
    if r.source not in citations:
        bad(
            i,
            "source",
            f"unknown citation {r.source!r}",
            f"the key of a citation in {_rel(path.parent / META_FILE)}",
        )
    if _label_missing(lang, f"sources.breakdowns.{r.breakdown}"):
        bad(
            i,
            "breakdown",
            f"breakdown {r.breakdown!r} has no label",
            f"sources.breakdowns.{r.breakdown} in the catalogues",
        )
    if r.breakdown != TOTAL and _label_missing(lang, f"sources.groups.{r.breakdown}.{r.group}"):
        bad(
            i,
            "group",
            f"group {r.group!r} of {r.breakdown} has no label",
            f"sources.groups.{r.breakdown}.{r.group} in the catalogues",
        )
    return v


def _check_table(name: str, d: pd.DataFrame, meta: dict, path: Path) -> pd.DataFrame:
    file = _rel(path)

    def bad(i: int, column: str, problem: str, expected=None):
        # row numbers as a spreadsheet shows them: the header is row 1
        raise PipelineError(f"row {i + 2}, column {column}: {problem}", file=file, expected=expected)

    if list(d.columns) != COLUMNS:
        missing = [c for c in COLUMNS if c not in d.columns]
        extra = [c for c in d.columns if c not in COLUMNS]
        what = (
            f"missing column(s) {', '.join(missing)}"
            if missing
            else f"unknown column(s) {', '.join(extra)}"
            if extra
            else "columns in another order"
        )
        raise PipelineError(
            f"row 1 (header): {what}", file=file, expected="the columns " + ", ".join(COLUMNS)
        )
    if d.empty:
        raise PipelineError("holds no values", file=file, expected="one row per published value")
    years, values = [], []
    for i, r in enumerate(d.itertuples(index=False)):
        values.append(_check_row(i, r, meta, path, bad))
        years.append(int(r.year))
    out = d.assign(year=years, value=values)
    dup = out.duplicated(KEY, keep="first")
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][0])
        first = int(out[KEY].eq(out.iloc[i][KEY]).all(axis=1).to_numpy().nonzero()[0][0])
        bad(
            i,
            ",".join(KEY),
            f"the same year, geo, measure, breakdown and group as row {first + 2}",
            "one value per year, geo, measure, breakdown and group",
        )
    return out


def load(name: str, root: Path | None = None) -> Source:
    """One source, validated (``PipelineError`` at the first problem)."""
    base = Path(root or folder()) / name
    meta = _check_meta(name, config.load_yaml(base / META_FILE), base / META_FILE)
    path = base / DATA_FILE
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise PipelineError(
            "the source's table is missing", file=_rel(path), expected=f"{DATA_FILE} beside {META_FILE}"
        ) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise PipelineError(
            f"cannot be read as CSV ({exc}){_excel_hint(path)}".replace("\n", " "), file=_rel(path)
        ) from None
    if len(raw.columns) == 1 and ";" in str(raw.columns[0]):  # read, but as one column
        raise PipelineError(f"has one column{_excel_hint(path)}", file=_rel(path))
    return Source(name, meta, _check_table(name, raw, meta, path))


def _excel_hint(path: Path) -> str:
    """What to do when a table looks like a Belgian (or French, Dutch) Excel's CSV export, whose
    separator is the semicolon and decimal mark the comma."""
    try:
        head = path.read_bytes()[:4096].decode("utf-8", errors="replace").splitlines()[:1]
    except OSError:
        return ""
    if head and head[0].count(";") > head[0].count(","):
        return (
            "; it looks like a CSV saved by Excel with semicolons and decimal commas: save it again "
            "as CSV UTF-8 (comma-delimited) with a decimal point, or export it from another tool"
        )
    return ""


def names(root: Path | None = None) -> list[str]:
    base = Path(root or folder())
    return sorted(p.name for p in base.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def _fingerprint(root: Path) -> tuple:
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(root.glob("*/*")))


@functools.lru_cache(maxsize=4)
def _load_all(root: str, _stamp: tuple) -> dict[str, Source]:
    return {n: load(n, Path(root)) for n in names(Path(root))}


def load_all(root: Path | None = None) -> dict[str, Source]:
    """Every source under data/reference/, validated; read again when a file changes."""
    base = Path(root or folder())
    return _load_all(str(base), _fingerprint(base))


def get(name: str) -> Source:
    sources = load_all()
    if name not in sources:
        raise PipelineError(
            f"unknown reference source {name!r}", file=_rel(folder()), expected="one of " + ", ".join(sources)
        )
    return sources[name]


def files(root: Path | None = None) -> list[Path]:
    """The files of the reference layer (for fingerprints and provenance)."""
    base = Path(root or folder())
    return sorted(p for p in base.glob("*/*") if p.name in (DATA_FILE, META_FILE))


# ---------------------------------------------------------------------- labelled for readers
# the figure's CSV: codes for machines, labels for readers, the citation of each value
LABELLED_COLUMNS = [
    "year",
    "geo",
    "geo_label",
    "measure",
    "measure_label",
    "breakdown",
    "breakdown_label",
    "group",
    "group_label",
    "value",
    "unit",
    "unit_label",
    "origin",
    "origin_label",
    "publisher",
    "reproduces",
    "title",
    "title_lang",
    "address",
    "note",
]
THIRD_PARTY = "third_party"
PERCENT = "percent"


def decimals(value: float) -> int:
    """As many decimals as the published value has (18.9 → 1, 29 → 0, 36.87 → 2)."""
    for d in range(3):
        if abs(round(value, d) - value) < 1e-9:
            return d
    return 2


def fmt(value: float, unit: str, lang: str) -> str:
    """A published value as the language writes it, with the decimals it was published with."""
    if unit == PERCENT:
        return i18n.percent(value, lang, decimals(value))
    return i18n.number(value, lang, decimals(value))


def short_address(url: str) -> str:
    return re.sub(r"^https?://(www\.)?", "", url).rstrip("/")


def group_label(lang: str, breakdown: str, group: str) -> str:
    return (
        i18n.t(lang, "sources.breakdowns.total")
        if breakdown == TOTAL
        else i18n.t(lang, f"sources.groups.{breakdown}.{group}")
    )


def labelled(src: Source, rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Rows of a source's table with their labels and citations, in the figures' CSV schema."""
    cites = [src.citation(k) for k in rows["source"]]
    d = rows.copy()
    d["geo_label"] = [i18n.t(lang, f"sources.geo.{g}") for g in d["geo"]]
    d["measure_label"] = [i18n.t(lang, f"sources.measures.{m}") for m in d["measure"]]
    d["breakdown_label"] = [i18n.t(lang, f"sources.breakdowns.{b}") for b in d["breakdown"]]
    d["group_label"] = [group_label(lang, b, g) for b, g in zip(d["breakdown"], d["group"])]
    d["unit_label"] = [i18n.t(lang, f"sources.units.{u}") for u in d["unit"]]
    d["origin"] = [c["origin"] for c in cites]
    d["origin_label"] = [i18n.t(lang, f"sources.origin.{o}") for o in d["origin"]]
    d["publisher"] = [c["publisher"] for c in cites]
    d["reproduces"] = [c.get("reproduces", "") for c in cites]
    d["title"] = [c.get("title", "") for c in cites]
    d["title_lang"] = [c.get("lang", "") for c in cites]
    d["address"] = [c["url"] for c in cites]
    return d[LABELLED_COLUMNS].reset_index(drop=True)


def all_labelled(lang: str) -> pd.DataFrame:
    """Every published value of every source, labelled, with the source's name in ``source``."""
    return pd.concat(
        [labelled(src, src.published, lang).assign(source=name) for name, src in load_all().items()],
        ignore_index=True,
    )[["source", *LABELLED_COLUMNS]]
