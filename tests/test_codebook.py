"""The codebook checks itself: a mistake in the YAML stops with a message naming the file."""

from __future__ import annotations

import shutil

import pytest

from helpers.codebook import Codebook
from helpers.config import CODEBOOK_DIR
from helpers.errors import PipelineError


@pytest.fixture
def book(tmp_path):
    d = tmp_path / "codebook"
    shutil.copytree(CODEBOOK_DIR, d)
    return d


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_shipped_codebook_is_consistent(cb):
    assert cb.themes == ["psychosocial_risks", "mental_health", "covid_impact", "burnout"]
    for theme in cb.themes:
        assert cb.theme_indicators(theme)
    for name, ind in cb.indicators.items():
        assert ind["label"]["nl"] != ind["label"]["fr"], name


def test_every_wave_has_every_breakdown(cb):
    for b in cb.breakdowns.values():
        assert sorted(b["waves"]) == cb.wave_names()


@pytest.mark.parametrize("file,old,new,words", [
    ("indicators.yaml", "{var: Q49a, scale: timeshare7,", "{var: Q49a, scale: timeshare9,", ["unknown scale 'timeshare9'", "Q49a"]),
    ("indicators.yaml", "{var: Q49a, scale: timeshare7, positive: [1, 2, 3]", "{var: Q49a, scale: timeshare7, positive: [1, 2, 13]", ["codes [13]"]),
    ("indicators.yaml", "{var: q77a, scale: agree5_reversed,", "{var: q77a, scale: yes_no,", ["codes [4, 5]"]),
    ("breakdowns.yaml", "map: {1: men, 2: women}, evidence: V}\n      2021", "map: {1: men, 2: woman}, evidence: V}\n      2021", ["unknown categories ['woman']"]),
    ("scales.yaml", "    missing_width: 2\n  nace_broad_2021", "    missing_width: 1\n  nace_broad_2021", ["scale nace_sections", "also valid codes"]),
    ("indicators.yaml", "    theme: burnout\n    type: share", "    theme: burn-out\n    type: share", ["unknown theme 'burn-out'"]),
])
def test_mistakes_are_caught(book, file, old, new, words):
    edit(book / file, old, new)
    with pytest.raises(PipelineError) as err:
        Codebook(book)
    assert str(book / file) in str(err.value) or file in str(err.value)
    for w in words:
        assert w in str(err.value)


def test_yaml_syntax_error_names_the_file(book):
    (book / "waves.yaml").write_text("waves: [unclosed\n", encoding="utf-8")
    with pytest.raises(PipelineError, match="waves.yaml: not valid YAML"):
        Codebook(book)
