"""The notebook grid: every theme x wave x language executed by papermill, in parallel, cached;
and the notebooks of chapters made of other sources only (``report.source_notebooks``), once per
language for the edition's wave.

A job is skipped when nothing it depends on changed (``helpers.grid.keys``). Each job runs into a
staging folder; only a successful job replaces its executed notebook and tables, so a failure keeps
the previous good outputs. Executed notebooks are finalised (``helpers.grid.finalise``). Each worker
process keeps one kernel for all its notebooks (``helpers.grid.kernel``).
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import shutil
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass
from pathlib import Path

from helpers.core import config, i18n, layout, workdir
from helpers.core.errors import PipelineError
from helpers.grid import finalise, kernel, keys
from helpers.grid.jobs import Job, Paths
from helpers.metadata import codebook


def _execute(job_d: dict, paths_d: dict, staging: str) -> dict:
    """Run one job into ``staging`` (in a worker process). Returns a result dict, never raises."""
    import nbformat
    import papermill as pm

    job, paths = Job(**job_d), Paths(**{k: Path(v) for k, v in paths_d.items()})
    staging = Path(staging)
    params = keys.parameters(job, paths)
    params["tables_dir"] = str(staging / "tables")
    out = staging / "executed.ipynb"
    try:
        # papermill injects its cell of parameters after the cell tagged "parameters" (or on top)
        source = nbformat.read(paths.notebook(job), as_version=4)
        tagged = [i for i, c in enumerate(source.cells) if "parameters" in c.metadata.get("tags", [])]
        injected_at = tagged[0] + 1 if tagged else 0
        kernel.warm_engine()
        # no output path: papermill hands back the executed notebook, which is written once, finalised
        nb = pm.execute_notebook(
            str(paths.notebook(job)),
            None,
            parameters=params,
            kernel_name="python3",
            engine_name="helpers-warm",
            cwd=str(config.ROOT),
            progress_bar=False,
            request_save_on_cell_execute=False,
            log_output=False,
        )
    except pm.PapermillExecutionError as exc:
        # number cells as the source notebook does: the cell index counts the injected cell
        index = exc.cell_index - (1 if injected_at < exc.cell_index else 0)
        _, body = finalise.options(exc.source or "")
        where = next((b for b in body if b.strip()), "")
        return {"ok": False, "cell": index, "source": where, "error": f"{exc.ename}: {exc.evalue}"}
    except Exception as exc:  # kernel died, notebook unreadable, ...
        stage = "while starting its kernel" if kernel.did_not_start(exc) else "while executing"
        return {
            "ok": False,
            "cell": None,
            "stage": stage,
            "source": "",
            "error": f"{type(exc).__name__}: {exc}",
        }
    try:
        figures = finalise.finalise(nb, job.wave)
    except PipelineError as exc:
        return {"ok": False, "cell": None, "source": "", "error": str(exc)}
    # papermill injected the staging path: record the published one instead; and it gave that cell
    # a random id, which would make every build differ from the last: give it a fixed one
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.source = "\n".join(f"{k} = {v!r}" for k, v in keys.parameters(job, paths).items())
            cell.id = "injected-parameters"
    nb.metadata.get("papermill", {})["parameters"] = keys.parameters(job, paths)
    nbformat.write(nb, str(out))
    return {"ok": True, "figures": figures}


def _commit(job: Job, paths: Paths, staging: Path, key: str, figures: list[str]) -> None:
    target_nb, target_tables = paths.executed(job), paths.tables(job)
    target_nb.parent.mkdir(parents=True, exist_ok=True)
    target_tables.parent.mkdir(parents=True, exist_ok=True)
    (staging / "tables").mkdir(exist_ok=True)
    old = staging / "old-tables"
    if target_tables.exists():
        os.replace(target_tables, old)
    os.replace(staging / "tables", target_tables)
    os.replace(staging / "executed.ipynb", target_nb)
    paths.stamp(job).write_text(
        json.dumps({"key": key, "figures": figures}, indent=1) + "\n", encoding="utf-8"
    )


@dataclass
class RunResult:
    executed: list[Job]
    skipped: list[Job]


def grid(waves=None, langs=None, themes=None) -> list[Job]:
    """The jobs: every theme x wave x language, and every source notebook x language for the
    edition's wave (when the run covers that wave)."""
    cb = codebook.load()
    waves = [cb.check_wave(w) for w in (waves or cb.wave_names())]
    langs = [i18n.check_lang(x) for x in (langs or i18n.languages())]
    known = [*cb.themes, *config.source_notebooks()]
    for th in themes or []:
        if th not in known:
            raise PipelineError(f"unknown theme {th!r}", expected="one of " + ", ".join(known))
    edition = config.edition_wave()
    chosen = themes or known
    return [Job(th, w, lang) for th in cb.themes if th in chosen for w in waves for lang in langs] + [
        Job(n, edition, lang)
        for n in config.source_notebooks()
        if n in chosen and edition in waves
        for lang in langs
    ]


def run(
    waves=None,
    langs=None,
    themes=None,
    *,
    jobs: int | None = None,
    force: bool = False,
    notebooks_dir=None,
    build_dir=None,
    processed_dir=None,
    progress: bool = True,
    before_notebooks: Callable[[], Mapping[int, Future] | None] | None = None,
    pool: ProcessPoolExecutor | None = None,
    log=print,
) -> RunResult:
    """Execute the grid on the processed data there is (``helpers.pipeline`` ingests first).

    ``pool``: workers of :func:`workers` kept by the caller from one run to the next (the preview),
    instead of workers started for this run and ended with it.

    ``before_notebooks`` runs once the workers are starting their kernels and before any notebook
    (the pipeline computes the estimates there, while the kernels start). It may return, by wave, a
    future the wave's notebooks wait for (the pipeline: the European estimates of the edition, which
    only its notebooks read, computed while the other waves' notebooks run); a future that fails
    stops the run with its error. Only one command works in a build folder at a time
    (``workdir.exclusive``)."""
    check_jobs(jobs)
    paths = Paths(
        notebooks=Path(notebooks_dir or config.NOTEBOOKS_DIR),
        build=Path(build_dir or config.BUILD_DIR),
        processed=Path(processed_dir or config.PROCESSED_DIR),
    )
    todo_grid = grid(waves, langs, themes)
    with workdir.exclusive(paths.build, log):
        _check_inputs(todo_grid, paths)
        return _run(todo_grid, paths, jobs, force, progress, before_notebooks, log, pool)


def _failed(job: Job, r: dict, paths: Paths) -> PipelineError:
    """One line for the first job that failed: its theme, wave, language, cell and error."""
    if r["cell"] is not None:
        where = f"in cell {r['cell']}" + (f" (`{r['source']}`)" if r["source"] else "")
    else:
        where = r.get("stage", "in finalising")
    return PipelineError(
        f"notebook {job.theme}.ipynb failed for wave {job.wave}, language {job.lang}, {where}: "
        f"{r['error']}; its previous outputs are kept",
        file=paths.notebook(job),
    )


def check_jobs(jobs) -> None:
    if jobs is not None and not (isinstance(jobs, int) and jobs >= 1):
        raise PipelineError(
            f"--jobs {jobs!r} is not a number of notebooks to run at once",
            expected="a whole number, 1 or more (default: the number of cores)",
        )


def _check_parameters_cell(path: Path) -> None:
    """A notebook has one cell tagged ``parameters``: without it papermill puts the job's wave and
    language above the notebook's own defaults, which then win, and the run "succeeds" with the
    wrong wave's figures under this wave's labels.

    Read as JSON, not with nbformat: importing nbformat (its schema validator builds some forty
    parsers) cost the build a second before any notebook could start; papermill, in the workers,
    validates the notebook it runs."""
    try:
        nb = json.loads(path.read_bytes())
        if not isinstance(nb, dict) or nb.get("nbformat") != 4 or not isinstance(nb.get("cells"), list):
            raise ValueError("no list of cells in the format of Jupyter notebooks, version 4")
        cells = [c for c in nb["cells"] if isinstance(c, dict)]
        tags = [(c.get("metadata") or {}).get("tags") or [] for c in cells]
    except (OSError, ValueError, AttributeError) as exc:  # JSON and Unicode errors are ValueErrors
        raise PipelineError(
            f"is not a readable notebook ({exc.__class__.__name__}: {exc})".replace("\n", " "),
            file=path,
            expected="a Jupyter notebook (.ipynb) as saved by JupyterLab",
        ) from None
    tagged = [t for t in tags if isinstance(t, list) and "parameters" in t]
    if len(tagged) != 1:
        raise PipelineError(
            f"has {len(tagged)} cells tagged `parameters`",
            file=path,
            expected="exactly one: the first code cell, with wave, lang and the paths, tagged `parameters` "
            "(JupyterLab: Property Inspector > Cell Tags)",
        )


def _check_inputs(todo_grid: list[Job], paths: Paths) -> None:
    """Stop before any notebook starts when one would fail for want of a notebook or of data."""
    for job in todo_grid:
        if not paths.notebook(job).exists():
            raise PipelineError("notebook is missing", file=paths.notebook(job))
    for nb in sorted({paths.notebook(job) for job in todo_grid}):
        _check_parameters_cell(nb)
    without = [
        w
        for w in sorted({j.wave for j in todo_grid})
        if not all(p.exists() for p in layout.processed(paths.processed, w).values())
    ]
    if without:
        raise PipelineError(
            f"no processed data for wave(s) {', '.join(map(str, without))}: data/raw/ holds no "
            "file for them (or `python -m helpers ingest` was not run)",
            file=paths.processed,
            expected="their .sav files in data/raw/, or --waves naming only the waves that have one",
        )


def workers(jobs: int) -> ProcessPoolExecutor:
    """``jobs`` worker processes, each starting its kernel now (``helpers.grid.kernel``); they end
    with the process that started them, or when the caller shuts the pool down."""
    pool = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=kernel.start_worker,
        initargs=(os.getpid(),),
    )
    for _ in range(jobs):
        pool.submit(int)
    return pool


@contextlib.contextmanager
def _pool(jobs: int, kept: ProcessPoolExecutor | None):
    if kept is not None:
        yield kept
        return
    with workers(jobs) as pool:
        yield pool


class _Schedule:
    """The jobs handed to the workers. Later waves first: the edition's notebooks draw the figures,
    and the longest jobs started first leave the shortest tail on the last worker. A job whose wave
    waits for its gate (a future, :func:`run`) gives way to the next; no more jobs are handed to
    the workers than they run at once, so the waiting ones go first as soon as their gate opens."""

    def __init__(self, todo: list[Job], gates: dict[int, Future], slots: int, start) -> None:
        self.queue = sorted(todo, key=lambda j: -j.wave)
        self.gates, self.slots, self.start = gates, slots, start
        self.running: dict[Future, tuple[Job, Path]] = {}
        self.fill()

    def __bool__(self) -> bool:
        return bool(self.running or self.queue)

    def _ready(self, job: Job) -> bool:
        gate = self.gates.get(job.wave)
        return gate is None or (gate.done() and gate.exception() is None)

    def fill(self) -> None:
        # a gate that failed: its waves' jobs cannot run (check_gates says why)
        self.queue = [j for j in self.queue if not self._failed(self.gates.get(j.wave))]
        while len(self.running) < self.slots and (
            job := next((j for j in self.queue if self._ready(j)), None)
        ):
            self.queue.remove(job)
            fut, staging = self.start(job)
            self.running[fut] = (job, staging)

    @staticmethod
    def _failed(gate: Future | None) -> bool:
        return gate is not None and gate.done() and gate.exception() is not None

    def stop(self) -> None:
        self.queue.clear()

    def finished(self) -> list[tuple[Job, Path, dict]]:
        """Waits until a job ends or a gate opens; the jobs that ended, with their results."""
        # the gates still closed: one opening lets its waves' jobs go first
        closed = {g for j in self.queue if (g := self.gates.get(j.wave)) is not None and not g.done()}
        ended, _ = wait({*self.running, *closed}, return_when=FIRST_COMPLETED)
        out = []
        for fut in ended:
            if fut in self.running:
                job, staging = self.running.pop(fut)
                out.append((job, staging, fut.result()))
        self.fill()
        return out

    def check_gates(self) -> None:
        """A gate's error, once the jobs that ran have ended (the pipeline's: the estimates')."""
        for gate in self.gates.values():
            if (exc := gate.exception()) is not None:
                raise exc


def _run(
    todo_grid: list[Job], paths: Paths, jobs, force: bool, progress: bool, before_notebooks, log, kept=None
) -> RunResult:
    shared = keys.shared_fingerprint(paths)
    key = {job: keys.job_key(job, paths, shared) for job in todo_grid}
    todo = [j for j in todo_grid if force or not keys.is_current(j, paths, key[j])]
    skipped = [j for j in todo_grid if j not in todo]
    if not todo:
        log(f"notebooks: all {len(todo_grid)} up to date")
        return RunResult([], skipped)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    if kept is not None:
        jobs = kept._max_workers
    log(f"notebooks: executing {len(todo)} of {len(todo_grid)} on {jobs} worker(s)")
    from tqdm import tqdm

    class Bar(tqdm):
        # no monitor thread: tqdm starts one with its first bar, even a disabled one, and it lives
        # on in this process, which then never forks again (helpers.core.processes: the book's
        # languages were written one after the other)
        monitor_interval = 0

    tmp = workdir.staging(paths.build)
    bar = Bar(total=len(todo), unit="notebook", disable=not progress, file=sys.stderr, leave=False)
    failure = None
    done: list[Job] = []
    try:
        # the workers start their kernels while this process computes the estimates
        with _pool(jobs, kept) as pool:
            gates = dict((before_notebooks() if before_notebooks is not None else None) or {})

            def start(job: Job) -> tuple[Future, Path]:
                staging = Path(tmp) / f"{job.theme}-{job.wave}-{job.lang}"
                staging.mkdir()
                args = asdict(job), {k: str(v) for k, v in asdict(paths).items()}, str(staging)
                return pool.submit(_execute, *args), staging

            schedule = _Schedule(todo, gates, jobs, start)
            while schedule:
                for job, staging, result in schedule.finished():
                    bar.update(1)
                    if result["ok"]:
                        _commit(job, paths, staging, key[job], result["figures"])
                        done.append(job)
                    elif failure is None:
                        failure = (job, result)
                        schedule.stop()  # the jobs not started are not started
            schedule.check_gates()
            bar.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failure:
        raise _failed(*failure, paths)
    log(f"notebooks: executed {len(done)}, up to date {len(skipped)}")
    return RunResult(done, skipped)
