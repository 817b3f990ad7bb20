"""Every wave's estimates and changes, computed once per build for all notebooks.

``python -m helpers run`` writes, before any notebook starts, ``build/estimates/<wave>.parquet``
(every indicator of the codebook by every breakdown, unrounded: helpers.estimate.weighted) and
``build/estimates/changes-<before>-<after>.parquet`` (every pair of waves, tested on the unrounded
estimates: helpers.estimate.change). The notebooks (helpers.notebook.report) read them through
:class:`Estimates`, which gives a wave's estimates rounded as published: a wave's estimates serve
its own notebooks, the trend figures of every later wave and both languages, whose labels are put
on afterwards.

Each file has a key (``<name>.key``): the processed data it was computed from, the codebook,
settings and the estimating code. A notebook run by the runner requires current files; a notebook
run by hand (papermill, Jupyter) uses them when current and otherwise estimates in memory.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pandas as pd

from helpers.core import config, layout, stages, workdir
from helpers.core.errors import PipelineError
from helpers.estimate import change, europe, weighted
from helpers.ingest import processed
from helpers.metadata.codebook import Codebook


def _fingerprint() -> bytes:
    """The codebook, the analysis settings (``config.analysis_settings_digest``) and the code of the
    estimate stage and of every stage it may import."""
    files = [*config.CODEBOOK_DIR.glob("*.yaml"), *stages.code_files("estimate")]
    return (workdir.hash_files(files, name=workdir.project_name) + config.analysis_settings_digest()).encode()


def keys(processed_dir: Path, waves) -> dict[int, str]:
    """The key of each wave's estimates: its processed data (by its manifest, which holds the
    SHA-256 of the data it describes, checked here against the file: estimates of other data are
    never served from the cache), the codebook, settings and code."""
    common = _fingerprint()
    out = {}
    for w in waves:
        processed.verified(w, processed_dir)
        h = hashlib.sha256(common)
        h.update(layout.processed(processed_dir, w)["manifest"].read_bytes())
        out[w] = h.hexdigest()
    return out


def _change_key(k0: str, k1: str) -> str:
    return hashlib.sha256(f"{k0}|{k1}".encode()).hexdigest()


def _names(before: int | None, wave: int) -> str:
    return str(wave) if before is None else f"changes-{before}-{wave}"


def _current(out_dir: Path, name: str, key: str) -> bool:
    try:
        return (out_dir / f"{name}.key").read_text(encoding="utf-8") == key and (
            out_dir / f"{name}.parquet"
        ).exists()
    except FileNotFoundError:
        return False


def _write(out_dir: Path, name: str, key: str, table: pd.DataFrame) -> None:
    tmp = out_dir / f".{name}.parquet.tmp"
    with workdir.naming(out_dir / f"{name}.parquet"):
        table.to_parquet(tmp, index=False)
        os.replace(tmp, out_dir / f"{name}.parquet")
    workdir.write_text(out_dir / f"{name}.key", key)


def compute_wave(df: pd.DataFrame, wave: int, cb: Codebook) -> pd.DataFrame:
    """Every indicator of the codebook that the wave's data has, by every breakdown, unrounded."""
    return weighted.estimates(df, list(cb.indicators), cb, wave=wave)


def published(table: pd.DataFrame) -> pd.DataFrame:
    """A wave's estimates rounded as published."""
    return weighted.rounded(table, int(config.settings()["publish"]["decimals"]))


def compute_changes(before: pd.DataFrame, after: pd.DataFrame, cb: Codebook) -> pd.DataFrame:
    return change.changes(before, after, cb, decimals=int(config.settings()["publish"]["decimals"]))


def compute_europe(df: pd.DataFrame, wave: int, cb: Codebook) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every country's estimates (EU27 member states and the EU27) and Belgium against the EU27."""
    table = europe.countries(df, wave, cb)
    return table, europe.versus_eu27(df, table, wave, cb)


def precompute_europe(waves, processed_dir: Path, out_dir: Path, cb: Codebook, log=print) -> int:
    """Write the waves' European tables that are not current (``europe-<wave>``: every EU27
    country's estimates and the EU27's; ``europe-be-<wave>``: Belgium and its regions against the
    EU27), keyed as the wave's estimates; returns how many waves were computed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    ks = keys(processed_dir, waves)
    done = []
    for w in waves:
        if _current(out_dir, f"europe-{w}", ks[w]) and _current(out_dir, f"europe-be-{w}", ks[w]):
            continue
        table, versus = compute_europe(processed.load_countries(w, processed_dir), w, cb)
        _write(out_dir, f"europe-{w}", ks[w], table)
        _write(out_dir, f"europe-be-{w}", ks[w], versus)
        done.append(w)
    if done:
        log(f"estimates: Belgium against the EU27 and its member states in {len(done)} wave(s)")
    return len(done)


def precompute(waves, processed_dir: Path, out_dir: Path, cb: Codebook, log=print) -> int:
    """Write what is not current; returns how many files were computed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    ks = keys(processed_dir, waves)
    tables: dict[int, pd.DataFrame] = {}

    def wave_table(w: int) -> pd.DataFrame:
        if w not in tables:
            if _current(out_dir, _names(None, w), ks[w]):
                tables[w] = pd.read_parquet(out_dir / f"{w}.parquet")
            else:
                tables[w] = compute_wave(processed.load(w, processed_dir), w, cb)
                _write(out_dir, _names(None, w), ks[w], tables[w])
                done.append(w)
        return tables[w]

    done: list = []
    for w in waves:
        wave_table(w)
    for w0 in waves:
        for w1 in waves:
            if w0 < w1 and not _current(out_dir, _names(w0, w1), _change_key(ks[w0], ks[w1])):
                _write(
                    out_dir,
                    _names(w0, w1),
                    _change_key(ks[w0], ks[w1]),
                    compute_changes(wave_table(w0), wave_table(w1), cb),
                )
                done.append((w0, w1))
    if done:
        log(
            f"estimates: computed {sum(isinstance(d, int) for d in done)} wave(s) and "
            f"{sum(isinstance(d, tuple) for d in done)} pair(s) of waves once for all notebooks"
        )
    return len(done)


class Estimates:
    """What a notebook reads: the waves' estimates and changes, from ``out_dir`` when current.

    ``required``: the runner's notebooks never estimate (a missing or stale file is an error, so no
    estimate is computed twice in one build); a notebook run by hand computes what is not current,
    in memory."""

    def __init__(self, waves, processed_dir: Path, out_dir: Path | None, cb: Codebook, *, required: bool):
        self.waves, self.processed_dir, self.cb = sorted(waves), processed_dir, cb
        self.out_dir = out_dir or layout.estimates()
        self.required = required
        self.keys = keys(processed_dir, self.waves)
        self._cache: dict = {}

    def _read(self, name: str, key: str, compute):
        if name not in self._cache:
            if _current(self.out_dir, name, key):
                self._cache[name] = pd.read_parquet(self.out_dir / f"{name}.parquet")
            elif self.required:
                raise PipelineError(
                    f"the precomputed estimates {name}.parquet are missing or out of date",
                    file=self.out_dir / f"{name}.parquet",
                    expected="files written by `python -m helpers run` for the same processed data",
                )
            else:
                self._cache[name] = compute()
        return self._cache[name]

    @classmethod
    def of_available(
        cls, processed_dir: Path, out_dir: Path | None, cb: Codebook, *, required: bool, wave: int
    ) -> Estimates:
        """The estimates of every wave that has processed data; ``wave`` must be one of them."""
        waves = processed.available(processed_dir, cb.wave_names())
        if wave not in waves:
            processed.load(wave, processed_dir)  # the message that says what to do
        return cls(waves, processed_dir, out_dir, cb, required=required)

    def manifest(self, w: int) -> dict:
        """The wave's processed manifest (its raw file, SHA-256, rows, whether it is synthetic)."""
        return processed.read_manifest(self.processed_dir, w) or {}

    def quality(self, w: int) -> pd.DataFrame:
        """The wave's item non-response table."""
        return processed.quality(w, self.processed_dir)

    def _unrounded(self, w: int) -> pd.DataFrame:
        return self._read(
            _names(None, w),
            self.keys[w],
            lambda: compute_wave(processed.load(w, self.processed_dir), w, self.cb),
        )

    def wave(self, w: int) -> pd.DataFrame:
        """The wave's estimates, rounded as published."""
        return published(self._unrounded(w))

    def europe(self, w: int) -> pd.DataFrame:
        """The wave's estimates in each EU27 member state and the EU27 (``country``), unrounded."""
        return self._read(f"europe-{w}", self.keys[w], lambda: self._computed_europe(w)[0])

    def versus_eu27(self, w: int) -> pd.DataFrame:
        """Belgium (and its regions) against the EU27 in the wave, unrounded."""
        return self._read(f"europe-be-{w}", self.keys[w], lambda: self._computed_europe(w)[1])

    def _computed_europe(self, w: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Both European tables of a wave, computed in memory once (a notebook run by hand)."""
        if ("europe", w) not in self._cache:
            self._cache[("europe", w)] = compute_europe(
                processed.load_countries(w, self.processed_dir), w, self.cb
            )
        return self._cache[("europe", w)]

    def changes(self, before: int, after: int) -> pd.DataFrame:
        return self._read(
            _names(before, after),
            _change_key(self.keys[before], self.keys[after]),
            lambda: compute_changes(self._unrounded(before), self._unrounded(after), self.cb),
        )


def select(table: pd.DataFrame, indicators) -> pd.DataFrame:
    """The rows of ``indicators``, in their order (then the table's), with a fresh index."""
    order = {ind: i for i, ind in enumerate(dict.fromkeys(indicators))}
    rows = table[table["indicator"].isin(order)]
    return rows.iloc[rows["indicator"].map(order).argsort(kind="stable")].reset_index(drop=True)
