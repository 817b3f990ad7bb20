"""An executed notebook made publishable: options from the figure's output, the book's labels."""

from __future__ import annotations

import nbformat
import pytest

from helpers.core import config
from helpers.core.errors import PipelineError
from helpers.grid import finalise


def executed(source: str, label: str = "fig-a", *, outputs: int = 1):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(source)
    meta = {"helpers": {"label": label, "cap": 'Cap "q"', "alt": "Alt é"}}
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBOR"}, metadata=meta)]
    cell.outputs += [nbformat.v4.new_output("stream", name="stdout", text="x")] * (outputs - 1)
    cell.metadata["execution"] = {"iopub.status.busy": "2026-11-22T10:00:00"}
    nb.cells = [cell]
    nb.metadata["papermill"] = {
        "start_time": "2026",
        "end_time": "2026",
        "duration": 1.0,
        "parameters": {"wave": 2015},
    }
    return nb


def test_finalise_writes_the_options_from_the_output_and_strips_timestamps():
    nb = executed('#| echo: false\nr.x("fig-a")')
    assert finalise.finalise(nb, 2015) == ["fig-a"]
    lines = nb.cells[0].source.splitlines()
    assert lines == [
        "#| label: fig-a-2015",
        '#| fig-cap: "Cap \\"q\\""',
        '#| fig-alt: "Alt é"',
        "#| echo: false",
        'r.x("fig-a")',
    ]
    assert "execution" not in nb.cells[0].metadata and "helpers" not in nb.cells[0].outputs[0].metadata
    assert set(nb.metadata["papermill"]) == {"parameters"}


def test_the_editions_wave_is_labelled_without_its_wave():
    """Chapters cite the edition's figures as @fig-a, whatever the edition: the next one needs no edit."""
    edition = config.edition_wave()
    nb = executed('r.x("fig-a")')
    finalise.finalise(nb, edition)
    assert nb.cells[0].source.splitlines()[0] == "#| label: fig-a"
    earlier = executed('r.x("fig-a")')
    finalise.finalise(earlier, edition - 3)
    assert earlier.cells[0].source.splitlines()[0] == f"#| label: fig-a-{edition - 3}"


@pytest.mark.parametrize(
    "source, message",
    [
        ('#| label: fig-a\nr.x("fig-a")', r"sets label itself"),
        ('#| fig-cap: "x"\nr.x("fig-a")', r"sets fig-cap itself"),
    ],
)
def test_a_label_or_caption_written_in_the_cell_is_refused(source, message):
    with pytest.raises(PipelineError, match=message):
        finalise.finalise(executed(source), 2015)


def test_a_figure_cell_outputs_its_figure_only():
    with pytest.raises(PipelineError, match=r"must output its figure or table and nothing else.*stream"):
        finalise.finalise(executed('r.x("fig-a")', outputs=2), 2015)


def test_a_label_must_be_one_the_book_can_cite():
    with pytest.raises(PipelineError, match="labelled 'Fig A'"):
        finalise.finalise(executed('r.x("Fig A")', label="Fig A"), 2015)
