"""Shared fixtures: synthetic raw files and processed data in temporary folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyreadstat
import pytest

from helpers import codebook, config


@pytest.fixture(scope="session")
def cb():
    return codebook.load()


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    """The four synthetic waves at scale 1, written once per session by the root conftest.py."""
    return config.RAW_DIR


@pytest.fixture(scope="session")
def processed_dir() -> Path:
    return config.PROCESSED_DIR


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


@pytest.fixture(scope="session")
def published() -> Path:
    """The full grid (4 themes x 4 waves x 2 languages), executed once per session."""
    from helpers import runner

    result = runner.run(log=lambda *_: None, progress=False, ingest_first=False)
    assert len(result.executed) + len(result.skipped) == 32
    return config.BUILD_DIR
