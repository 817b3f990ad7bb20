"""Ingest: the four waves in, every bad input stopped with one message, nothing half-written."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pandas as pd
import pytest

from conftest import rewrite_sav
from helpers.core.errors import PipelineError
from helpers.ingest import processed
from helpers.ingest import writer as ingest

QUIET = {"log": lambda *_: None}


def digest(folder):
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()
    }


def test_four_waves_processed(processed_dir, cb):
    for wave in cb.wave_names():
        df = pd.read_parquet(processed_dir / f"{wave}.parquet")
        assert len(df) == cb.waves[wave]["belgian_n"]
        assert df["weight"].mean() == pytest.approx(1.0)
        m = processed.read_manifest(processed_dir, wave)
        assert m["synthetic"] is True and m["rows_belgium"] == len(df)
        q = pd.read_csv(processed_dir / f"{wave}.quality.csv")
        assert set(q["name"]) >= {"sex", "region"} and q["nonresponse_pct"].between(0, 100).all()


def test_every_country_is_processed_and_belgium_is_the_belgian_file(processed_dir, cb):
    """The countries' file holds every country of the wave, national weights of mean 1 in each, the
    cross-national scale as a factor per country and the design nested in the countries; its
    Belgian rows are the Belgian file, value for value (Belgian estimates are the same whichever
    file they are computed from)."""
    for wave in cb.wave_names():
        every = processed.load_countries(wave, processed_dir)
        m = processed.read_manifest(processed_dir, wave)
        assert m["rows_by_country"] == every["country"].value_counts().sort_index().to_dict()
        assert set(cb.eu27()) <= set(every["country"])
        assert every.groupby("country")["weight"].mean().to_numpy() == pytest.approx(1.0)
        assert (every.groupby("country")["country_factor"].nunique() == 1).all()
        be = every[every["country"] == "BE"].reset_index(drop=True)
        belgian = processed.load(wave, processed_dir)
        for column in belgian.columns:
            if column in ("stratum", "psu"):  # nested in the country: "BE:<code>"
                assert (be[column] == "BE:" + belgian[column].astype(str)).all(), (wave, column)
            else:
                pd.testing.assert_series_equal(be[column], belgian[column], check_names=False, obj=column)
        assert every["stratum"].str.split(":").str[0].eq(every["country"]).all()


def test_processed_data_has_no_identifiers(processed_dir, cb):
    df = pd.read_parquet(processed_dir / "2015.parquet")
    assert not {"id", "Country", "Q2b"} & set(df.columns)


def test_raw_files_are_only_read(raw_copy):
    for p in raw_copy.glob("*.sav"):
        p.chmod(0o444)
    before = digest(raw_copy)
    ingest.ingest(raw_dir=raw_copy, out_dir=raw_copy.parent / "out", **QUIET)
    assert digest(raw_copy) == before


def test_belgium_found_by_label_not_code(raw_copy, processed_dir, tmp_path):
    # move Belgium to code 99 in 2015: the same rows must come out
    path = raw_copy / "ewcs_2015_synthetic.sav"
    rewrite_sav(
        path,
        lambda df: df.assign(Country=df["Country"].replace({2.0: 99.0})),
        lambda labels: {
            **labels,
            "Country": {**{k: v for k, v in labels["Country"].items() if k != 2.0}, 99.0: "Belgium"},
        },
    )
    ingest.ingest([2015], raw_dir=raw_copy, out_dir=tmp_path, **QUIET)
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "2015.parquet"), pd.read_parquet(processed_dir / "2015.parquet")
    )


def test_declared_user_missing_gives_the_same_data(tmp_path, processed_dir):
    from helpers.ingest import synth

    raw = tmp_path / "raw"
    synth.synth([2021], out_dir=raw, user_missing=True, log=lambda *_: None)
    ingest.ingest([2021], raw_dir=raw, out_dir=tmp_path / "out", **QUIET)
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "out" / "2021.parquet"), pd.read_parquet(processed_dir / "2021.parquet")
    )


def test_absent_wave_is_skipped_with_a_notice(raw_copy, tmp_path):
    (raw_copy / "ewcs_2010_synthetic.sav").unlink()
    notices = []
    done = ingest.ingest(raw_dir=raw_copy, out_dir=tmp_path, log=notices.append)
    assert sorted(done) == [2015, 2021, 2024]
    assert any(n.startswith("wave 2010: no file") for n in notices)


def _damage(raw_copy, wave, name, modify=None, meta_modify=None):
    rewrite_sav(raw_copy / name, modify, meta_modify)


BAD_INPUTS = [
    # (wave, file, how to damage it, words the message must contain)
    pytest.param(
        2015,
        "ewcs_2015_synthetic.sav",
        lambda df: df.drop(columns=["Q49a"]),
        None,
        ["ewcs_2015_synthetic.sav", "wave 2015", "variable Q49a", "missing from the file"],
        id="missing-variable",
    ),
    pytest.param(
        2024,
        "ewcs_2024_synthetic.sav",
        lambda df: df.drop(columns=["samplingpointid"]),
        None,
        ["wave 2024", "variable samplingpointid", "missing from the file", "remove `design`"],
        id="missing-design-variable",
    ),
    pytest.param(
        2015,
        "ewcs_2015_synthetic.sav",
        lambda df: df.assign(stratum=df["stratum"].where(df.index != 5)),
        None,
        ["wave 2015", "variable stratum", "no usable sample-design code", "whole-number stratum or PSU"],
        id="missing-stratum-code",
    ),
    pytest.param(
        2010,
        "ewcs_2010_synthetic.sav",
        lambda df: df.assign(q45a=df["q45a"].replace({7.0: 12.0})),
        None,
        ["wave 2010", "variable q45a", "12 (", "expected one of the codes 1, 2, 3, 4, 5, 6, 7"],
        id="unknown-code",
    ),
    pytest.param(
        2021,
        "ewcts_2021_synthetic.sav",
        lambda df: df.assign(wlb_worry=df["wlb_worry"].replace({-888.0: -5.0})),
        None,
        ["wave 2021", "variable wlb_worry", "-5 ("],
        id="unknown-negative-code",
    ),
    pytest.param(
        2024,
        "ewcs_2024_synthetic.sav",
        lambda df: df.assign(calweight=df["calweight"].where(df.index != 3, 0.0)),
        None,
        ["wave 2024", "variable calweight", "non-positive weight", "expected a positive weight"],
        id="zero-weight",
    ),
    pytest.param(
        2015,
        "ewcs_2015_synthetic.sav",
        lambda df: df.assign(w4=df["w4"].where(df.index > 10)),
        None,
        ["wave 2015", "variable w4", "11 Belgian rows"],
        id="missing-weight",
    ),
    pytest.param(
        2015,
        "ewcs_2015_synthetic.sav",
        lambda df: df[df["Country"] != 2.0],
        None,
        ["wave 2015", "variable Country", "no Belgian rows"],
        id="no-belgian-rows",
    ),
    pytest.param(
        2015,
        "ewcs_2015_synthetic.sav",
        None,
        lambda labels: {**labels, "Country": {k: v for k, v in labels["Country"].items() if v != "Belgium"}},
        ["wave 2015", "variable Country", "'Belgium'"],
        id="no-belgium-label",
    ),
    pytest.param(
        2015,
        "ewcs_2015_synthetic.sav",
        None,
        lambda labels: {**labels, "Country": {**labels["Country"], 19.0: "Atlantis"}},
        ["wave 2015", "variable Country", "labels ['Atlantis'] name no country", "countries.yaml"],
        id="unknown-country-label",
    ),
    pytest.param(
        2015,
        "ewcs_2015_synthetic.sav",
        lambda df: df.assign(w5_EU28=df["w5_EU28"].where(df["Country"] != 19.0, 0.0)),
        None,
        ["wave 2015", "variable w5_EU28", "MT rows have a missing or non-positive weight"],
        id="other-country-zero-cross-national-weight",
    ),
]


@pytest.mark.parametrize("wave,name,modify,meta_modify,words", BAD_INPUTS)
def test_bad_input_stops_with_one_message(raw_copy, tmp_path, wave, name, modify, meta_modify, words):
    _damage(raw_copy, wave, name, modify, meta_modify)
    with pytest.raises(PipelineError) as err:
        ingest.ingest(raw_dir=raw_copy, out_dir=tmp_path, **QUIET)
    message = str(err.value)
    assert "\n" not in message
    for w in words:
        assert w in message


@pytest.mark.parametrize(
    "content", [b"", b"this is not SPSS\n" * 10, None], ids=["empty", "text", "truncated"]
)
def test_corrupt_or_non_sav_file(raw_copy, tmp_path, content):
    path = raw_copy / "ewcs_2015_synthetic.sav"
    data = path.read_bytes()
    path.write_bytes(content if content is not None else data[: len(data) // 3])
    with pytest.raises(PipelineError) as err:
        ingest.ingest(raw_dir=raw_copy, out_dir=tmp_path, **QUIET)
    assert "ewcs_2015_synthetic.sav" in str(err.value) and "wave 2015" in str(err.value)
    assert "expected an SPSS system file" in str(err.value) or "cannot be read" in str(err.value)


def test_unknown_wave(raw_dir, tmp_path):
    with pytest.raises(PipelineError, match=r"unknown wave '2019'.*2010, 2015, 2021, 2024"):
        ingest.ingest(["2019"], raw_dir=raw_dir, out_dir=tmp_path, **QUIET)


def test_failed_ingest_leaves_previous_processed_files(raw_copy, tmp_path):
    out = tmp_path / "processed"
    ingest.ingest(raw_dir=raw_copy, out_dir=out, **QUIET)
    before = digest(out)
    # 2010 and 2015 change (new seed) but 2024 is broken: nothing may be replaced
    from helpers.ingest import synth

    synth.synth([2010, 2015], out_dir=raw_copy, seed=99, log=lambda *_: None)
    rewrite_sav(raw_copy / "ewcs_2024_synthetic.sav", lambda df: df.drop(columns=["stress"]))
    with pytest.raises(PipelineError, match="variable stress"):
        ingest.ingest(raw_dir=raw_copy, out_dir=out, **QUIET)
    assert digest(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".staging")]


def test_if_needed_skips_unchanged_waves(raw_dir, tmp_path):
    ingest.ingest(raw_dir=raw_dir, out_dir=tmp_path, **QUIET)
    mtimes = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    log = []
    ingest.ingest(raw_dir=raw_dir, out_dir=tmp_path, force=False, log=log.append)
    assert all("up to date" in line for line in log)
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == mtimes


def test_command_line_reports_one_line_and_fails(raw_copy, tmp_path):
    rewrite_sav(raw_copy / "ewcs_2015_synthetic.sav", lambda df: df.drop(columns=["Q87c"]))
    r = subprocess.run(
        [sys.executable, "-m", "helpers", "ingest", "--raw", str(raw_copy), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0
    assert "variable Q87c" in r.stderr and "wave 2015" in r.stderr
