"""Rendering the book: ``quarto render`` for every language profile (``python -m helpers build``).

A language is rendered only when something its edition is made from changed since its last
successful render (``build/render/<lang>.json`` keeps the fingerprint): the project's Quarto files,
the language's chapters, the shared styles and assets, the numbers of ``_variables.yml`` its pages quote,
what the pre-render step wrote for it (figure blocks, tables, cover, colophon, store), its executed
notebooks and CSV files, the Python code Quarto runs (pre- and post-render), the settings and
catalogues, the edition's date and the Quarto version. ``--force`` renders anyway.

The languages render at the same time, each in a copy of the files its render reads
(``build/render/<lang>/``, removed afterwards), and reach ``_site/`` only when all succeeded.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import yaml

from helpers.core import config, layout
from helpers.core.errors import PipelineError

SAFE_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
PREPARED = "HELPERS_PREPARED"  # set for Quarto's pre-render hook when the build has just prepared


def _files(lang: str, build: Path) -> list[Path]:
    """Every file a language's render reads (besides _variables.yml: its numbers these files quote)."""
    root = config.ROOT
    groups = [
        [root / "_quarto.yml", root / f"_quarto-{lang}.yml", root / "index.qmd"],
        # the home page includes every language's text (Quarto reads them all, then keeps the
        # profile's), with paths relative to the project root
        _includes(root / "index.qmd", build),
        (root / "chapters" / lang).rglob("*"),
        [p for p in (root / "chapters").iterdir() if p.is_file()],
        (root / "assets").rglob("*"),
        (root / "src" / "helpers").rglob("*.py"),
        (config.DATA / "i18n").glob("*.yaml"),
        [config.DATA / "settings.yaml"],
        layout.quarto_dir(build, lang).rglob("*"),
        [layout.provenance_path(build)],
        (layout.store_dir(build) / lang).rglob("*"),
        layout.executed_files(build, lang),
        layout.table_files(build, lang),
    ]
    return sorted({p for g in groups for p in g if p.is_file()})


# Quarto's shortcodes as the chapters write them (the check reads them with the same patterns)
INCLUDE = re.compile(r"\{\{<\s*include\s+(\S+)\s*>\}\}")
VAR = re.compile(r"\{\{<\s*var\s+([\w.-]+)\s*>\}\}")


def _includes(page: Path, build: Path) -> list[Path]:
    """The files ``page`` includes (paths written relative to the project root; those under
    ``build/`` are read from the build folder)."""
    if not page.exists():
        return []
    out = []
    for rel in INCLUDE.findall(page.read_text(encoding="utf-8")):
        parts = Path(rel).parts
        out.append(build.joinpath(*parts[1:]) if parts[0] == "build" else config.ROOT / rel)
    return out


# the files in which Quarto resolves shortcodes: pages, what they include, the project's YAML
QUOTING = {".qmd", ".md", ".yml", ".yaml"}
_MISSING = object()


def quoted_numbers(lang: str, files: list[Path]) -> dict:
    """The numbers of ``_variables.yml`` that ``lang``'s render quotes: the keys of its language
    named by a ``{{< var >}}`` shortcode in one of ``files`` (its :func:`_files`; the pages and
    YAML among them), nested as in the file.

    Quarto hands all of ``_variables.yml`` to every page's Pandoc as metadata, and every Lua filter
    that reads the metadata converts all of it: the language's 1,300 numbers cost each page about a
    second of Pandoc, the 165 its pages quote almost nothing. A key quoted but not defined is left
    out (Quarto shows it as ``?var``; ``python -m helpers check`` names it)."""
    variables = config.ROOT / "_variables.yml"
    if not variables.exists():
        return {}
    numbers = yaml.load(variables.read_text(encoding="utf-8"), Loader=config.SAFE_LOADER) or {}
    keys = {k for f in files if f.suffix in QUOTING for k in VAR.findall(f.read_text(encoding="utf-8"))}
    out: dict = {}
    for key in sorted(k for k in keys if k.split(".")[0] == lang):
        *parents, last = key.split(".")
        value = numbers
        for part in key.split("."):
            value = value.get(part, _MISSING) if isinstance(value, dict) else _MISSING
        if value is _MISSING:
            continue
        target = out
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = value
    return out


def fingerprint(lang: str, quarto_version: str, build: Path | None = None) -> str:
    build = Path(build or config.BUILD_DIR)
    h = hashlib.sha256()
    files = _files(lang, build)
    for f in files:
        h.update(str(f.relative_to(config.ROOT) if f.is_relative_to(config.ROOT) else f).encode() + b"\0")
        h.update(hashlib.sha256(f.read_bytes()).digest())
    h.update(json.dumps(quoted_numbers(lang, files), sort_keys=True, default=str).encode())
    h.update(f"quarto {quarto_version}\0date {int(config.build_date().timestamp())}".encode())
    return h.hexdigest()


def _stamp(lang: str, build: Path) -> Path:
    return layout.render_dir(build) / f"{lang}.json"


def edition(lang: str) -> Path:
    return layout.edition_site(lang)


def is_current(lang: str, key: str, build: Path) -> bool:
    """The last successful render of ``lang`` had these inputs and its edition is still there."""
    try:
        stamp = json.loads(_stamp(lang, build).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return False
    site = edition(lang)
    return (
        stamp.get("key") == key
        and (site / "index.html").exists()
        and any(site.glob("*.pdf"))
        and (site.parent / "index.html").exists()
        and (site.parent / "editions.js").exists()
    )


def rendered(lang: str, build: Path | None = None) -> bool:
    """``lang``'s edition in ``_site/`` was rendered by ``python -m helpers build`` (its stamp)."""
    return _stamp(lang, Path(build or config.BUILD_DIR)).exists() and (edition(lang) / "index.html").exists()


def stale(lang: str, build: Path | None = None) -> str | None:
    """Why ``lang``'s edition in ``_site/`` is older than what it is made from (a chapter, a
    figure, a number edited since, or a render that failed after it), or None when it is current
    or when nothing records what it was rendered from (a plain ``quarto render``)."""
    build = Path(build or config.BUILD_DIR)
    try:
        stamp = json.loads(_stamp(lang, build).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    if "quarto" not in stamp or not (edition(lang) / "index.html").exists():
        return None
    if fingerprint(lang, stamp["quarto"], build) != stamp.get("key"):
        return (
            f"{edition(lang)} is older than the sources it is made from (edited, or a render failed "
            "since); run `python -m helpers build` before publishing it"
        )
    return None


def quarto_version(quarto: str) -> str:
    r = subprocess.run([quarto, "--version"], capture_output=True, text=True)
    if r.returncode != 0:
        raise PipelineError(f"`{quarto} --version` failed (exit {r.returncode})", expected="a working Quarto")
    return r.stdout.strip()


def _workspace(lang: str, build: Path) -> Path:
    """A folder with a copy of every file the language's render reads (:func:`_files`, and its
    numbers of ``_variables.yml`` its files quote), laid out as in the project, for Quarto to render that
    language in.

    Quarto writes a page's output next to its source before moving it into the output folder
    (``index.html``, ``index_files/``, ``site_libs/`` and the book's ``index.typ`` in the project
    root, which both profiles share), and keeps one ``.quarto/`` per project: two profiles cannot
    render in one folder at the same time. In folders of their own they can. Rendering from the
    files the fingerprint hashes also means a file the render reads but the fingerprint misses
    fails the render instead of going unnoticed."""
    root = config.ROOT
    work = _workspace_path(lang, build)
    shutil.rmtree(work, ignore_errors=True)
    files = _files(lang, build)
    for f in files:
        rel = f.relative_to(root) if f.is_relative_to(root) else Path("build") / f.relative_to(build)
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, work / rel)
    if (root / "_variables.yml").exists():
        # the numbers the language's pages quote, no others (:func:`quoted_numbers`)
        (work / "_variables.yml").write_text(
            yaml.dump(quoted_numbers(lang, files), Dumper=SAFE_DUMPER, allow_unicode=True, sort_keys=True),
            encoding="utf-8",
        )
    return work


def check_front_matter(page: Path) -> None:
    """A page's YAML front matter (between its first two ``---`` lines) parses, or one error line
    naming the page and the line of the problem."""
    lines = page.read_text(encoding="utf-8").splitlines()
    if not lines or lines[0].strip() != "---":
        return
    end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() in ("---", "...")), None)
    if end is None:
        raise PipelineError(
            "its front matter is not closed",
            file=page,
            expected="a line of --- after the YAML that opens the page",
        )
    try:
        yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise PipelineError(
            f"its front matter is not valid YAML{where} ({problem})",
            file=page,
            expected="YAML between the page's first two --- lines (quote a title holding ': ' or '[')",
        ) from None


def _workspace_path(lang: str, build: Path) -> Path:
    return layout.render_dir(build) / lang


def _log_path(lang: str, build: Path) -> Path:
    return layout.render_dir(build) / f"{lang}.log"


def die_with_build() -> list[str]:
    """util-linux's ``setpriv --pdeathsig`` before Quarto's command, where it exists: Quarto (its
    launcher execs deno) then ends with the build that started it, ``kill -9`` included, instead of
    rendering on for a minute into the folder the next build uses."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "TERM", "--"] if setpriv else []


def _render_one(quarto: str, lang: str, build: Path, env: dict) -> tuple[int, float]:
    work = _workspace(lang, build)
    t0 = time.perf_counter()
    with open(_log_path(lang, build), "w", encoding="utf-8") as log:
        r = subprocess.run(
            [*die_with_build(), quarto, "render", "--profile", lang],
            cwd=work,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return r.returncode, time.perf_counter() - t0


def render(quarto: str, langs, *, force: bool = False, jobs: int | None = None, log=print) -> list[str]:
    """``quarto render`` every language profile whose inputs changed (all with ``force``).

    The languages render at the same time (up to ``jobs`` at once, default the number of cores),
    each in a folder of its own (:func:`_workspace`); Quarto's output of each is printed when it
    ends and kept in ``build/render/<lang>.log``. The site changes only when every render
    succeeded: then each new edition replaces the old one. When one fails, the site stays as it
    was, all languages included, so it never mixes a new and an old state of one build.
    Returns the languages rendered."""
    from concurrent.futures import ThreadPoolExecutor

    build = config.BUILD_DIR
    version = quarto_version(quarto)
    keys = {lang: fingerprint(lang, version, build) for lang in langs}
    todo = [lang for lang in langs if force or not is_current(lang, keys[lang], build)]
    for lang in langs:
        if lang not in todo:
            log(f"render: {lang} up to date (nothing it is made from changed; --force renders anyway)")
    if not todo:
        return []
    for page in sorted({p for lang in todo for p in _files(lang, build) if p.suffix == ".qmd"}):
        check_front_matter(page)  # Quarto reports a broken front matter as a JavaScript stack trace
    layout.render_dir(build).mkdir(parents=True, exist_ok=True)
    for lang in todo:
        _stamp(lang, build).unlink(missing_ok=True)
    # Typst (the PDF) and the post-render step date their output by SOURCE_DATE_EPOCH: the edition's
    # date, so two renders of the same inputs are identical.
    # The pre-render hook's `prepare` was just run by the build: the hook need not start Python again.
    # Quarto's hooks run in the render's folder: they are told where the project is.
    env = {
        **os.environ,
        "SOURCE_DATE_EPOCH": str(int(config.build_date().timestamp())),
        PREPARED: "1",
        "EWCS_REPORT_ROOT": str(config.ROOT),
        "EWCS_BUILD_DIR": str(build),
    }
    workers = max(1, min(len(todo), jobs or os.cpu_count() or 1))
    log(
        f"render: {', '.join(todo)} "
        f"({'at the same time' if workers > 1 and len(todo) > 1 else 'one after the other'};"
        f" Quarto's output of each follows when it ends)"
    )
    failed = []
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {lang: pool.submit(_render_one, quarto, lang, build, env) for lang in todo}
            for lang, future in futures.items():
                code, seconds = future.result()
                log(_log_path(lang, build).read_text(encoding="utf-8", errors="replace").rstrip())
                log(f"render: {lang} {'done' if code == 0 else f'failed (exit {code})'} in {seconds:.1f} s")
                if code != 0:
                    failed.append(lang)
        if failed:
            lang = failed[0]
            raise PipelineError(
                f"`quarto render --profile {lang}` failed (its output: "
                f"{_log_path(lang, build)}); the previous site was kept",
                file=config.ROOT / f"_quarto-{lang}.yml",
            )
        _publish(todo, build)
    finally:
        for lang in todo:
            shutil.rmtree(_workspace_path(lang, build), ignore_errors=True)
    for lang in todo:
        _stamp(lang, build).write_text(
            json.dumps({"key": keys[lang], "quarto": version}) + "\n", encoding="utf-8"
        )
    return todo


def _publish(langs, build: Path) -> None:
    """Put the editions just rendered into ``_site/`` in place of the old ones, with the landing
    page; when a move fails, the old editions are put back."""
    site = layout.site()
    site.mkdir(exist_ok=True)
    backup = config.ROOT / ".site-previous"
    shutil.rmtree(backup, ignore_errors=True)
    backup.mkdir()
    moved = []
    try:
        for lang in langs:
            if edition(lang).exists():
                shutil.move(edition(lang), backup / lang)
            moved.append(lang)
            shutil.move(_workspace_path(lang, build) / "_site" / lang, edition(lang))
        # the landing page, the missing page, and what stands for the publication's editions.js
        # (helpers.publish.editions)
        for name in ("index.html", "404.html", "editions.js"):
            shutil.copy2(_workspace_path(langs[-1], build) / "_site" / name, site / name)
    except BaseException:
        for lang in moved:
            shutil.rmtree(edition(lang), ignore_errors=True)
            if (backup / lang).exists():
                shutil.move(backup / lang, edition(lang))
        raise
    finally:
        shutil.rmtree(backup, ignore_errors=True)
