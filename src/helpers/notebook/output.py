"""How a figure cell's output reaches the book: the protocol between a notebook and the grid.

A figure method displays its figure (SVG) or table (Markdown) as the cell's only output, with its
label, caption and alt text in the output's metadata under ``schema.OUTPUT_KEY``, and writes the
numbers behind it to ``<tables_dir>/<label>-<wave>.csv`` (``helpers.core.layout.figure_csv``); a
figure of the edition's wave also as ``.svg`` and ``.png`` beside it, which the book offers for
download (``helpers.book.downloads``). The grid (``helpers.grid.finalise``) moves label, caption
and alt text into the cell's Quarto options of the executed copy, so a notebook writes a figure's
label once: as the method's argument.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pandas as pd

from helpers.core import config
from helpers.core.i18n import t
from helpers.core.schema import OUTPUT_KEY


def resolve(path, default: Path | None) -> Path | None:
    """A notebook's path parameter: relative paths run from the repository root; None is ``default``."""
    if path is None:
        return default
    p = Path(path)
    return p if p.is_absolute() else config.ROOT / p


def publish(
    label: str,
    wave: int,
    tables_dir: Path | None,
    *,
    fig=None,
    markdown: str | None = None,
    cap: str,
    alt: str | None,
    table: pd.DataFrame | None,
) -> None:
    """Display a figure (a matplotlib figure, shown as SVG) or table as the cell's only output, with
    its label, caption and alt text in the output's metadata (the grid moves them into the cell's
    options); write its CSV. Run by hand (no ``tables_dir``), the caption follows as a second
    output, for the researcher's eyes. Without a table the output is a note that the figure does
    not apply to this wave: the grid leaves it out of the wave's figures (nothing embeds it)."""
    svg = png = None
    if fig is not None:
        from helpers.notebook import figures

        # the edition's figures are offered for download as images too (earlier waves' are
        # reached through the explorer): drawn once more as PNG before the SVG closes the figure,
        # both cut to the box measured once
        bbox = figures.box(fig)
        edition = tables_dir is not None and wave == config.edition_wave()
        png = figures.to_png(fig, bbox=bbox) if edition else None
        svg = figures.to_svg(fig, bbox=bbox)
    if tables_dir is not None and table is not None:
        tables_dir.mkdir(parents=True, exist_ok=True)
        table.to_csv(tables_dir / f"{label}-{wave}.csv", index=False, encoding="utf-8", lineterminator="\n")
        if svg is not None and png is not None:
            (tables_dir / f"{label}-{wave}.svg").write_text(svg, encoding="utf-8")
            (tables_dir / f"{label}-{wave}.png").write_bytes(png)
    meta = {OUTPUT_KEY: {"label": label, "cap": cap, "alt": alt, "absent": table is None}}
    from IPython.display import SVG, Markdown, display

    if svg is not None:
        display(SVG(data=svg), metadata=meta)
    else:
        display(Markdown(markdown), metadata=meta)
    if tables_dir is None:
        # run by hand (JupyterLab, nbval): the caption the report gives it, under the figure; the
        # grid passes tables_dir, and its executed copy keeps the figure as the cell's only output
        display(Markdown(f"*{label}*: {cap}"))


def drawn(label: str, wave: int, lang: str, tables_dir: Path | None) -> bool:
    """Whether a figure is drawn: the grid (``tables_dir`` given) draws the edition's figures only,
    the ones the chapters show; an earlier wave's numbers reach readers through the store (trends,
    explorer, open data), which its notebook still feeds. For another wave a note takes the
    figure's place, and nothing embeds it. Run by hand, a notebook draws any wave's figures."""
    if tables_dir is None or wave == config.edition_wave():
        return True
    note = t(lang, "notes.edition_only", wave=config.edition_wave())
    publish(label, wave, tables_dir, markdown=note, cap=note, alt=note, table=None)
    return False


def edition_only(method):
    """A figure method of a notebook's context (``self.wave``, ``self.lang``, ``self.tables_dir``)
    that draws only where :func:`drawn` says so."""

    @functools.wraps(method)
    def figure(self, label: str, *args, **kwargs):
        if drawn(label, self.wave, self.lang, self.tables_dir):
            return method(self, label, *args, **kwargs)
        return None

    return figure


def metadata_of(output: dict) -> dict | None:
    """The label, caption and alt text a figure cell's output carries."""
    m = (output.get("metadata") or {}).get(OUTPUT_KEY)
    return json.loads(json.dumps(m)) if m else None
