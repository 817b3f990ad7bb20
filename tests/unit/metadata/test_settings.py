"""data/settings.yaml checked when loaded (issue 27, item 5): each wrong key stops in one line
naming it, before anything reads it; SOURCE_DATE_EPOCH likewise, at the start of every command."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import time

import pytest

from helpers.core import config
from helpers.core.errors import PipelineError
from helpers.metadata import codebook
from helpers.metadata import settings as settings_mod


def check(s: dict) -> None:
    cb = codebook.load()
    settings_mod.check(
        s, waves=cb.wave_names(), indicators=list(cb.indicators), breakdowns=cb.breakdown_order
    )


def test_the_projects_settings_pass():
    check(config.settings())


def edited(key: str, value) -> dict:
    s = copy.deepcopy(config.settings())
    node = s
    *path, last = key.split(".")
    for part in path:
        node = node[part]
    node[last] = value
    return s


@pytest.mark.parametrize(
    "key,value,words",
    [
        ("report.wave", 2026, "the edition's survey wave: one of 2010, 2015, 2021, 2024"),
        ("report.change.indicators", ["stress", "exhaustoin"], "'exhaustoin'"),
        ("report.change.hardest_hit", 0, "a positive whole number"),
        ("report.change.during_wave", 2010, "a survey wave between report.change.base_wave"),
        ("report.key_indicators", ["stres"], "'stres'"),
        ("report.prose_breakdowns", ["secteur"], "'secteur'"),
        ("report.change.base_wave", 2024, "a survey wave before report.wave"),
        ("report.date", "30/11/2026", "a date such as"),
        ("languages", ["nl", "de"], "data/i18n/de.yaml"),
        ("confidence_level", 95, "between 0 and 1"),
        ("disclosure.min_n", "30", "a whole number"),
        ("disclosure.low_reliability_n", 20, "at least min_n"),
        ("variance.design_factor", {2026: 1.2}, "survey waves"),
        ("variance.design_factor", {2021: 0}, "a positive number"),
        ("multiple_comparisons", "bonferroni", "benjamini-hochberg"),
        ("publish.decimals", 2.5, "a whole number of decimals"),
        ("publication.edition", "2026-12", "the edition's year"),
        ("report.exposure_diseases", {"indicator": "noise"}, "a list of {breakdown, group, indicator"),
        ("report.exposure_diseases", [{"indicator": "smoke_dust", "year": 2022}], "the keys breakdown"),
        (
            "report.exposure_diseases",
            [
                {
                    "indicator": "noise",  # the 2021 variable's name, not the indicator's
                    "source": "occupational_diseases_fedris",
                    "measure": "od_compensation_requests",
                    "breakdown": "total",
                    "group": "total",
                    "year": 2019,
                }
            ],
            "an indicator of data/codebook/indicators.yaml",
        ),
    ],
)
def test_a_wrong_key_stops_in_one_line_naming_it(key, value, words):
    with pytest.raises(PipelineError) as err:
        check(edited(key, value))
    msg = str(err.value)
    assert msg.count("\n") == 0 and "settings.yaml" in msg and words in msg, msg
    assert key.split(".")[0] in msg


def test_a_missing_key_is_named():
    s = copy.deepcopy(config.settings())
    del s["report"]["change"]["base_wave"]
    with pytest.raises(PipelineError, match="report.change.base_wave is missing"):
        check(s)


def test_loading_the_codebook_checks_the_settings(monkeypatch):
    bad = edited("report.wave", 2026)
    monkeypatch.setattr(config, "settings", lambda: bad)
    codebook.load.cache_clear()
    try:
        with pytest.raises(PipelineError, match="report.wave: 2026"):
            codebook.load()
    finally:
        monkeypatch.undo()
        codebook.load.cache_clear()


def test_a_bad_source_date_epoch_stops_every_command_at_once(tmp_path):
    """An ISO date instead of seconds: one line naming the variable, at once (it used to end in
    "the kernel did not start" after six minutes)."""
    env = dict(os.environ, SOURCE_DATE_EPOCH="2026-11-30", EWCS_BUILD_DIR=str(tmp_path / "build"))
    start = time.monotonic()
    r = subprocess.run(
        [sys.executable, "-m", "helpers", "run", "--waves", "2015"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert time.monotonic() - start < 60
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "SOURCE_DATE_EPOCH='2026-11-30'" in r.stderr
    assert not (tmp_path / "build").exists()
