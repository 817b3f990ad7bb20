"""A full disk names the file that could not be written (issue 27, item 5): the error used to be
"a file of the pipeline: No space left on device". /dev/full stands in for a full disk."""

from __future__ import annotations

import errno
from pathlib import Path

import pandas as pd
import pytest

from helpers import cli
from helpers.core import workdir
from helpers.estimate import precompute

FULL = Path("/dev/full")
pytestmark = pytest.mark.skipif(not FULL.exists(), reason="needs /dev/full to stand in for a full disk")


def test_a_text_file_on_a_full_disk_is_named(tmp_path):
    target = tmp_path / "store.csv"
    (tmp_path / ".store.csv.tmp").symlink_to(FULL)
    with pytest.raises(OSError) as err:
        workdir.write_text(target, "x" * 100_000)
    assert err.value.errno == errno.ENOSPC and err.value.filename == str(target)


def test_estimates_on_a_full_disk_are_named(tmp_path):
    (tmp_path / ".2015.parquet.tmp").symlink_to(FULL)
    with pytest.raises(OSError) as err:
        precompute._write(tmp_path, "2015", "key", pd.DataFrame({"estimate": range(10_000)}))
    assert err.value.filename == str(tmp_path / "2015.parquet")


def test_the_command_line_prints_the_file(tmp_path, monkeypatch, capsys):
    def full(args):
        workdir.write_text(tmp_path / "store.csv", "x" * 100_000)

    (tmp_path / ".store.csv.tmp").symlink_to(FULL)
    monkeypatch.setattr(cli, "cmd_check", full)
    assert cli.main(["check"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"error: {tmp_path / 'store.csv'}: No space left on device"
