"""The one place that chains the stages: raw -> processed -> estimates -> notebooks -> book -> site.

Each stage reads the files the one before it wrote (``helpers.core.layout``) and can be run alone
(``python -m helpers synth | ingest | run | prepare | build``); only this module calls one stage
after another.

* :func:`run`: the synthetic default when ``data/raw/`` holds no survey file, ingest when a raw file
  or the ingest code changed, the reference tables validated, then the notebook grid, whose
  workers start their kernels while every wave's estimates are computed once;
* :func:`prepare`: Quarto's pre-render: :func:`run`, then the store and the book's inputs;
* :func:`build`: :func:`prepare` in a process of its own, then the render of each language that
  changed;
* :func:`preview`: :func:`prepare`, then Quarto's live preview of one language, the pipeline run
  again for what a researcher edits (:func:`update_preview`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from helpers.core import config, i18n, layout, workdir
from helpers.core.errors import PipelineError
from helpers.publish import render

# The stages are imported where they are used: `build` runs in a process that only starts the
# pipeline's process and then Quarto, and importing pandas and SciPy there (through the stages)
# delayed the pipeline by a second and a half.
if TYPE_CHECKING:
    from helpers.grid import runner

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
    pool=None,
    log=print,
) -> runner.RunResult:
    """Ingest (with ``ingest_first``: the command line's way), then every notebook job that is not
    up to date. Only one command works in a build folder or a processed folder at a time
    (``workdir.exclusive``): the run holds both until its last notebook is done."""
    from helpers.estimate import precompute
    from helpers.grid import runner
    from helpers.ingest import processed, synth, writer
    from helpers.metadata import codebook, sources

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

        waves_with_data = processed.available(out, cb.wave_names())
        background = ThreadPoolExecutor(max_workers=1)
        europe: list[Future] = []

        def estimates() -> dict[int, Future]:
            # every wave with data, not only the grid's: the trend figures read the earlier waves too
            precompute.precompute(waves_with_data, out, layout.estimates(build), cb, log=log)
            # Belgium against the EU27, computed by this process while the workers run the
            # notebooks: the edition's wave first, which its notebooks wait for (each chapter has a
            # Europe figure; the earlier waves' notebooks run meanwhile), then the earlier waves'
            # (read by the book's store, after the notebooks)
            edition = [w for w in waves_with_data if w == config.edition_wave()]
            for part in (edition, [w for w in waves_with_data if w not in edition]):
                europe.append(
                    background.submit(
                        precompute.precompute_europe, part, out, layout.estimates(build), cb, log=log
                    )
                )
            return {w: europe[0] for w in edition}

        try:
            result = runner.run(
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
                pool=pool,
                log=log,
            )
            if not europe:  # every notebook was up to date: the grid did not call estimates()
                precompute.precompute_europe(waves_with_data, out, layout.estimates(build), cb, log=log)
            for part in europe:
                part.result()  # its error, if any, stops the run here
        finally:
            background.shutdown(wait=True)
        return result


def prepare(*, jobs=None, log=print) -> None:
    """Quarto's pre-render: ingest and notebooks (cached), then the store and the book's inputs."""
    from helpers.book import inputs

    with workdir.exclusive(config.BUILD_DIR, log):  # the notebooks and the inputs made from them
        run(jobs=jobs, log=log, progress=False)
        inputs.write_book_inputs(config.BUILD_DIR, log=log, jobs=jobs)


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


# ---------------------------------------------------------------------- the live preview
def _preview_change(path: Path, lang: str) -> str | None:
    """What an edited file asks of the preview: ``notebook:<name>`` (that notebook's jobs), ``data``
    (every job of the language: the codebook, catalogues, settings, reference tables, raw files),
    ``page`` (a chapter: Quarto renders it; its front matter is checked here), ``code`` or None."""
    if path.suffix == ".ipynb" and path.parent == config.NOTEBOOKS_DIR:
        return f"notebook:{path.stem}"
    if path.is_relative_to(config.DATA) and not path.is_relative_to(config.PROCESSED_DIR):
        return "data"
    if path.suffix == ".qmd" and path.is_relative_to(layout.chapter_dir(lang)):
        return "page"
    if path.suffix == ".py" and path.is_relative_to(config.ROOT / "src" / "helpers"):
        return "code"
    return None


def update_preview(paths, lang: str, port: int, *, pool=None, log=print) -> list[str]:
    """After ``paths`` were edited: check an edited chapter's front matter; run the jobs of an edited
    notebook (or, for the codebook, catalogues or settings, every job of the language) on the
    preview's workers, the book's inputs, and have the preview re-render each page whose inputs
    changed. A bad input raises the pipeline's one-line error. Returns the pages re-rendered."""
    from helpers.book import inputs
    from helpers.metadata import codebook
    from helpers.publish import preview as preview_mod

    t0 = time.perf_counter()
    wanted = {Path(p): _preview_change(Path(p), lang) for p in paths}
    for p, kind in wanted.items():
        if kind == "page" and p.exists():
            render.check_front_matter(p)
        elif kind == "code":
            log(f"preview: {workdir.project_name(p)} changed; restart the preview to use it")
    kinds = set(wanted.values())
    todo: list[str] | None = None  # every theme: the cache skips the jobs a change does not reach
    if "data" in kinds:
        # what this process read once: it reads the edited codebook, catalogues and settings again
        config.settings.cache_clear()
        i18n.catalogue.cache_clear()
        codebook.load.cache_clear()
    else:
        names = {k.split(":", 1)[1] for k in kinds if k and k.startswith("notebook:")}
        todo = sorted(names & {*codebook.load().themes, *config.source_notebooks()}) if names else []
        if not todo:
            return []
    build = config.BUILD_DIR
    before = preview_mod.digests(lang, build)
    with workdir.exclusive(build, log):
        run(langs=[lang], themes=todo, pool=pool, progress=False, log=log)
        inputs.write_book_inputs(build, log=log)
    after = preview_mod.digests(lang, build)
    pages = preview_mod.changed_pages(before, after)
    for page in pages:
        preview_mod.request_render(port, page)
    preview_mod.save_digests(lang, build, after)
    what = ", ".join(pages) if pages else "no page (nothing they show changed)"
    log(f"preview: pipeline {time.perf_counter() - t0:.1f} s; re-rendering {what}")
    return pages


def _preview_paths(lang: str) -> list[Path]:
    data = [
        config.CODEBOOK_DIR,
        config.DATA / "i18n",
        config.DATA / "reference",
        config.DATA / "settings.yaml",
    ]
    return [
        config.NOTEBOOKS_DIR,
        *data,
        config.RAW_DIR,
        layout.chapter_dir(lang),
        config.ROOT / "src" / "helpers",
    ]


def preview(
    lang: str | None = None,
    *,
    port: int | None = None,
    browser: bool | None = None,
    jobs: int | None = None,
    log=print,
) -> int:
    """``python -m helpers preview``: the pipeline brought up to date, then Quarto's preview of
    ``lang`` until Ctrl-C, the pipeline run again for each edit Quarto cannot follow itself."""
    from helpers.publish import preview as preview_mod

    lang = lang or i18n.languages()[0]
    i18n.check_lang(lang)
    if config.BUILD_DIR.resolve() != (config.ROOT / "build").resolve():
        raise PipelineError(
            f"the preview shows the project's own build folder, not {config.BUILD_DIR} (the chapters "
            "include files of build/)",
            expected="EWCS_BUILD_DIR unset",
        )
    quarto = preview_mod.quarto()
    prepare(jobs=jobs, log=log)
    stale = preview_mod.forget_stale_pages(lang, config.BUILD_DIR)
    if stale:
        log(f"preview: {len(stale)} page(s) to render again (what they show changed since the last preview)")
    browser = preview_mod.has_display() if browser is None else browser
    session = _Preview(quarto, lang, port or preview_mod.free_port(), browser, jobs, log)
    interrupted = False
    try:
        session.start_quarto()
        session.watch()
    except KeyboardInterrupt:
        interrupted = True
    finally:
        session.close()
    if interrupted:  # said once Quarto has ended: a render it was finishing prints nothing after it
        log("preview: stopped")
    return 0


class _Preview:
    """Quarto's preview process, the notebook workers kept warm between edits, and the watch loop.
    Quarto's preview ends on a chapter whose front matter does not parse: it is started again at
    the first save after which every chapter's front matter parses."""

    def __init__(self, quarto: str, lang: str, port: int, browser: bool, jobs: int | None, log):
        from helpers.grid import runner

        self.quarto, self.lang, self.port, self.browser, self.log = quarto, lang, port, browser, log
        self.workers = max(1, jobs or os.cpu_count() or 1)
        self.pool = runner.workers(self.workers)
        self.proc = None
        self.env = {
            **os.environ,
            render.PREPARED: "1",
            "EWCS_REPORT_ROOT": str(config.ROOT),
            "EWCS_BUILD_DIR": str(config.BUILD_DIR),
        }

    def start_quarto(self, again: bool = False) -> None:
        from helpers.publish import preview as preview_mod

        self.proc = preview_mod.start(
            self.quarto, self.lang, self.port, config.BUILD_DIR, self.env, browser=self.browser and not again
        )
        url = preview_mod.wait_until_serving(self.proc, self.port)
        self.log(
            f"preview: {url} ({self.lang}; Ctrl-C stops it). Chapters render when saved; notebooks, "
            "the codebook and catalogues run the pipeline first"
            if not again
            else f"preview: {url} again"
        )

    def watch(self) -> None:
        import watchfiles

        watched = [p for p in _preview_paths(self.lang) if p.exists()]
        down = False
        edited = False  # a batch of edits since Quarto's preview was last seen running or started
        for changes in watchfiles.watch(*watched, debounce=800, rust_timeout=1000, yield_on_timeout=True):
            if not down and self.proc is not None and self.proc.poll() is not None:
                down = True
                self.log(
                    f"error: Quarto's preview ended (exit {self.proc.returncode}; its output is above); "
                    "it starts again when the chapters are fixed and saved"
                )
                if edited:
                    # Quarto ends a moment after it reads a broken page: the fix may have been saved
                    # before it ended, and no save may follow. Started again now if the chapters
                    # parse (once: a preview that ends again waits for the next save)
                    down = self.update([], down)
                edited = False
            if changes:
                down = self.update(sorted({p for _, p in changes}), down)
                edited = True

    def update(self, paths: list[str], down: bool) -> bool:
        """One batch of edits; returns whether Quarto's preview is still down."""
        from concurrent.futures.process import BrokenProcessPool

        from helpers.publish import preview as preview_mod

        try:
            if down:
                for page in preview_mod.pages(self.lang):
                    render.check_front_matter(page)
                self.start_quarto(again=True)
                down = False
            if any(_preview_change(Path(p), self.lang) == "data" for p in paths):
                # the workers' kernels keep the codebook, catalogues and settings they read once
                self.new_workers()
            update_preview(paths, self.lang, self.port, pool=self.pool, log=self.log)
        except PipelineError as exc:
            self.log(f"error: {exc}")
        except BrokenProcessPool:
            self.log("error: a notebook worker ended unexpectedly; new workers are started, save again")
            self.new_workers()
        return down

    def new_workers(self) -> None:
        from helpers.grid import runner

        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = runner.workers(self.workers)

    def close(self) -> None:
        """Quarto, then the notebook workers (waited for, so that nothing they print comes after
        "preview: stopped")."""
        from helpers.publish import preview as preview_mod

        if self.proc is not None:
            preview_mod.stop(self.proc)
        self.pool.shutdown(wait=True, cancel_futures=True)
