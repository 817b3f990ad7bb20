"""Real files as an analyst receives them (issue 27, items 1-3): the licensed file under another
case or compressed is read, survey data in a format ingest does not read stops the command (it
never turns into a synthetic report), SPSS names match whatever their case, and a respondent
counted twice stops ingest."""

from __future__ import annotations

import pandas as pd
import pyreadstat
import pytest

from conftest import rewrite_sav
from helpers.core.errors import PipelineError
from helpers.ingest import processed, synth
from helpers.ingest import writer as ingest

SAV = "ewcs_2015_synthetic.sav"
REAL = "EWCS6_2015_UKDA_1904"  # the UK Data Service's name, as Windows tools leave it


def only_2015(raw_copy, name: str):
    """``raw_copy`` with the 2015 file alone, renamed ``name``; the other waves removed."""
    for p in raw_copy.iterdir():
        if p.name != SAV:
            p.unlink()
    (raw_copy / SAV).rename(raw_copy / name)
    return raw_copy / name


@pytest.fixture(scope="module")
def reference(raw_dir, tmp_path_factory):
    """The 2015 synthetic file's processed data, as ingested under its own name."""
    out = tmp_path_factory.mktemp("reference")
    ingest.ingest([2015], raw_dir=raw_dir, out_dir=out, log=lambda *_: None)
    return processed.load(2015, out)


def test_an_upper_case_name_is_read_and_no_synthetic_default_is_written(raw_copy, tmp_path, reference):
    only_2015(raw_copy, REAL + ".SAV")
    before = sorted(p.name for p in raw_copy.iterdir())
    assert synth.default_if_empty(raw_copy, log=lambda *_: None) is False
    assert sorted(p.name for p in raw_copy.iterdir()) == before  # nothing synthetic beside it
    done = ingest.ingest(raw_dir=raw_copy, out_dir=tmp_path / "out", log=lambda *_: None)
    assert list(done) == [2015] and done[2015]["source"] == REAL + ".SAV"
    pd.testing.assert_frame_equal(processed.load(2015, tmp_path / "out"), reference)


def test_a_compressed_zsav_is_read_alike(raw_copy, tmp_path, reference):
    df, meta = pyreadstat.read_sav(str(raw_copy / SAV), user_missing=True)
    only_2015(raw_copy, "unused.tmp").unlink()
    pyreadstat.write_sav(
        df,
        str(raw_copy / (REAL.lower() + ".zsav")),
        compress=True,
        file_label=meta.file_label,
        variable_value_labels=meta.variable_value_labels,
        column_labels={k: v for k, v in meta.column_names_to_labels.items() if v},
    )
    done = ingest.ingest(raw_dir=raw_copy, out_dir=tmp_path / "out", log=lambda *_: None)
    assert list(done) == [2015]
    pd.testing.assert_frame_equal(processed.load(2015, tmp_path / "out"), reference)


@pytest.mark.parametrize(
    "name,words",
    [
        (REAL + ".dta", "a Stata file"),
        ("ewcs6_2015_ukda_1904.por", "an SPSS portable file"),
        ("EWCS6_2015_belgium.csv", "a CSV file"),
        ("belgian_extract.sav", "matches no wave's file name"),
    ],
)
def test_survey_data_that_is_not_read_stops_before_any_synthetic_default(raw_copy, tmp_path, name, words):
    """The real 2015 data only as Stata, portable, CSV, or an SPSS file under an unknown name: the
    command stops naming it; the folder is left as it was, without a synthetic file beside it."""
    for p in raw_copy.iterdir():
        p.unlink()
    (raw_copy / name).write_bytes(b"real data the pipeline cannot read")
    for attempt in (
        lambda: synth.default_if_empty(raw_copy, log=lambda *_: None),
        lambda: ingest.ingest(raw_dir=raw_copy, out_dir=tmp_path / "out", log=lambda *_: None),
    ):
        with pytest.raises(PipelineError) as err:
            attempt()
        assert name in str(err.value) and words in str(err.value)
        assert str(err.value).count("\n") == 0
    assert [p.name for p in raw_copy.iterdir()] == [name]


def test_a_csv_not_named_like_a_wave_is_left_alone(raw_copy, tmp_path):
    (raw_copy / "notes.csv").write_text("a,b\n1,2\n")
    done = ingest.ingest(raw_dir=raw_copy, out_dir=tmp_path / "out", log=lambda *_: None)
    assert sorted(done) == [2010, 2015, 2021, 2024]


def test_variable_names_match_whatever_their_case(raw_copy, tmp_path, reference):
    """COUNTRY, q87a and W4 for the codebook's Country, Q87a and w4: read, with a notice each."""
    renames = {"Country": "COUNTRY", "Q87a": "q87a", "w4": "W4"}
    df, meta = pyreadstat.read_sav(str(raw_copy / SAV), user_missing=True)
    pyreadstat.write_sav(
        df.rename(columns=renames),
        str(raw_copy / SAV),
        file_label=meta.file_label,
        variable_value_labels={renames.get(k, k): v for k, v in meta.variable_value_labels.items()},
        column_labels={renames.get(k, k): v for k, v in meta.column_names_to_labels.items() if v},
    )
    log: list[str] = []
    ingest.ingest([2015], raw_dir=raw_copy, out_dir=tmp_path / "out", log=log.append)
    pd.testing.assert_frame_equal(processed.load(2015, tmp_path / "out"), reference)
    for var, spelt in renames.items():
        assert any(f"spells {var} as {spelt}" in line for line in log), (var, log)


def test_a_name_held_twice_in_different_cases_is_an_error(raw_copy, tmp_path):
    rewrite_sav(raw_copy / SAV, lambda df: df.assign(W4=df["w4"] * 2))
    with pytest.raises(PipelineError) as err:
        ingest.ingest([2015], raw_dir=raw_copy, out_dir=tmp_path / "out", log=lambda *_: None)
    msg = str(err.value)
    assert "variable w4" in msg and "more than once" in msg and "W4" in msg and "wave 2015" in msg


def test_duplicated_respondents_stop_ingest_naming_their_ids(raw_copy, tmp_path):
    """200 Belgian rows appended a second time: ingest stops and names the ids (n used to rise from
    2,587 to 2,787 without a word)."""

    _, meta = pyreadstat.read_sav(str(raw_copy / SAV), metadataonly=True)
    belgium = next(k for k, v in meta.variable_value_labels["Country"].items() if v == "Belgium")

    def twice(df):
        return pd.concat([df, df[df["Country"] == belgium].head(200)], ignore_index=True)

    rewrite_sav(raw_copy / SAV, twice)
    with pytest.raises(PipelineError) as err:
        ingest.ingest([2015], raw_dir=raw_copy, out_dir=tmp_path / "out", log=lambda *_: None)
    msg = str(err.value)
    assert "wave 2015" in msg and "variable id" in msg and "share" in msg and "e.g." in msg
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").glob("*.parquet"))
