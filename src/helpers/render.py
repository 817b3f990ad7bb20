"""Rendering the book: ``quarto render`` for every language profile (``python -m helpers build``).

A language is rendered only when something its edition is made from changed since its last
successful render (``build/render/<lang>.json`` keeps the fingerprint): the project's Quarto files,
the language's chapters, the shared styles and assets, the language's share of ``_variables.yml``,
what the pre-render step wrote for it (figure blocks, tables, cover, colophon, store), its executed
notebooks and CSV files, the Python code Quarto runs (pre- and post-render), the settings and
catalogues, the edition's date and the Quarto version. ``--force`` renders anyway.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import yaml

from helpers import config
from helpers.errors import PipelineError

STAMPS = "render"  # build/render/<lang>.json
PREPARED = "HELPERS_PREPARED"  # set for Quarto's pre-render hook when the build has just prepared


def _files(lang: str, build: Path) -> list[Path]:
    """Every file a language's render reads (besides _variables.yml, hashed by its language's part)."""
    root = config.ROOT
    groups = [
        [root / "_quarto.yml", root / f"_quarto-{lang}.yml", root / "index.qmd"],
        (root / "chapters" / lang).rglob("*"),
        [p for p in (root / "chapters").iterdir() if p.is_file()],
        (root / "assets").rglob("*"),
        (root / "src" / "helpers").glob("*.py"),
        (config.DATA / "i18n").glob("*.yaml"),
        [config.DATA / "settings.yaml"],
        (build / "quarto" / lang).rglob("*"),
        [build / "quarto" / "provenance.json"],
        (build / "store" / lang).rglob("*"),
        build.glob(f"executed/*/{lang}/*.ipynb"),
        build.glob(f"tables/*/{lang}/**/*"),
    ]
    return sorted({p for g in groups for p in g if p.is_file()})


def fingerprint(lang: str, quarto_version: str, build: Path | None = None) -> str:
    build = Path(build or config.BUILD_DIR)
    h = hashlib.sha256()
    for f in _files(lang, build):
        h.update(str(f.relative_to(config.ROOT) if f.is_relative_to(config.ROOT) else f).encode() + b"\0")
        h.update(hashlib.sha256(f.read_bytes()).digest())
    variables = config.ROOT / "_variables.yml"
    if variables.exists():
        numbers = yaml.safe_load(variables.read_text(encoding="utf-8")) or {}
        h.update(json.dumps(numbers.get(lang), sort_keys=True, default=str).encode())
    h.update(f"quarto {quarto_version}\0date {int(config.build_date().timestamp())}".encode())
    return h.hexdigest()


def _stamp(lang: str, build: Path) -> Path:
    return build / STAMPS / f"{lang}.json"


def edition(lang: str) -> Path:
    return config.ROOT / "_site" / lang


def is_current(lang: str, key: str, build: Path) -> bool:
    """The last successful render of ``lang`` had these inputs and its edition is still there."""
    try:
        stamp = json.loads(_stamp(lang, build).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return False
    site = edition(lang)
    return (stamp.get("key") == key and (site / "index.html").exists() and any(site.glob("*.pdf"))
            and (site.parent / "index.html").exists())


def quarto_version(quarto: str) -> str:
    r = subprocess.run([quarto, "--version"], capture_output=True, text=True)
    if r.returncode != 0:
        raise PipelineError(f"`{quarto} --version` failed (exit {r.returncode})", expected="a working Quarto")
    return r.stdout.strip()


def render(quarto: str, langs, *, force: bool = False, log=print) -> list[str]:
    """``quarto render`` every language profile whose inputs changed (all with ``force``).

    Returns the languages rendered. When a render fails, every edition rendered in this call is put
    back as it was, so the site never mixes a new and an old state of one build."""
    build = config.BUILD_DIR
    version = quarto_version(quarto)
    keys = {lang: fingerprint(lang, version, build) for lang in langs}
    todo = [lang for lang in langs if force or not is_current(lang, keys[lang], build)]
    for lang in langs:
        if lang not in todo:
            log(f"render: {lang} up to date (nothing it is made from changed; --force renders anyway)")
    if not todo:
        return []
    backup = config.ROOT / ".site-previous"
    shutil.rmtree(backup, ignore_errors=True)
    backup.mkdir()
    site = config.ROOT / "_site"
    for lang in todo:
        if edition(lang).exists():
            os.replace(edition(lang), backup / lang)
    if (site / "index.html").exists():
        shutil.copy2(site / "index.html", backup / "index.html")
    # Typst (the PDF) and the post-render step date their output by SOURCE_DATE_EPOCH: the edition's
    # date, so two renders of the same inputs are identical
    # The pre-render hook's `prepare` was just run by the build: the hook need not start Python again.
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(int(config.build_date().timestamp())), PREPARED: "1"}
    try:
        for lang in todo:
            _stamp(lang, build).unlink(missing_ok=True)
            log(f"render: {lang}")
            r = subprocess.run([quarto, "render", "--profile", lang], cwd=config.ROOT, env=env)
            if r.returncode != 0:
                raise PipelineError(f"`quarto render --profile {lang}` failed (exit {r.returncode}); "
                                    "the previous site was kept", file=config.ROOT / f"_quarto-{lang}.yml")
    except BaseException:
        for lang in todo:
            shutil.rmtree(edition(lang), ignore_errors=True)
            if (backup / lang).exists():
                os.replace(backup / lang, edition(lang))
        if (backup / "index.html").exists():
            os.replace(backup / "index.html", site / "index.html")
        shutil.rmtree(backup, ignore_errors=True)
        raise
    shutil.rmtree(backup, ignore_errors=True)
    for lang in todo:
        stamp = _stamp(lang, build)
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(json.dumps({"key": keys[lang]}) + "\n", encoding="utf-8")
    return todo
