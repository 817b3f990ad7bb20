"""Shared fixtures: synthetic raw files and processed data in temporary folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyreadstat
import pytest

from helpers import codebook, ingest, synth


@pytest.fixture(scope="session")
def cb():
    return codebook.load()


@pytest.fixture(scope="session")
def raw_dir(tmp_path_factory) -> Path:
    """The four synthetic waves at scale 1 (written once per test session)."""
    d = tmp_path_factory.mktemp("raw")
    synth.synth(out_dir=d, log=lambda *_: None)
    return d


@pytest.fixture(scope="session")
def processed_dir(raw_dir, tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("processed")
    ingest.ingest(raw_dir=raw_dir, out_dir=d, log=lambda *_: None)
    return d


@pytest.fixture
def raw_copy(raw_dir, tmp_path) -> Path:
    """A private copy of the raw folder that a test may damage."""
    d = tmp_path / "raw"
    shutil.copytree(raw_dir, d)
    return d


def rewrite_sav(path: Path, modify=None, meta_modify=None) -> None:
    """Rewrite a .sav in place after ``modify(df)`` (and ``meta_modify(value_labels)``), keeping labels."""
    df, meta = pyreadstat.read_sav(str(path), user_missing=True)
    if modify is not None:
        df = modify(df)
    labels = {k: dict(v) for k, v in meta.variable_value_labels.items() if k in df.columns}
    if meta_modify is not None:
        labels = meta_modify(labels)
    pyreadstat.write_sav(df, str(path), file_label=meta.file_label, variable_value_labels=labels,
                         column_labels={k: v for k, v in meta.column_names_to_labels.items()
                                        if k in df.columns and v})
