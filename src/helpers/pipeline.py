"""The one place that chains the stages: raw -> processed -> estimates -> notebooks -> book -> site.

Each stage reads the files the one before it wrote (``helpers.core.layout``) and can be run alone
(``python -m helpers synth | ingest | run | prepare | build``); only this module calls one stage
after another.

* :func:`run`: the synthetic default when ``data/raw/`` holds no survey file, ingest when a raw file
  or the ingest code changed, the reference tables validated, then the notebook grid, whose
  workers start their kernels while every wave's estimates are computed once;
* :func:`prepare`: Quarto's pre-render: :func:`run`, then the store and the book's inputs;
* :func:`build`: :func:`prepare` in a process of its own, then the render of each language that
  changed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from helpers.book import inputs
from helpers.core import config, i18n, layout, workdir
from helpers.core.errors import PipelineError
from helpers.estimate import precompute
from helpers.grid import runner
from helpers.ingest import processed, synth, writer
from helpers.metadata import codebook, sources
from helpers.publish import render

QUARTO_MISSING = (
    "the notebooks are built, but the `quarto` command is not installed, so the website and "
    "PDFs were not rendered; install Quarto (`pip install quarto-cli`, or https://quarto.org) "
    "and run `python -m helpers build` again, or pass --no-render to stop here on purpose"
)


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
    raw_dir=None,
    ingest_first: bool = True,
    progress: bool = True,
    log=print,
) -> runner.RunResult:
    """Ingest (with ``ingest_first``: the command line's way), then every notebook job that is not
    up to date. Only one command works in a build folder or a processed folder at a time
    (``workdir.exclusive``): the run holds both until its last notebook is done."""
    runner.check_jobs(jobs)
    runner.grid(waves, langs, themes)  # unknown waves, languages or themes stop before anything is written
    build = Path(build_dir or config.BUILD_DIR)
    out = Path(processed_dir or config.PROCESSED_DIR)
    # both folders for the whole run: an `ingest` started while the notebooks read the processed
    # data would change it under them (the run then failed midway on estimates out of date)
    with workdir.exclusive(build, log), workdir.exclusive(out, log):
        if ingest_first:
            synth.default_if_empty(raw_dir, log=log)
            writer.ingest(raw_dir=raw_dir, out_dir=out, force=False, log=log)
        sources.load_all()  # a bad reference table stops the build here, before any notebook runs
        cb = codebook.load()

        def estimates() -> None:
            # every wave with data, not only the grid's: the trend figures read the earlier waves too
            waves_with_data = processed.available(out, cb.wave_names())
            precompute.precompute(waves_with_data, out, layout.estimates(build), cb, log=log)

        return runner.run(
            waves,
            langs,
            themes,
            jobs=jobs,
            force=force,
            notebooks_dir=notebooks_dir,
            build_dir=build,
            processed_dir=out,
            progress=progress,
            before_notebooks=estimates,
            log=log,
        )


def prepare(*, jobs=None, log=print) -> None:
    """Quarto's pre-render: ingest and notebooks (cached), then the store and the book's inputs."""
    with workdir.exclusive(config.BUILD_DIR, log):  # the notebooks and the inputs made from them
        run(jobs=jobs, log=log, progress=False)
        inputs.write_book_inputs(config.BUILD_DIR, log=log)


def build(*, no_render: bool = False, force: bool = False, jobs: int | None = None, log=print) -> int:
    """Everything: the pipeline, then the render of each language whose inputs changed."""
    # The pipeline (synthetic default when data/raw/ is empty, ingest, estimates, notebooks, book
    # inputs) runs in a process of its own: what it imports and holds (pandas, the data, the
    # estimates, about 250 MB) is given back before the two Quarto renders start, instead of staying
    # beside them in this one.
    command = [
        sys.executable,
        "-m",
        "helpers",
        "prepare",
        *(["--jobs", str(jobs)] if jobs is not None else []),
    ]
    code = subprocess.run(
        command, env={k: v for k, v in os.environ.items() if k != render.PREPARED}
    ).returncode
    if code != 0:
        return code  # the pipeline's own message is above
    if no_render:
        log("build: stopped after the notebooks (--no-render)")
        return 0
    quarto = shutil.which("quarto")
    if quarto is None:
        raise PipelineError(QUARTO_MISSING)
    rendered = render.render(quarto, i18n.languages(), force=force, jobs=jobs, log=log)
    state = f"rendered {', '.join(rendered)}" if rendered else "nothing to render"
    log(f"build: report in {layout.site()} ({state})")
    return 0
