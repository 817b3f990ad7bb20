"""Where every stage's files are: ``data/processed/`` and every path of ``build/``, in one place.

Functions take the build folder (default ``config.BUILD_DIR``; the tests use temporary ones) and
return paths; nothing here reads or writes a file. The chapters name the project's own build
folder (``project_build``), where Quarto finds the executed notebooks and CSV files.
"""

from __future__ import annotations

import os
from pathlib import Path

from helpers.core import config


def _build(build: Path | None) -> Path:
    return Path(build) if build is not None else config.BUILD_DIR


def project_build() -> Path:
    """The build folder the chapters and the site name (the project's own, whatever the tests use)."""
    return config.ROOT / "build"


# ---------------------------------------------------------------------- data/processed/
def processed(out_dir: Path | None, wave: int) -> dict[str, Path]:
    """A wave's processed files: respondent data (Belgium's; every country's), item non-response
    table, manifest."""
    out = Path(out_dir) if out_dir is not None else config.PROCESSED_DIR
    return {
        "data": out / f"{wave}.parquet",
        "countries": out / f"{wave}.countries.parquet",
        "quality": out / f"{wave}.quality.csv",
        "manifest": out / f"{wave}.json",
    }


# ---------------------------------------------------------------------- build/estimates/
def estimates(build: Path | None = None) -> Path:
    return _build(build) / "estimates"


# ---------------------------------------------------------------------- the grid
def executed(build: Path | None, wave: int, lang: str, theme: str) -> Path:
    return _build(build) / "executed" / str(wave) / lang / f"{theme}.ipynb"


def executed_stamp(build: Path | None, wave: int, lang: str, theme: str) -> Path:
    """The job's key and the figures its executed notebook holds."""
    return executed(build, wave, lang, theme).with_suffix(".json")


def executed_files(
    build: Path | None, lang: str = "*", theme: str = "*", suffix: str = "ipynb"
) -> list[Path]:
    """Every wave's executed notebooks (``suffix="json"``: their stamps) of a language and theme."""
    return sorted(_build(build).glob(f"executed/*/{lang}/{theme}.{suffix}"))


def wave_of(executed_file: Path) -> int:
    """The wave of an executed notebook or stamp (``executed/<wave>/<lang>/<theme>.*``)."""
    return int(Path(executed_file).parts[-3])


def tables(build: Path | None, wave: int, lang: str, theme: str) -> Path:
    return _build(build) / "tables" / str(wave) / lang / theme


def figure_csv(build: Path | None, wave: int, lang: str, theme: str, figure: str) -> Path:
    """The numbers behind a figure of a wave (its name carries the wave in every edition)."""
    return tables(build, wave, lang, theme) / f"{figure}-{wave}.csv"


def table_files(build: Path | None, lang: str = "*") -> list[Path]:
    """Every file the notebooks wrote into ``build/tables/`` for a language."""
    return sorted(p for p in _build(build).glob(f"tables/*/{lang}/**/*") if p.is_file())


def notebook_outputs(build: Path | None = None) -> list[Path]:
    """What the book is made from of the notebooks' outputs: the grid's stamps (which figures each
    executed notebook holds) and every theme's cube, changes and sample facts."""
    t = _build(build) / "tables"
    return sorted(
        [
            *executed_files(build, suffix="json"),
            *t.glob("*/*/*/estimates-*.csv"),
            *t.glob("*/*/*/sample-*.json"),
            *t.glob("*/*/*/changes-*.csv"),
        ]
    )


def anchor(figure: str, wave: int) -> str:
    """A figure's label in the book: the edition's wave cites it as it is (``fig-burnout-trend``),
    an earlier wave with its wave (``fig-burnout-trend-2021``), so the next edition needs no
    chapter edit and one book can embed every wave."""
    return figure if int(wave) == config.edition_wave() else f"{figure}-{wave}"


# ---------------------------------------------------------------------- the book's inputs
def store_dir(build: Path | None = None) -> Path:
    return _build(build) / "store"


def store_path(build: Path | None, lang: str) -> Path:
    return store_dir(build) / lang / "estimates.csv"


def changes_path(build: Path | None, lang: str) -> Path:
    return store_dir(build) / lang / "changes.csv"


def europe_path(build: Path | None, lang: str) -> Path:
    """Each EU27 member state's and the EU27's estimates (helpers.estimate.europe), labelled."""
    return store_dir(build) / lang / "europe.csv"


def europe_belgium_path(build: Path | None, lang: str) -> Path:
    """Belgium and its regions against the EU27, labelled."""
    return store_dir(build) / lang / "europe-belgium.csv"


def sources_path(build: Path | None, lang: str) -> Path:
    """Every published value of the other sources, labelled (the explorer's download)."""
    return store_dir(build) / lang / "sources.csv"


def samples_path(build: Path | None = None) -> Path:
    return store_dir(build) / "samples.json"


def quarto_dir(build: Path | None, lang: str) -> Path:
    """What the pre-render step writes for a language's chapters to include."""
    return _build(build) / "quarto" / lang


def provenance_path(build: Path | None = None) -> Path:
    return _build(build) / "quarto" / "provenance.json"


def inputs_stamp(build: Path | None = None) -> Path:
    return _build(build) / "quarto" / "inputs.json"


def variables_path(build: Path | None = None) -> Path:
    """Where the quoted numbers go: ``_variables.yml`` at the project root, where Quarto reads it,
    for the project's own build folder; beside the build for any other (the tests' temporary one),
    so a test never rewrites the numbers of the report being edited."""
    build = _build(build)
    if build.resolve() == project_build().resolve():
        return config.ROOT / "_variables.yml"
    return build / "quarto" / "_variables.yml"


# ---------------------------------------------------------------------- the render
def render_dir(build: Path | None = None) -> Path:
    """The render's stamps (``<lang>.json``), logs (``<lang>.log``) and workspaces (``<lang>/``)."""
    return _build(build) / "render"


def preview_site(build: Path | None, lang: str) -> Path:
    """``python -m helpers preview``'s website of ``lang`` (beside it ``<lang>.json``, what its pages
    were rendered from); ``_site/`` stays the build's."""
    return _build(build) / "preview" / lang


def site() -> Path:
    return config.ROOT / "_site"


def edition_site(lang: str) -> Path:
    return site() / lang


def chapter_dir(lang: str) -> Path:
    return config.ROOT / "chapters" / lang


def chapter_rel(target: Path, lang: str) -> str:
    """Path of ``target`` as a chapter of ``lang`` writes it (chapters/<lang>/ is the base)."""
    return os.path.relpath(target, chapter_dir(lang)).replace(os.sep, "/")
