"""The one reader of processed data (``data/processed/``), for the stages after ingest.

A wave's processed files are its respondents (``<wave>.parquet``, Belgium's, never published), every
country's respondents (``<wave>.countries.parquet``, for the European comparison, never published), its item
non-response table (``<wave>.quality.csv``) and its manifest (``<wave>.json``: the raw file and its
SHA-256, whether it is synthetic, the rows read, the ingest code's fingerprint, and the SHA-256 of
the two other files as ingest wrote them). Paths are ``helpers.core.layout.processed``.

Every reader checks the files against their manifest (:func:`problem`): a file deleted, truncated,
restored from another backup or left by an ingest killed half-way is never read as if it were the
one the manifest describes; ingest writes it again (``ingest``/``run``), the other stages stop
with one line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from helpers.core import layout, workdir
from helpers.core.errors import PipelineError

# the files a manifest vouches for, by their key in layout.processed
CHECKED = ("data", "countries", "quality")

# 2: the manifest holds the SHA-256 of the data and quality files; 3: and of every country's respondents
MANIFEST_VERSION = 3


def read_manifest(out_dir: Path | None, wave: int) -> dict | None:
    """The wave's manifest, or None when the wave was not ingested."""
    p = layout.processed(out_dir, wave)["manifest"]
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def available(out_dir: Path | None, waves) -> list[int]:
    """The waves of ``waves`` whose respondents' file is there."""
    return [w for w in waves if layout.processed(out_dir, w)["data"].exists()]


def problem(out_dir: Path | None, wave: int) -> tuple[Path, str] | None:
    """What is wrong with a wave's processed files, or None: a file missing, or not the bytes
    its manifest says ingest wrote (the first such file and what is wrong with it)."""
    paths = layout.processed(out_dir, wave)
    m = read_manifest(out_dir, wave)
    if m is None:
        return paths["manifest"], "has no readable manifest"
    if m.get("version") != MANIFEST_VERSION:
        return paths["manifest"], f"was written by another version of ingest ({m.get('version')})"
    for key in CHECKED:
        path = paths[key]
        if not path.exists():
            return path, "is missing"
        if workdir.sha256(path) != m.get(f"{key}_sha256"):
            return (
                path,
                "is not the file its manifest describes (changed, truncated or restored from elsewhere)",
            )
    return None


def verified(wave: int, out_dir: Path | None = None) -> dict:
    """The wave's manifest, once its files are checked against it; otherwise one error line."""
    found = problem(out_dir, wave)
    if found is not None:
        path, what = found
        raise PipelineError(
            f"processed data {what}; run `python -m helpers ingest` to write it again", file=path, wave=wave
        )
    return read_manifest(out_dir, wave) or {}


def load(wave: int, out_dir: Path | None = None) -> pd.DataFrame:
    """A wave's respondents, harmonised (checked against the manifest)."""
    verified(wave, out_dir)
    path = layout.processed(out_dir, wave)["data"]
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as exc:  # pyarrow's errors derive from these
        raise PipelineError(
            f"processed data cannot be read ({exc}); run `python -m helpers ingest` to write it again",
            file=path,
            wave=wave,
        ) from None


def load_countries(wave: int, out_dir: Path | None = None) -> pd.DataFrame:
    """Every country's respondents of a wave, harmonised (checked against the manifest):
    ``country``, national weights (mean 1 within each country), ``country_factor``, nested design."""
    verified(wave, out_dir)
    path = layout.processed(out_dir, wave)["countries"]
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise PipelineError(
            f"processed data cannot be read ({exc}); run `python -m helpers ingest` to write it again",
            file=path,
            wave=wave,
        ) from None


def quality(wave: int, out_dir: Path | None = None) -> pd.DataFrame:
    """A wave's item non-response table (aggregates only; checked against the manifest)."""
    verified(wave, out_dir)
    return pd.read_csv(layout.processed(out_dir, wave)["quality"])
