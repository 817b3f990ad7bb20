"""The edition's estimates store: every published estimate, one file per language.

Each theme notebook publishes its cube (``build/tables/<wave>/<lang>/<theme>/estimates-<wave>.csv``:
the theme's indicators by every breakdown, suppressed cells included) and its wave's sample facts
(``sample-<wave>.json``). ``assemble`` joins them, after checking that every theme, wave and
language is there and every cube holds every cell the codebook declares, into

* ``build/store/<lang>/estimates.csv``: the store, in the schema of ``schema.STORE_COLUMNS``;
* ``build/store/<lang>/changes.csv``: each group's change between every two comparable waves
  (helpers.estimate.change), in the schema of ``schema.CHANGE_COLUMNS``;
* ``build/store/samples.json``: respondents, data origin and item non-response per wave.

Beside them, Belgium in Europe (helpers.estimate.europe), from the European estimates the run
computed once (``build/estimates/europe-<wave>.parquet``, ``europe-be-<wave>.parquet``), rounded as
published and labelled:

* ``build/store/<lang>/europe.csv``: each EU27 member state and the EU27, every indicator, for all
  workers and by ``report.europe.breakdowns`` (``schema.EUROPE_COLUMNS``);
* ``build/store/<lang>/europe-belgium.csv``: Belgium and its regions against the EU27, the
  difference's interval, whether it is significant and Belgium's rank (``schema.EUROPE_BELGIUM_COLUMNS``).

The chapters' Europe figures read the same rounded tables (helpers.notebook.report).

Everything after the notebooks (the prose numbers, the key-figure and sample tables, the explorer)
reads these files through ``Store``: nothing after the notebooks opens ``data/processed/``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from helpers.core import i18n, layout, workdir
from helpers.core.errors import PipelineError
from helpers.core.schema import (
    CHANGE_COLUMNS,
    CHANGES,
    CUBE,
    EUROPE_BELGIUM_COLUMNS,
    EUROPE_COLUMNS,
    FLAG_OK,
    SAMPLE,
    STORE_COLUMNS,
    TOTAL,
)
from helpers.estimate import europe
from helpers.metadata import codebook as codebook_mod

NUMERIC = ("estimate", "ci_low", "ci_high", "se", "n_eff")
COUNTS = ("wave", "wave_before", "n", "n_before", "n_after", "df")  # whole numbers in the store's files


def _read(path: Path, columns: list[str], numeric: tuple, flags: tuple, what: str) -> pd.DataFrame:
    """A file of the store: codes and labels as text, ``numeric`` columns as numbers (empty = not
    published), ``flags`` as booleans; its columns must be ``columns``, in order."""
    text = [c for c in columns if c not in (*numeric, *flags, *COUNTS)]
    df = pd.read_csv(
        path, dtype={c: "str" for c in text}, keep_default_na=False, na_values={c: [""] for c in numeric}
    )
    if list(df.columns) != columns:
        raise PipelineError(
            f"{what} file has other columns than the store's", file=path, expected=", ".join(columns)
        )
    for c in flags:
        df[c] = df[c].astype(str).str.lower() == "true"
    return df


def read_table(path: Path) -> pd.DataFrame:
    """A store or cube file of estimates."""
    return _read(path, STORE_COLUMNS, NUMERIC, ("mode_change",), "estimates")


def read_europe(path: Path) -> pd.DataFrame:
    """A store file of the member states' and the EU27's estimates."""
    return _read(path, EUROPE_COLUMNS, NUMERIC, (), "European estimates")


def read_europe_belgium(path: Path) -> pd.DataFrame:
    """A store file of Belgium and its regions against the EU27."""
    return _read(
        path,
        EUROPE_BELGIUM_COLUMNS,
        ("estimate", "estimate_eu27", "difference", "ci_low", "ci_high", "share_of_eu27", "se", "p_value",
         "p_adjusted", "rank", "ranked"),
        ("significant",),
        "Belgium against the EU27",
    )  # fmt: skip


def _europe_tables(build_dir: Path, waves, cb) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The waves' European estimates as the run computed them, rounded as published; each must be
    of the same processed data as the Belgian estimates the notebooks read (the same key)."""
    folder = layout.estimates(build_dir)
    parts, versus = [], []
    for w in waves:
        for name, into in ((f"europe-{w}", parts), (f"europe-be-{w}", versus)):
            key, own = folder / f"{name}.key", folder / f"{w}.key"
            if not (key.exists() and own.exists() and key.read_text() == own.read_text()):
                raise PipelineError(
                    f"the European estimates of wave {w} are missing or of other data than the notebooks'",
                    file=folder / f"{name}.parquet",
                    expected="files written by `python -m helpers run` with the Belgian estimates",
                )
            into.append(europe.published(pd.read_parquet(folder / f"{name}.parquet")))
    return pd.concat(parts, ignore_index=True), pd.concat(versus, ignore_index=True)


def _europe_order(df: pd.DataFrame, cb, first=()) -> pd.DataFrame:
    """Codebook order (theme, indicator), then the country (in the order of countries.yaml, the EU27
    last), wave, breakdown and group."""
    countries = {c: i for i, c in enumerate([*cb.eu27(), europe.EU27])}
    extra = {"country_order": df["country"].map(countries)} if "country" in df else {}
    return _order(df.assign(**extra), cb, first=[*first, *extra]).drop(columns=[*extra])


def read_changes(path: Path) -> pd.DataFrame:
    """A store or notebook file of changes between waves."""
    return _read(
        path,
        CHANGE_COLUMNS,
        ("estimate_before", "estimate_after", "change", "ci_low", "ci_high", "se", "p_value", "p_adjusted"),
        ("significant", "mode_change"),
        "changes",
    )


def _expected_change_keys(cb, theme: str, wave: int) -> set[tuple]:
    keys = set()
    for before in [w for w in cb.wave_names() if w < wave]:
        for ind in cb.theme_indicators(theme):
            if cb.comparable(ind, before, wave):
                keys |= {(before, ind, b, g) for i, b, g in _expected_keys(cb, theme, wave) if i == ind}
    return keys


def _expected_keys(cb, theme: str, wave: int) -> set[tuple]:
    keys = set()
    for ind in cb.theme_indicators(theme):
        if not cb.indicator_spec(ind, wave):
            continue
        keys.add((ind, TOTAL, TOTAL))
        for b in cb.breakdown_order:
            keys |= {(ind, b, str(c)) for c in cb.breakdowns[b]["categories"]}
    return keys


def _order(df: pd.DataFrame, cb, first=()) -> pd.DataFrame:
    """Codebook order: theme, indicator, (the columns in ``first``), wave, breakdown (all workers
    first), category."""
    themes = {t: i for i, t in enumerate(cb.themes)}
    inds = {t: i for i, t in enumerate(cb.indicators)}
    bds = {b: i for i, b in enumerate([TOTAL, *cb.breakdown_order])}
    cats = {(b, str(c)): i for b in cb.breakdown_order for i, c in enumerate(cb.breakdowns[b]["categories"])}
    key = pd.DataFrame(
        {
            **{c: df[c] for c in first},
            "t": df.theme.map(themes),
            "i": df.indicator.map(inds),
            "w": df.wave,
            "b": df.breakdown.map(bds),
            "c": [cats.get((b, g), -1) for b, g in zip(df.breakdown, df.group)],
        }
    )
    return df.iloc[key.sort_values(["t", "i", *first, "w", "b", "c"], kind="stable").index].reset_index(
        drop=True
    )


def _check_keys(
    got: set, want: set, rows: int, right_wave: bool, path: Path, what: str, expected: str
) -> None:
    """A notebook's file holds exactly the cells the codebook declares, once each."""
    if got == want and rows == len(want) and right_wave:
        return
    missing, extra = sorted(want - got), sorted(got - want)
    raise PipelineError(
        f"{what} do not match the codebook (missing {missing[:3]}{'…' if len(missing) > 3 else ''}, "
        f"unexpected {extra[:3]}{'…' if len(extra) > 3 else ''}, {rows} rows for {len(want)})",
        file=path,
        expected=f"{expected}; rerun `python -m helpers run --force`",
    )


def assemble(build_dir: Path, log=print) -> dict[str, Path]:
    """Write the store of every language and the samples file; return the store paths."""
    cb = codebook_mod.load()
    build_dir = Path(build_dir)
    out, tables, change_tables = {}, {}, {}
    samples: dict[int, dict] = {}
    for lang in i18n.languages():
        parts, change_parts = [], []
        for theme in cb.themes:
            for wave in cb.wave_names():
                folder = layout.tables(build_dir, wave, lang, theme)
                cube, sample = folder / CUBE.format(wave=wave), folder / SAMPLE.format(wave=wave)
                changes = folder / CHANGES.format(wave=wave)
                for f in (cube, sample, changes):
                    if not f.exists():
                        raise PipelineError(
                            f"notebooks/{theme}.ipynb published no estimates for wave {wave}, language "
                            f"{lang}",
                            file=f,
                            expected="its last cell calls r.publish_estimates(); run `python -m helpers run`",
                        )
                df = read_table(cube)
                _check_keys(
                    set(zip(df.indicator, df.breakdown, df.group)),
                    _expected_keys(cb, theme, wave),
                    len(df),
                    set(df.wave) == {wave} and set(df.theme) == {theme},
                    cube,
                    f"the estimates of {theme}, wave {wave}, language {lang}",
                    "one row per indicator of the wave and group of every breakdown",
                )
                parts.append(df)
                ch = read_changes(changes)
                _check_keys(
                    set(zip(ch.wave_before, ch.indicator, ch.breakdown, ch.group)),
                    _expected_change_keys(cb, theme, wave),
                    len(ch),
                    not len(ch) or set(ch.wave) == {wave},
                    changes,
                    f"the changes of {theme} to wave {wave}, language {lang}",
                    "one row per group of every indicator comparable with an earlier wave",
                )
                change_parts.append(ch)
                _merge_sample(samples, json.loads(sample.read_text(encoding="utf-8")), sample)
        tables[lang] = _order(pd.concat(parts, ignore_index=True), cb)
        change_tables[lang] = _order(
            pd.concat([c for c in change_parts if len(c)], ignore_index=True), cb, first=["wave_before"]
        )
    europe_table, europe_versus = _europe_tables(build_dir, sorted(samples), cb)
    # written only once every cube of every language has been read and checked
    for lang, table in tables.items():
        workdir.write_text(
            layout.europe_path(build_dir, lang),
            _europe_order(europe.labelled(europe_table, lang, cb), cb).to_csv(
                index=False, lineterminator="\n"
            ),
        )
        workdir.write_text(
            layout.europe_belgium_path(build_dir, lang),
            _europe_order(europe.labelled_versus(europe_versus, lang, cb), cb).to_csv(
                index=False, lineterminator="\n"
            ),
        )
        out[lang] = layout.store_path(build_dir, lang)
        workdir.write_text(out[lang], table.to_csv(index=False, lineterminator="\n"))
        workdir.write_text(
            layout.changes_path(build_dir, lang), change_tables[lang].to_csv(index=False, lineterminator="\n")
        )
    workdir.write_text(
        layout.samples_path(build_dir),
        json.dumps(
            {str(w): samples[w] for w in sorted(samples)}, indent=1, ensure_ascii=False, sort_keys=True
        )
        + "\n",
    )
    log(
        "store: "
        + ", ".join(
            f"{lang} {len(t)} estimates, {len(change_tables[lang])} changes" for lang, t in tables.items()
        )
    )
    return out


def _merge_sample(samples: dict, s: dict, where: Path) -> None:
    """One wave's facts, from the notebooks of all its themes: they must agree."""
    w = int(s["wave"])
    facts = {k: s[k] for k in ("respondents", "synthetic", "source", "source_sha256")}
    have = samples.setdefault(w, {**facts, "nonresponse_pct": {}})
    if any(have[k] != v for k, v in facts.items()):
        raise PipelineError(
            f"wave {w}: the notebooks were run on different data ({have['source']} "
            f"{have['source_sha256'][:12]} and {facts['source']} {facts['source_sha256'][:12]})",
            file=where,
            expected="one run of the grid on one ingest: `python -m helpers run --force`",
        )
    for q in s["nonresponse_pct"]:
        have["nonresponse_pct"][f"{q['kind']}:{q['name']}"] = q["pct"]


class Store:
    """The store of one language, as the pre-render step reads it."""

    def __init__(self, build_dir: Path, lang: str):
        path = layout.store_path(build_dir, lang)
        if not path.exists():
            raise PipelineError(
                "the estimates store is missing",
                file=path,
                expected="`python -m helpers prepare` (it assembles the store after the notebooks)",
            )
        self.lang = lang
        self.table = read_table(path)
        self.changes = read_changes(layout.changes_path(build_dir, lang))
        self.europe = read_europe(layout.europe_path(build_dir, lang))
        self.europe_belgium = read_europe_belgium(layout.europe_belgium_path(build_dir, lang))
        samples = layout.samples_path(build_dir)
        self.samples = {int(w): s for w, s in json.loads(samples.read_text(encoding="utf-8")).items()}

    def _rows(self, indicator: str, wave: int, breakdown: str) -> pd.DataFrame:
        t = self.table
        return t[(t.indicator == indicator) & (t.wave == wave) & (t.breakdown == breakdown)]

    def total(self, indicator: str, wave: int):
        r = self._rows(indicator, wave, TOTAL)
        return r.iloc[0] if len(r) else None

    def groups(self, indicator: str, wave: int, breakdown: str) -> pd.DataFrame:
        """Groups the prose may quote: published and not flagged as of low reliability."""
        rows = self._rows(indicator, wave, breakdown)
        return rows[rows.flag == FLAG_OK]

    def previous(self, indicator: str, wave: int):
        """The latest earlier wave of the same series (comparable), with its total row."""
        now = self.total(indicator, wave)
        if now is None:
            return None
        t = self.table
        earlier = t[
            (t.indicator == indicator)
            & (t.breakdown == TOTAL)
            & (t.wave < wave)
            & (t.series == now.series)
            & t.estimate.notna()
        ].sort_values("wave")
        return earlier.iloc[-1] if len(earlier) else None

    def nonresponse(self, wave: int, kind: str, name: str) -> float | None:
        return (self.samples.get(wave) or {}).get("nonresponse_pct", {}).get(f"{kind}:{name}")
