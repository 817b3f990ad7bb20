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
from pathlib import Path

from helpers.book import inputs
from helpers.core import config, i18n, layout, workdir
from helpers.core.errors import PipelineError
from helpers.estimate import precompute
from helpers.grid import runner
from helpers.ingest import processed, synth, writer
from helpers.metadata import codebook, sources
from helpers.publish import preview as preview_mod
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


# ---------------------------------------------------------------------- the live preview
def _preview_change(path: Path, lang: str, themes: set[str]) -> str | None:
    """What an edited file asks of the preview: ``theme:<name>`` (that notebook's jobs), ``data``
    (every job of the language: the codebook, catalogues, settings, reference tables, raw files),
    ``page`` (a chapter: Quarto renders it; its front matter is checked here), ``code`` or None."""
    root = config.ROOT
    if path.suffix == ".ipynb" and path.parent == config.NOTEBOOKS_DIR:
        return f"theme:{path.stem}" if path.stem in themes else None
    if path.is_relative_to(config.DATA) and not path.is_relative_to(config.PROCESSED_DIR):
        return "data"
    if path.suffix == ".qmd" and path.is_relative_to(layout.chapter_dir(lang)):
        return "page"
    if path.suffix == ".py" and path.is_relative_to(root / "src" / "helpers"):
        return "code"
    return None


def update_preview(paths, lang: str, port: int, *, jobs: int | None = None, log=print) -> list[str]:
    """After ``paths`` were edited: check an edited chapter's front matter; run the jobs of an edited
    notebook (or, for the codebook, catalogues or settings, every job of the language), the book's
    inputs, and have the preview re-render each page whose inputs changed. A bad input is reported
    in one line and the preview goes on. Returns the pages re-rendered."""
    cb = codebook.load()
    themes = {*cb.themes, *config.source_notebooks()}
    wanted = {p: _preview_change(Path(p), lang, themes) for p in paths}
    for p, kind in wanted.items():
        if kind == "page" and Path(p).exists():
            render.check_front_matter(Path(p))
        elif kind == "code":
            log(f"preview: {workdir.project_name(Path(p))} changed; restart the preview to use it")
    kinds = set(wanted.values())
    if "data" in kinds:
        todo = None  # every theme: the cache skips the jobs the change does not reach
    else:
        todo = sorted(k.split(":", 1)[1] for k in kinds if k and k.startswith("theme:"))
        if not todo:
            return []
    build = config.BUILD_DIR
    before = preview_mod.digests(lang, build)
    with workdir.exclusive(build, log):
        run(langs=[lang], themes=todo, jobs=jobs, progress=False, log=log)
        inputs.write_book_inputs(build, log=log)
    after = preview_mod.digests(lang, build)
    pages = preview_mod.changed_pages(before, after)
    for page in pages:
        preview_mod.request_render(port, page)
    preview_mod.save_digests(lang, build, after)
    log(f"preview: re-rendering {', '.join(pages) if pages else 'no page (nothing they show changed)'}")
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
    import watchfiles

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
    build = config.BUILD_DIR
    stale = preview_mod.forget_stale_pages(lang, build)
    if stale:
        log(f"preview: {len(stale)} page(s) to render again (what they show changed since the last preview)")
    port = port or preview_mod.free_port()
    env = {
        **os.environ,
        render.PREPARED: "1",
        "EWCS_REPORT_ROOT": str(config.ROOT),
        "EWCS_BUILD_DIR": str(build),
    }
    browser = preview_mod.has_display() if browser is None else browser
    proc = preview_mod.start(quarto, lang, port, build, env, browser=browser)
    try:
        url = preview_mod.wait_until_serving(proc, port)
        log(
            f"preview: {url} ({lang}; Ctrl-C stops it). Chapters render when saved; notebooks, the "
            "codebook and catalogues run the pipeline first"
        )
        watched = [p for p in _preview_paths(lang) if p.exists()]
        for changes in watchfiles.watch(*watched, debounce=800, rust_timeout=1000, yield_on_timeout=True):
            if proc.poll() is not None:
                raise PipelineError(f"`quarto preview` ended (exit {proc.returncode}); its output is above")
            if not changes:
                continue
            try:
                update_preview(sorted({p for _, p in changes}), lang, port, jobs=jobs, log=log)
            except PipelineError as exc:
                log(f"error: {exc}")
    except KeyboardInterrupt:
        log("preview: stopped")
    finally:
        preview_mod.stop(proc)
    return 0
