"""The one reader of processed data (``data/processed/``), for the stages after ingest.

A wave's processed files are its respondents (``<wave>.parquet``, never published), its item
non-response table (``<wave>.quality.csv``) and its manifest (``<wave>.json``: the raw file and its
SHA-256, whether it is synthetic, the rows read, the ingest code's fingerprint). Paths are
``helpers.core.layout.processed``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from helpers.core import layout
from helpers.core.errors import PipelineError

MANIFEST_VERSION = 1


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


def load(wave: int, out_dir: Path | None = None) -> pd.DataFrame:
    """A wave's respondents, harmonised."""
    path = layout.processed(out_dir, wave)["data"]
    if not path.exists():
        raise PipelineError(
            "processed data is missing; run `python -m helpers ingest` first", file=path, wave=wave
        )
    return pd.read_parquet(path)


def quality(wave: int, out_dir: Path | None = None) -> pd.DataFrame:
    """A wave's item non-response table (aggregates only)."""
    return pd.read_csv(layout.processed(out_dir, wave)["quality"])
