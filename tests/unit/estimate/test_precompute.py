"""Each wave's estimates and changes are computed once per build (helpers.precompute) and the
notebooks read them; a notebook run by hand computes what is not current."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.core.errors import PipelineError
from helpers.estimate import precompute
from helpers.notebook import report

WAVES = [2010, 2015, 2021, 2024]


@pytest.fixture
def store(tmp_path, processed_dir, cb):
    out = tmp_path / "estimates"
    lines = []
    computed = precompute.precompute(WAVES, processed_dir, out, cb, log=lines.append)
    return {"dir": out, "computed": computed, "log": lines}


def test_every_wave_and_pair_once_then_nothing(store, processed_dir, cb):
    assert store["computed"] == 4 + 6
    names = sorted(p.name for p in store["dir"].glob("*.parquet"))
    assert names == sorted(
        [f"{w}.parquet" for w in WAVES] + [f"changes-{a}-{b}.parquet" for a in WAVES for b in WAVES if a < b]
    )
    assert "computed 4 wave(s) and 6 pair(s)" in store["log"][0]
    again = []
    assert precompute.precompute(WAVES, processed_dir, store["dir"], cb, log=again.append) == 0
    assert again == []


def test_the_files_hold_what_a_notebook_would_compute(store, processed_dir, cb):
    by_hand = precompute.Estimates(WAVES, processed_dir, store["dir"] / "nowhere", cb, required=False)
    stored = precompute.Estimates(WAVES, processed_dir, store["dir"], cb, required=True)
    pd.testing.assert_frame_equal(stored.wave(2024), by_hand.wave(2024))
    pd.testing.assert_frame_equal(stored.changes(2015, 2024), by_hand.changes(2015, 2024))


def test_a_notebook_reads_the_stored_estimates_instead_of_estimating(store, processed_dir):
    path = store["dir"] / "2024.parquet"
    table = pd.read_parquet(path)
    row = (table.indicator == "exhaustion") & (table.group_var == "total")
    table.loc[row, "estimate"] = 99.9  # a value no estimate gives: only the file can be its source
    table.to_parquet(path, index=False)
    r = report.Report("burnout", 2024, "nl", processed_dir=processed_dir, estimates_dir=store["dir"])
    est = r.estimates(["exhaustion"])
    assert est[est.group_var == "total"].estimate.iloc[0] == 99.9


def test_runner_notebooks_stop_on_missing_or_stale_estimates(store, processed_dir):
    (store["dir"] / "2015.key").write_text("another build's data", encoding="utf-8")
    r = report.Report("burnout", 2024, "nl", processed_dir=processed_dir, estimates_dir=store["dir"])
    r.estimates()  # this wave's file is current
    with pytest.raises(PipelineError, match="2015.parquet are missing or out of date"):
        r.estimates(wave=2015)
    # by hand (no estimates_dir), a stale file is not used: the estimate is computed afresh
    fresh = precompute.Estimates(WAVES, processed_dir, store["dir"], r.cb, required=False).wave(2015)
    assert fresh.estimate.notna().sum() > 300


def test_selection_keeps_the_asked_order(store, processed_dir, cb):
    table = precompute.Estimates(WAVES, processed_dir, store["dir"], cb, required=True).wave(2024)
    picked = precompute.select(table, ["stress", "exhaustion"])
    assert list(dict.fromkeys(picked.indicator)) == ["stress", "exhaustion"]
    assert picked.index.tolist() == list(range(len(picked)))
