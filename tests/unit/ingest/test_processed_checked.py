"""Processed data is read only as the bytes its manifest describes (issue 27, item 4): a file
deleted, truncated, replaced by another version under the same manifest, or left by an ingest
killed between two files is ingested again by ``ingest``/``run``, and stops every other reader
in one line, never served from a cache."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from helpers.core import layout
from helpers.core.errors import PipelineError
from helpers.estimate import precompute
from helpers.ingest import processed
from helpers.ingest import writer as ingest


@pytest.fixture
def out(raw_dir, tmp_path):
    """A private processed folder, ingested from the session's synthetic files."""
    d = tmp_path / "processed"
    ingest.ingest(raw_dir=raw_dir, out_dir=d, log=lambda *_: None)
    return d


def again(raw_dir, out) -> list[str]:
    log: list[str] = []
    ingest.ingest(raw_dir=raw_dir, out_dir=out, force=False, log=log.append)
    return log


def test_a_deleted_quality_table_is_written_again(raw_dir, out):
    path = layout.processed(out, 2015)["quality"]
    path.unlink()
    with pytest.raises(PipelineError) as err:
        processed.quality(2015, out)
    assert str(path) in str(err.value) and "missing" in str(err.value)
    log = again(raw_dir, out)
    assert path.exists() and any("wave 2015" in line and "ingested again" in line for line in log)
    assert not processed.quality(2015, out).empty


def test_another_version_of_the_data_under_the_same_manifest_is_not_used(raw_dir, out):
    """A restored backup (here: the data of 2015 with rows missing) under the manifest of the data
    ingest wrote: the estimates are not served from it, and ingest writes the right data back."""
    path = layout.processed(out, 2015)["data"]
    right = pd.read_parquet(path)
    right.head(1000).to_parquet(path, index=False)
    with pytest.raises(PipelineError) as err:
        precompute.keys(out, [2015])
    assert "wave 2015" in str(err.value) and "not the file its manifest describes" in str(err.value)
    with pytest.raises(PipelineError):
        processed.load(2015, out)
    assert any("ingested again" in line for line in again(raw_dir, out))
    pd.testing.assert_frame_equal(processed.load(2015, out), right)
    assert precompute.keys(out, [2015])  # checked and current again


def test_a_truncated_parquet_is_one_error_line_then_ingested_again(raw_dir, out):
    path = layout.processed(out, 2024)["data"]
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(PipelineError) as err:
        processed.load(2024, out)
    assert str(err.value).count("\n") == 0 and "ingest" in str(err.value)
    again(raw_dir, out)
    assert path.read_bytes() == data


def test_an_ingest_killed_between_data_and_manifest_is_ingested_again(raw_dir, out, tmp_path):
    """New data published, the manifest not yet: the old manifest does not vouch for the new file."""
    other = tmp_path / "other"
    shutil.copytree(out, other)
    paths = layout.processed(out, 2021)
    df = pd.read_parquet(paths["data"])
    df.assign(weight=df["weight"] * 1.0001).to_parquet(paths["data"], index=False)  # "the new data"
    assert processed.problem(out, 2021) is not None
    again(raw_dir, out)
    assert processed.problem(out, 2021) is None


def test_a_deleted_parquet_is_ingested_again(raw_dir, out):
    path = layout.processed(out, 2010)["data"]
    path.unlink()
    assert 2010 not in processed.available(out, [2010])
    again(raw_dir, out)
    assert path.exists() and processed.problem(out, 2010) is None
