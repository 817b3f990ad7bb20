"""Cache keys come from the package's layout: a new module is covered the moment it exists."""

from __future__ import annotations

import ast
import copy
import datetime as dt
import json
import shutil

import pytest

from helpers.core import config, stages
from helpers.estimate import precompute
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


# ---------------------------------------------------------------------- the settings the keys cover
def _settings_with(monkeypatch, edit) -> None:
    values = copy.deepcopy(config.settings())
    edit(values)
    monkeypatch.setattr(config, "settings", lambda: values)


@pytest.mark.parametrize(
    "edit",
    [
        lambda s: s["publication"].update(edition=2028, legal_deposit="D/2028/1205/1"),
        lambda s: s["report"].update(date=dt.date(2028, 12, 1)),
        lambda s: s["accessibility"].update(status="full"),
    ],
    ids=["publication", "report.date", "accessibility"],
)
def test_what_only_the_book_reads_re_executes_nothing(monkeypatch, tmp_path, processed_dir, edit):
    """The next edition's date, or the legal deposit number filled in before release: the notebooks'
    and the estimates' keys stay; the book's inputs, whose key is the whole file, are written again."""
    notebooks, estimates = keys.shared_fingerprint(paths(tmp_path)), precompute.keys(processed_dir, [2024])
    _settings_with(monkeypatch, edit)
    assert keys.shared_fingerprint(paths(tmp_path)) == notebooks
    assert precompute.keys(processed_dir, [2024]) == estimates


@pytest.mark.parametrize(
    "edit",
    [
        lambda s: s["disclosure"].update(min_n=40),
        lambda s: s["report"].update(wave=2021),
        lambda s: s["publish"].update(decimals=1),
    ],
    ids=["disclosure", "report.wave", "publish"],
)
def test_what_the_analysis_reads_changes_both_keys(monkeypatch, tmp_path, processed_dir, edit):
    notebooks, estimates = keys.shared_fingerprint(paths(tmp_path)), precompute.keys(processed_dir, [2024])
    _settings_with(monkeypatch, edit)
    assert keys.shared_fingerprint(paths(tmp_path)) != notebooks
    assert precompute.keys(processed_dir, [2024]) != estimates


def _reads_book_settings(source: str) -> list[str]:
    """What a piece of code reads of ``config.BOOK_SETTINGS`` (by key or through ``build_date``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        key = None
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            key = node.slice.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            if node.func.attr == "get" and isinstance(node.args[0], ast.Constant):
                key = node.args[0].value
        name = getattr(node, "attr", getattr(node, "id", None))
        if key in {"publication", "accessibility", "date"} or name == "build_date":
            found.append(str(key or name))
    return found


def test_the_code_that_makes_notebooks_and_estimates_never_reads_what_only_the_book_reads():
    """The keys above leave ``config.BOOK_SETTINGS`` out: this holds the notebooks and the stages
    that execute and estimate them to it (the shared stages may: ``core`` defines the date, the
    ``metadata`` checks validate the publication's settings, ``ingest``'s synthetic files carry the
    date in their header, which the data's own hash covers)."""
    own = [
        p
        for p in stages.code_files("notebook", "grid", "estimate")
        if p.parent.name in {"notebook", "grid", "estimate"}
    ]
    assert own and {p.parent.name for p in own} == {"notebook", "grid", "estimate"}
    sources = {str(p): p.read_text(encoding="utf-8") for p in own}
    for nb in sorted(config.NOTEBOOKS_DIR.glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
        sources[nb.name] = "\n".join(
            line for text in code for line in text.splitlines() if not line.startswith("%")
        )
    assert len(sources) > len(own)
    assert _reads_book_settings('config.settings()["publication"]["edition"]; config.build_date()') == [
        "publication",
        "build_date",
    ]
    reads = {name: found for name, text in sources.items() if (found := _reads_book_settings(text))}
    assert not reads, f"they read what their cache keys leave out (config.BOOK_SETTINGS): {reads}"
