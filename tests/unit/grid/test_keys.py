"""Cache keys come from the package's layout: a new module is covered the moment it exists."""

from __future__ import annotations

import shutil

import pytest

from helpers.core import config, stages
from helpers.grid import keys
from helpers.grid.jobs import Paths


@pytest.fixture
def package_copy(tmp_path, monkeypatch):
    copy = tmp_path / "src" / "helpers"
    shutil.copytree(config.ROOT / "src" / "helpers", copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(stages, "PACKAGE", copy)
    stages._rule.cache_clear()
    yield copy
    stages._rule.cache_clear()


def paths(tmp_path):
    return Paths(notebooks=config.NOTEBOOKS_DIR, build=tmp_path / "build", processed=config.PROCESSED_DIR)


def test_a_new_module_of_a_stage_the_notebooks_import_changes_the_notebooks_key(package_copy, tmp_path):
    before = keys.shared_fingerprint(paths(tmp_path))
    (package_copy / "estimate" / "new_estimator.py").write_text("X = 1\n", encoding="utf-8")
    assert keys.shared_fingerprint(paths(tmp_path)) != before


def test_a_new_module_of_the_books_side_leaves_the_notebooks_alone(package_copy, tmp_path):
    before = keys.shared_fingerprint(paths(tmp_path))
    (package_copy / "publish" / "new_check.py").write_text("X = 1\n", encoding="utf-8")
    (package_copy / "book" / "new_table.py").write_text("X = 1\n", encoding="utf-8")
    assert keys.shared_fingerprint(paths(tmp_path)) == before


def test_the_books_inputs_and_the_ingest_hash_their_own_stages(package_copy):
    # the book uses the estimate stage's rules (helpers.estimate.findings), and so hashes its code
    # and what that may import
    assert set(stages.closure("book")) == {"book", "core", "metadata", "estimate", "ingest"}
    files = stages.code_files("book")
    (package_copy / "book" / "new_table.py").write_text("X = 1\n", encoding="utf-8")
    assert set(stages.code_files("book")) - set(files) == {package_copy / "book" / "new_table.py"}
    assert package_copy / "book" / "new_table.py" not in stages.code_files("ingest")
