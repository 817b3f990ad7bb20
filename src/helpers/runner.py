"""The notebook grid: every theme x wave x language executed by papermill, in parallel, cached;
and the notebooks of chapters made of other sources only (``report.source_notebooks``), once per
language for the edition's wave.

A job is skipped when nothing it depends on changed: the notebook (its content, and like make its
modification time, so ``touch`` forces a re-run), the ``helpers`` code, the processed data, the
parameters, the codebook, catalogues, settings and reference tables, and the pinned requirements.
Each job runs into a staging folder; only a successful job replaces its executed notebook and
tables, so a failure keeps the previous good outputs. Executed notebooks are finalised: captions
and alt texts move into the figure cells' Quarto options, labels get the wave appended (unique in
a book that embeds several waves), and papermill's timestamps are removed.

Before the grid, every wave's estimates are computed once (helpers.precompute) for all notebooks.
Each worker process keeps one kernel for all its notebooks (papermill's engine ``helpers-warm``),
reset between notebooks, so imports are paid once per worker.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import multiprocessing
import multiprocessing.util
import os
import re
import sys
import shutil
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass
from pathlib import Path

from helpers import config, workdir
from helpers.errors import PipelineError

OPTION = re.compile(r"^#\|\s*([\w-]+)\s*:\s*(.*)$")
FIGURE_LABEL = re.compile(r"^(fig|tbl)-")


@dataclass(frozen=True)
class Job:
    theme: str
    wave: int
    lang: str

    def name(self) -> str:
        return f"{self.theme} · {self.wave} · {self.lang}"


@dataclass(frozen=True)
class Paths:
    notebooks: Path
    build: Path
    processed: Path

    def notebook(self, job: Job) -> Path:
        return self.notebooks / f"{job.theme}.ipynb"

    def executed(self, job: Job) -> Path:
        return self.build / "executed" / str(job.wave) / job.lang / f"{job.theme}.ipynb"

    def stamp(self, job: Job) -> Path:
        return self.executed(job).with_suffix(".json")

    def tables(self, job: Job) -> Path:
        return self.build / "tables" / str(job.wave) / job.lang / job.theme

    @property
    def estimates(self) -> Path:
        return self.build / "estimates"


# ---------------------------------------------------------------------- fingerprints
def _hash_files(files) -> str:
    h = hashlib.sha256()
    for f in sorted(files):
        h.update(str(Path(f).name).encode())
        h.update(Path(f).read_bytes())
    return h.hexdigest()


# Modules on the Quarto side of the pipeline: no notebook imports them (a test holds it), so
# editing a chapter's helper or the post-render step does not re-execute 32 notebooks.
NOT_NOTEBOOK_CODE = frozenset({"__main__.py", "cli.py", "prerender.py", "prose.py", "store.py", "explorer.py",
                               "render.py", "check.py", "postrender.py", "edition.py", "provenance.py"})


def shared_fingerprint(paths: Paths) -> str:
    """What every job depends on: code, configuration, data, pinned requirements."""
    from helpers import sources

    code = [p for p in (config.ROOT / "src" / "helpers").glob("*.py") if p.name not in NOT_NOTEBOOK_CODE]
    conf = [*config.CODEBOOK_DIR.glob("*.yaml"), *(config.DATA / "i18n").glob("*.yaml"),
            config.DATA / "settings.yaml", *sources.files(), config.ROOT / "requirements.txt"]
    data = [*paths.processed.glob("*.parquet"), *paths.processed.glob("*.json")]
    return hashlib.sha256("|".join([_hash_files(code), _hash_files(conf), _hash_files(data)]).encode()).hexdigest()


def _relative(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(config.ROOT))
    except ValueError:
        return str(p.resolve())


def parameters(job: Job, paths: Paths) -> dict:
    return {"wave": job.wave, "lang": job.lang, "processed_dir": _relative(paths.processed),
            "tables_dir": _relative(paths.tables(job)), "estimates_dir": _relative(paths.estimates)}


def job_key(job: Job, paths: Paths, shared: str) -> str:
    nb = paths.notebook(job)
    h = hashlib.sha256()
    h.update(shared.encode())
    h.update(nb.read_bytes())
    h.update(str(nb.stat().st_mtime_ns).encode())
    h.update(json.dumps(parameters(job, paths), sort_keys=True).encode())
    return h.hexdigest()


def is_current(job: Job, paths: Paths, key: str) -> bool:
    try:
        stamp = json.loads(paths.stamp(job).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return False
    return stamp.get("key") == key and paths.executed(job).exists() and paths.tables(job).is_dir()


# ---------------------------------------------------------------------- finalising
def _options(source: str) -> tuple[list[tuple[str, str]], list[str]]:
    lines = source.splitlines()
    opts = []
    i = 0
    while i < len(lines) and OPTION.match(lines[i]):
        k, v = OPTION.match(lines[i]).groups()
        opts.append((k, v))
        i += 1
    return opts, lines[i:]


def finalise(nb, wave: int) -> list[str]:
    """Make an executed notebook publishable (in place); returns its final labels."""
    from helpers.report import METADATA_KEY

    for key in ("start_time", "end_time", "duration", "exception", "input_path", "output_path",
                "environment_variables"):
        nb.metadata.get("papermill", {}).pop(key, None)
    labels = []
    for index, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
        if not cell.metadata.get("tags"):
            # papermill gives every cell an empty tag list; Quarto turns it into an HTML attribute
            # whose place among the others varies from render to render
            cell.metadata.pop("tags", None)
        if cell.cell_type != "code":
            continue
        opts, body = _options(cell.source)
        label = dict(opts).get("label")
        if not label or not FIGURE_LABEL.match(label):
            continue
        outs = cell.get("outputs", [])
        meta = [o.get("metadata", {}).get(METADATA_KEY) for o in outs]
        if len(outs) != 1 or not meta[0]:
            kinds = ", ".join(o.get("output_type", "?") + (f" ({o.get('name')})" if o.get("name") else "")
                              for o in outs) or "none"
            raise PipelineError(f"cell {index} ({label}) must output its figure or table and nothing else; "
                                f"it has these outputs: {kinds}")
        info = meta[0]
        if info["label"] != label:
            raise PipelineError(f"cell {index} is labelled {label} but draws {info['label']}")
        outs[0]["metadata"].pop(METADATA_KEY)
        kind = label.split("-", 1)[0]
        final = f"{label}-{wave}"
        absent = bool(info.get("absent"))
        new = {"label": final, f"{kind}-cap": json.dumps(info["cap"], ensure_ascii=False)}
        if kind == "fig" and info["alt"] is not None:
            new["fig-alt"] = json.dumps(info["alt"], ensure_ascii=False)
        rest = [(k, v) for k, v in opts if k not in new and k not in ("fig-cap", "fig-alt", "tbl-cap")]
        cell.source = "\n".join([f"#| {k}: {v}" for k, v in [*new.items(), *rest]] + body)
        if not absent:  # a figure that does not apply to this wave (a note in its place) is not listed
            labels.append(final)
    return labels


# ---------------------------------------------------------------------- execution
KERNEL_START_ATTEMPTS = 3
# its shutdown notices are not the reader's concern; no input history: the count starts again at 1 for
# every notebook, and a history database would then refuse the repeated line numbers (and print so)
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL", "--HistoryManager.enabled=False"]
# Before each notebook the worker's kernel forgets the last one: its variables, and the execution
# count, so every executed notebook numbers its cells from 1 whichever worker ran it.
RESET = "get_ipython().run_line_magic('reset', '-f')\nget_ipython().execution_count = 1"
# what every notebook imports and sets up first, done when the kernel starts (%reset keeps modules)
WARM_UP = "import pyarrow.parquet, helpers.report, helpers.figures\nhelpers.figures.style()"


def _kernel_did_not_start(exc: BaseException) -> bool:
    text = str(exc)
    return "kernel_info" in text or "didn't respond" in text


class _Worker:
    """A worker process's one kernel, started once and kept for every notebook the worker runs:
    the kernel's imports (pandas, matplotlib, helpers) are paid once per worker, not per notebook.
    Shut down when the worker exits."""

    km = None

    @classmethod
    def kernel(cls):
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        if cls.km is not None and run_sync(cls.km.is_alive)():
            return cls.km
        if cls.km is not None:  # died with the last notebook (a crash in a cell): start afresh
            run_sync(cls.km.cleanup_resources)()
        for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
            km = AsyncKernelManager(kernel_name="python3")
            try:
                run_sync(km.start_kernel)(cwd=str(config.ROOT), extra_arguments=KERNEL_ARGUMENTS)
                kc = km.client()
                kc.start_channels()
                try:
                    run_sync(kc.wait_for_ready)(timeout=60)
                    kc.execute(WARM_UP, silent=True, store_history=False)
                finally:
                    kc.stop_channels()
                break
            except (RuntimeError, TimeoutError) as exc:
                # Kernels started at once by parallel workers can lose the race for a TCP port that
                # jupyter_client chose for them, and die before running any code: start afresh.
                with contextlib.suppress(Exception):
                    run_sync(km.shutdown_kernel)(now=True)
                if attempt == KERNEL_START_ATTEMPTS:
                    raise RuntimeError(f"kernel_info: the kernel did not start ({exc})") from exc
        cls.km = km
        multiprocessing.util.Finalize(cls, cls.shutdown, exitpriority=10)
        return km

    @classmethod
    def shutdown(cls):
        from jupyter_core.utils import run_sync

        if cls.km is not None:
            run_sync(cls.km.shutdown_kernel)(now=True)
            cls.km = None


def _start_worker() -> None:
    """A worker's first act: start its kernel and import papermill (a failure is reported by the
    first job, which tries again)."""
    with contextlib.suppress(Exception):
        _Worker.kernel()
        _warm_engine()


@functools.cache
def _warm_engine() -> None:
    """papermill's nbclient engine on the worker's kernel (registered as the "helpers-warm" engine):
    papermill still parameterises, executes and writes every notebook; only the kernel outlives it."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    class Client(PapermillNotebookClient):
        def papermill_execute_cells(self):
            reply = self.wait_for_reply(self.kc.execute(RESET, silent=True, store_history=False))
            if reply["content"]["status"] != "ok":
                raise RuntimeError(f"the kernel could not be reset: {reply['content'].get('evalue')}")
            super().papermill_execute_cells()

    class Engine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
            import logging

            client = Client(nb_man, km=_Worker.kernel(), kernel_name=kernel_name, timeout=execution_timeout,
                            startup_timeout=start_timeout, log=logging.getLogger("papermill"),
                            log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file)
            try:
                return client.execute()
            finally:
                if client.kc is not None:
                    client.kc.stop_channels()

    papermill_engines.register("helpers-warm", Engine)


def _execute(job_d: dict, paths_d: dict, staging: str) -> dict:
    """Run one job into ``staging`` (in a worker process). Returns a result dict, never raises."""
    import nbformat
    import papermill as pm

    job, paths = Job(**job_d), Paths(**{k: Path(v) for k, v in paths_d.items()})
    staging = Path(staging)
    params = parameters(job, paths)
    params["tables_dir"] = str(staging / "tables")
    out = staging / "executed.ipynb"
    try:
        # papermill injects its cell of parameters after the cell tagged "parameters" (or on top)
        source = nbformat.read(paths.notebook(job), as_version=4)
        tagged = [i for i, c in enumerate(source.cells) if "parameters" in c.metadata.get("tags", [])]
        injected_at = tagged[0] + 1 if tagged else 0
        _warm_engine()
        # no output path: papermill hands back the executed notebook, which is written once, finalised
        nb = pm.execute_notebook(str(paths.notebook(job)), None, parameters=params, kernel_name="python3",
                                 engine_name="helpers-warm", cwd=str(config.ROOT), progress_bar=False,
                                 request_save_on_cell_execute=False, log_output=False)
    except pm.PapermillExecutionError as exc:
        # number cells as the source notebook does: the cell index counts the injected cell
        index = exc.cell_index - (1 if injected_at < exc.cell_index else 0)
        opts, body = _options(exc.source or "")
        where = dict(opts).get("label") or next((b for b in body if b.strip()), "")
        return {"ok": False, "cell": index, "source": where, "error": f"{exc.ename}: {exc.evalue}"}
    except Exception as exc:  # kernel died, notebook unreadable, ...
        stage = "while starting its kernel" if _kernel_did_not_start(exc) else "while executing"
        return {"ok": False, "cell": None, "stage": stage, "source": "", "error": f"{type(exc).__name__}: {exc}"}
    try:
        labels = finalise(nb, job.wave)
    except PipelineError as exc:
        return {"ok": False, "cell": None, "source": "", "error": str(exc)}
    # papermill injected the staging path: record the published one instead; and it gave that cell
    # a random id, which would make every build differ from the last: give it a fixed one
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.source = "\n".join(f"{k} = {v!r}" for k, v in parameters(job, paths).items())
            cell.id = "injected-parameters"
    nb.metadata.get("papermill", {})["parameters"] = parameters(job, paths)
    nbformat.write(nb, str(out))
    return {"ok": True, "labels": labels}


def _commit(job: Job, paths: Paths, staging: Path, key: str, labels: list[str]) -> None:
    target_nb, target_tables = paths.executed(job), paths.tables(job)
    target_nb.parent.mkdir(parents=True, exist_ok=True)
    target_tables.parent.mkdir(parents=True, exist_ok=True)
    (staging / "tables").mkdir(exist_ok=True)
    old = staging / "old-tables"
    if target_tables.exists():
        os.replace(target_tables, old)
    os.replace(staging / "tables", target_tables)
    os.replace(staging / "executed.ipynb", target_nb)
    paths.stamp(job).write_text(json.dumps({"key": key, "labels": labels}, indent=1) + "\n", encoding="utf-8")


@dataclass
class RunResult:
    executed: list[Job]
    skipped: list[Job]


def source_notebooks() -> list[str]:
    """Notebooks of chapters made of other published sources only (settings ``report.source_notebooks``)."""
    return list(config.settings()["report"].get("source_notebooks") or [])


def grid(waves=None, langs=None, themes=None) -> list[Job]:
    """The jobs: every theme x wave x language, and every source notebook x language for the
    edition's wave (when the run covers that wave)."""
    from helpers import codebook, i18n

    cb = codebook.load()
    waves = [cb.check_wave(w) for w in (waves or cb.wave_names())]
    langs = [i18n.check_lang(x) for x in (langs or i18n.languages())]
    known = [*cb.themes, *source_notebooks()]
    for th in themes or []:
        if th not in known:
            raise PipelineError(f"unknown theme {th!r}", expected="one of " + ", ".join(known))
    edition = int(config.settings()["report"]["wave"])
    chosen = themes or known
    return ([Job(th, w, lang) for th in cb.themes if th in chosen for w in waves for lang in langs]
            + [Job(n, edition, lang) for n in source_notebooks() if n in chosen and edition in waves for lang in langs])


def run(waves=None, langs=None, themes=None, *, jobs: int | None = None, force: bool = False,
        notebooks_dir=None, build_dir=None, processed_dir=None, raw_dir=None, ingest_first: bool = True,
        progress: bool = True, log=print) -> RunResult:
    """Execute the grid. With ``ingest_first`` (the command line's way) the synthetic default is
    written when data/raw/ holds no survey file, and raw files are ingested when they changed.

    Only one command works in a build folder at a time (``workdir.exclusive``)."""
    if jobs is not None and not (isinstance(jobs, int) and jobs >= 1):
        raise PipelineError(f"--jobs {jobs!r} is not a number of notebooks to run at once",
                            expected="a whole number, 1 or more (default: the number of cores)")
    paths = Paths(notebooks=Path(notebooks_dir or config.NOTEBOOKS_DIR), build=Path(build_dir or config.BUILD_DIR),
                  processed=Path(processed_dir or config.PROCESSED_DIR))
    todo_grid = grid(waves, langs, themes)
    with workdir.exclusive(paths.build, log):
        if ingest_first:
            from helpers import ingest, synth

            synth.default_if_empty(raw_dir, log=log)
            ingest.ingest(raw_dir=raw_dir, out_dir=paths.processed, force=False, log=log)
        _check_inputs(todo_grid, paths)
        return _run(todo_grid, paths, jobs, force, progress, log)


def _check_inputs(todo_grid: list[Job], paths: Paths) -> None:
    """Stop before any notebook starts when one would fail for want of a notebook or of data."""
    from helpers import ingest, sources

    sources.load_all()  # a bad reference table stops the build here, before any notebook runs
    for job in todo_grid:
        if not paths.notebook(job).exists():
            raise PipelineError("notebook is missing", file=paths.notebook(job))
    without = [w for w in sorted({j.wave for j in todo_grid}) if ingest.read_manifest(paths.processed, w) is None
               or not ingest.processed_paths(paths.processed, w)["data"].exists()]
    if without:
        raise PipelineError(f"no processed data for wave(s) {', '.join(map(str, without))}: data/raw/ holds no "
                            "file for them (or `python -m helpers ingest` was not run)", file=paths.processed,
                            expected="their .sav files in data/raw/, or --waves naming only the waves that have one")


def _run(todo_grid: list[Job], paths: Paths, jobs, force: bool, progress: bool, log) -> RunResult:
    shared = shared_fingerprint(paths)
    keys = {job: job_key(job, paths, shared) for job in todo_grid}
    todo = [j for j in todo_grid if force or not is_current(j, paths, keys[j])]
    skipped = [j for j in todo_grid if j not in todo]
    if not todo:
        log(f"notebooks: all {len(todo_grid)} up to date")
        return RunResult([], skipped)
    from helpers import codebook, ingest, precompute

    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    log(f"notebooks: executing {len(todo)} of {len(todo_grid)} on {jobs} worker(s)")
    from tqdm import tqdm

    tmp = workdir.staging(paths.build)
    bar = tqdm(total=len(todo), unit="notebook", disable=not progress, file=sys.stderr, leave=False)
    failure = None
    done: list[Job] = []
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=_start_worker) as pool:
            # the workers start their kernels while this process computes the estimates
            for _ in range(jobs):
                pool.submit(int)
            # every wave with data, not only the grid's: the trend figures read the earlier waves too
            waves = [w for w in codebook.load().wave_names()
                     if ingest.processed_paths(paths.processed, w)["data"].exists()]
            precompute.precompute(waves, paths.processed, paths.estimates, codebook.load(), log=log)
            futures = {}
            # later waves first: they have the most figures (changes since 2015), and the longest
            # jobs started first leave the shortest tail on the last worker
            for job in sorted(todo, key=lambda j: -j.wave):
                staging = Path(tmp) / f"{job.theme}-{job.wave}-{job.lang}"
                staging.mkdir()
                fut = pool.submit(_execute, asdict(job), {k: str(v) for k, v in asdict(paths).items()}, str(staging))
                futures[fut] = (job, staging)
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    if fut.cancelled():
                        continue
                    job, staging = futures[fut]
                    result = fut.result()
                    bar.update(1)
                    if result["ok"]:
                        _commit(job, paths, staging, keys[job], result["labels"])
                        done.append(job)
                    elif failure is None:
                        failure = (job, result)
                        for other in pending:
                            other.cancel()
            bar.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failure:
        job, r = failure
        if r["cell"] is not None:
            where = f"in cell {r['cell']}" + (f" (`{r['source']}`)" if r["source"] else "")
        else:
            where = r.get("stage", "in finalising")
        raise PipelineError(f"notebook {job.theme}.ipynb failed for wave {job.wave}, language {job.lang}, {where}: "
                            f"{r['error']}; its previous outputs are kept",
                            file=paths.notebook(job))
    log(f"notebooks: executed {len(done)}, up to date {len(skipped)}")
    return RunResult(done, skipped)

