"""The notebook runner: what re-runs after which change, failures, and finalised notebooks."""

from __future__ import annotations

import os
import threading
import time

import nbformat
import pytest

from helpers import pipeline
from helpers.core import config
from helpers.core.errors import PipelineError
from helpers.grid import runner

QUIET = {"log": lambda *_: None, "progress": False, "ingest_first": False}


def small_notebook(path, theme, body='r.key_figure("fig-t-key")', options=""):
    """A theme notebook reduced to one figure: same parameters and calls as the real ones."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(
        'wave = 2024\nlang = "nl"\nprocessed_dir = None\ntables_dir = None\nestimates_dir = None'
    )
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell(
            "from helpers.notebook import report\n"
            f"r = report.context({theme!r}, wave, lang, processed_dir=processed_dir, "
            "tables_dir=tables_dir, estimates_dir=estimates_dir)"
        ),
        nbformat.v4.new_code_cell(f"{options}{body}"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))


@pytest.fixture
def project(tmp_path):
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    for theme in ("burnout", "mental_health"):
        small_notebook(nbs / f"{theme}.ipynb", theme)
    return {"notebooks_dir": nbs, "build_dir": tmp_path / "build", "processed_dir": config.PROCESSED_DIR}


def run(project, **kw):
    args = {
        "waves": [2015, 2024],
        "langs": ["nl"],
        "themes": ["burnout", "mental_health"],
        **project,
        **QUIET,
    }
    args.update(kw)
    return pipeline.run(**args)


def names(jobs):
    return sorted((j.theme, j.wave, j.lang) for j in jobs)


def test_cache_reruns_only_what_changed(project, tmp_path):
    first = run(project, jobs=2)
    assert len(first.executed) == 4 and not first.skipped
    t0 = time.perf_counter()
    second = run(project)
    assert second.executed == [] and len(second.skipped) == 4
    assert time.perf_counter() - t0 < 2
    # touching one notebook re-runs that theme's jobs only
    nb = project["notebooks_dir"] / "burnout.ipynb"
    os.utime(nb, ns=(time.time_ns(), time.time_ns()))
    third = run(project)
    assert names(third.executed) == [("burnout", 2015, "nl"), ("burnout", 2024, "nl")]
    # new processed data re-runs everything (trends read every wave)
    data = tmp_path / "processed"
    data.mkdir()
    for p in config.PROCESSED_DIR.iterdir():
        (data / p.name).write_bytes(p.read_bytes())
    (data / "2015.json").write_text((data / "2015.json").read_text().replace('"version": 1', '"version": 1 '))
    fourth = run({**project, "processed_dir": data})
    assert len(fourth.executed) == 4


def test_failing_notebook_stops_with_one_message_and_keeps_outputs(project):
    run(project, themes=["burnout"], waves=[2024])
    executed = project["build_dir"] / "executed" / "2024" / "nl" / "burnout.ipynb"
    table = project["build_dir"] / "tables" / "2024" / "nl" / "burnout" / "fig-t-key-2024.csv"
    before = executed.read_bytes(), table.read_bytes()
    small_notebook(
        project["notebooks_dir"] / "burnout.ipynb", "burnout", body='r.key_figure("fig-t-key")\n1 / 0'
    )
    with pytest.raises(PipelineError) as err:
        run(project, themes=["burnout"], waves=[2024])
    msg = str(err.value)
    for words in (
        "burnout.ipynb",
        "wave 2024",
        "language nl",
        "cell 2",
        "ZeroDivisionError",
        "previous outputs are kept",
    ):
        assert words in msg
    assert "\n" not in msg
    assert (executed.read_bytes(), table.read_bytes()) == before
    assert not list(project["build_dir"].glob(".staging-*"))


@pytest.mark.parametrize("failing", [1, 2])
def test_failing_cell_is_numbered_as_in_the_source_notebook(project, failing):
    """Cell numbers count from 0 in the notebook the researcher edits, whichever cell fails."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(
        'wave = 2024\nlang = "nl"\nprocessed_dir = None\ntables_dir = None\nestimates_dir = None'
    )
    params.metadata["tags"] = ["parameters"]
    cells = [params, nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("y = 2")]
    cells[failing] = nbformat.v4.new_code_cell("undefined_name_here")
    nb.cells = cells
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(project["notebooks_dir"] / "burnout.ipynb"))
    with pytest.raises(PipelineError) as err:
        run(project, themes=["burnout"], waves=[2024])
    assert f"in cell {failing} (`undefined_name_here`)" in str(err.value)


def test_figure_cell_must_output_the_figure_only(project):
    small_notebook(
        project["notebooks_dir"] / "burnout.ipynb",
        "burnout",
        body='r.key_figure("fig-t-key")\nprint("debug")',
    )
    with pytest.raises(
        PipelineError, match=r"fig-t-key\) must output its figure or table and nothing else.*stream"
    ):
        run(project, themes=["burnout"], waves=[2024])


def test_a_label_is_written_once(project):
    """The call names the figure; a cell that writes its label (or caption) as an option as well
    says it twice, and the two could disagree: it stops and says so."""
    small_notebook(project["notebooks_dir"] / "burnout.ipynb", "burnout", options="#| label: fig-other\n")
    with pytest.raises(PipelineError, match=r"fig-t-key\) sets label itself"):
        run(project, themes=["burnout"], waves=[2024])


def test_two_cells_drawing_one_figure(project):
    small_notebook(project["notebooks_dir"] / "burnout.ipynb", "burnout", body='r.key_figure("fig-t-key")')
    nb = nbformat.read(project["notebooks_dir"] / "burnout.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell('r.key_figure("fig-t-key")'))
    nbformat.write(nb, str(project["notebooks_dir"] / "burnout.ipynb"))
    with pytest.raises(PipelineError, match=r"cells 2 and 3 both draw fig-t-key"):
        run(project, themes=["burnout"], waves=[2024])


def test_unknown_theme_language_or_wave():
    with pytest.raises(PipelineError, match="unknown theme 'stress'"):
        runner.grid(themes=["stress"])
    with pytest.raises(PipelineError, match="unknown language 'de'"):
        runner.grid(langs=["de"])
    with pytest.raises(PipelineError, match="unknown wave"):
        runner.grid(waves=[2005])


def test_estimates_are_computed_once_for_all_the_notebooks(project):
    lines = []
    run(project, jobs=2, log=lines.append)
    assert any(line.startswith("estimates: computed 4 wave(s) and 6 pair(s)") for line in lines)
    est_dir = project["build_dir"] / "estimates"
    nb = nbformat.read(project["build_dir"] / "executed" / "2024" / "nl" / "burnout.ipynb", as_version=4)
    assert nb.metadata["papermill"]["parameters"]["estimates_dir"] == str(est_dir)
    again = []
    result = run(project, force=True, log=again.append)
    assert len(result.executed) == 4
    assert not [line for line in again if line.startswith("estimates:")]  # nothing estimated twice


def test_one_kernel_per_worker_forgets_each_notebook(project):
    """The notebooks of one worker share its kernel: nothing of one is left for the next, and each
    numbers its cells from 1, as in a kernel of its own."""
    small_notebook(
        project["notebooks_dir"] / "burnout.ipynb", "burnout", body='left_over = 1\nr.key_figure("fig-t-key")'
    )
    small_notebook(
        project["notebooks_dir"] / "mental_health.ipynb",
        "mental_health",
        body='assert "left_over" not in globals(), "a variable of the last '
        'notebook"\nr.key_figure("fig-t-key")',
    )
    result = run(project, jobs=1)
    assert len(result.executed) == 4
    for job in result.executed:
        nb = nbformat.read(
            project["build_dir"] / "executed" / str(job.wave) / job.lang / f"{job.theme}.ipynb", as_version=4
        )
        counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
        assert counts == list(range(1, len(counts) + 1)), (job, counts)
        # and the kernel printed nothing of its own (a history database refusing a repeated count did)
        assert [o.output_type for c in nb.cells for o in c.get("outputs", [])] == ["display_data"], job


@pytest.mark.parametrize("progress", [False, True])
def test_a_run_leaves_no_thread_behind(project, progress):
    """A process that runs a thread never forks (helpers.core.processes): a thread left by the run
    (tqdm's monitor, started by any bar, even a disabled one) wrote the book's languages one after
    the other in `prepare`, instead of side by side."""
    before = set(threading.enumerate())
    run(project, jobs=2, force=True, progress=progress)
    assert set(threading.enumerate()) <= before
