"""A notebook without its `parameters` cell stops the run before any output is touched (issue 27,
item 5): papermill would inject the wave on top, the notebook's own defaults would win, and the
2015 notebook would publish 2024 figures under 2015 labels."""

from __future__ import annotations

import shutil

import nbformat
import pytest

from helpers.core import config
from helpers.core.errors import PipelineError
from helpers.grid import runner


@pytest.fixture
def notebooks(tmp_path):
    d = tmp_path / "notebooks"
    shutil.copytree(config.NOTEBOOKS_DIR, d)
    return d


def untag(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        cell.metadata["tags"] = [t for t in cell.metadata.get("tags", []) if t != "parameters"]
    nbformat.write(nb, path)


def test_every_notebook_of_the_project_has_one_parameters_cell():
    for nb in sorted(config.NOTEBOOKS_DIR.glob("*.ipynb")):
        runner._check_parameters_cell(nb)


def test_a_notebook_without_its_parameters_cell_stops_the_run_before_any_output(
    notebooks, tmp_path, processed_dir
):
    untag(notebooks / "burnout.ipynb")
    build = tmp_path / "build"
    earlier = build / "tables" / "2015" / "nl" / "burnout" / "fig-burnout-key-2015.csv"
    earlier.parent.mkdir(parents=True)
    earlier.write_text("an earlier table\n")
    with pytest.raises(PipelineError) as err:
        runner.run(
            [2015], ["nl"], ["burnout"], notebooks_dir=notebooks, build_dir=build,
            processed_dir=processed_dir, progress=False, log=lambda *_: None,
        )  # fmt: skip
    msg = str(err.value)
    assert "burnout.ipynb" in msg and "0 cells tagged `parameters`" in msg and msg.count("\n") == 0
    assert earlier.read_text() == "an earlier table\n"
    assert not (build / "executed").exists()


def test_a_damaged_notebook_is_named(notebooks):
    (notebooks / "burnout.ipynb").write_text('{"cells": [', encoding="utf-8")
    with pytest.raises(PipelineError) as err:
        runner._check_parameters_cell(notebooks / "burnout.ipynb")
    assert "burnout.ipynb" in str(err.value) and "not a readable notebook" in str(err.value)


@pytest.mark.parametrize(
    "text",
    ['{"cells": {}, "nbformat": 4}', '{"worksheets": [], "nbformat": 3}', "[]", b"\xff\xfe{"],
    ids=["cells-not-a-list", "version-3", "not-an-object", "not-utf8"],
)
def test_a_notebook_in_another_shape_is_named(notebooks, text):
    path = notebooks / "burnout.ipynb"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(PipelineError) as err:
        runner._check_parameters_cell(path)
    msg = str(err.value)
    assert "burnout.ipynb" in msg and "not a readable notebook" in msg and msg.count("\n") == 0
