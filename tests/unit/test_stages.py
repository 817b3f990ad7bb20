"""The package's folders are its stages, and each imports only what its docstring allows."""

from __future__ import annotations

import shutil

import pytest

from helpers.core import config, stages

PACKAGE = config.ROOT / "src" / "helpers"
STAGES = ["book", "core", "estimate", "grid", "ingest", "metadata", "notebook", "publish"]


def test_src_helpers_holds_the_stages_and_the_command_line_only():
    entries = sorted(p.name for p in PACKAGE.iterdir() if p.name != "__pycache__")
    assert entries == sorted([*STAGES, "__init__.py", "__main__.py", "cli.py", "pipeline.py"])
    assert stages.names() == STAGES


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_says_what_it_is_reads_and_may_import(stage):
    doc = (PACKAGE / stage / "__init__.py").read_text(encoding="utf-8")
    assert doc.startswith(f'"""{stage}: ')
    assert "\nReads: " in doc and "\nMay import: " in doc
    stages.rule(stage)  # parses, naming only stages


def test_every_import_follows_the_rules():
    """Top-level and function-level imports alike: a hidden import inside a function counts."""
    assert stages.violations() == []


def test_no_import_cycles():
    assert stages.cycles() == []


def test_the_rules_are_what_the_design_says():
    assert stages.rule("core") == ()
    assert set(stages.rule("metadata")) == {"core"}
    assert set(stages.rule("notebook")) == {"core", "metadata", "estimate"}
    # the pre-render never loads the notebooks' stage; of the estimate stage it uses the rules only
    assert set(stages.rule("book")) == {"core", "metadata", "estimate"}
    assert "notebook" not in stages.closure("grid")  # the grid runs notebooks, it does not import them


@pytest.fixture
def package_copy(tmp_path):
    copy = tmp_path / "helpers"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_a_forbidden_import_is_found_even_inside_a_function(package_copy):
    (package_copy / "book" / "sneaky.py").write_text(
        "def f():\n    from helpers.notebook import figures\n    return figures\n", encoding="utf-8"
    )
    found = stages.violations(package_copy)
    assert (
        len(found) == 1 and "helpers/book/sneaky.py:2" in found[0] and "helpers.notebook.figures" in found[0]
    )
    assert "book may import only core, estimate, metadata" in found[0]


def test_an_import_of_the_command_line_from_a_stage_is_forbidden(package_copy):
    (package_copy / "core" / "bad.py").write_text("from helpers import pipeline\n", encoding="utf-8")
    assert any("helpers.pipeline" in v for v in stages.violations(package_copy))


def test_a_cycle_is_found(package_copy):
    (package_copy / "book" / "a.py").write_text("from helpers.book import b\n", encoding="utf-8")
    (package_copy / "book" / "b.py").write_text(
        "def f():\n    from helpers.book import a\n", encoding="utf-8"
    )
    found = stages.cycles(package_copy)
    assert any({"helpers.book.a", "helpers.book.b"} <= set(c) for c in found), found
