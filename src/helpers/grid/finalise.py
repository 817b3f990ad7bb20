"""An executed notebook made publishable: what papermill hands back, ready for Quarto to embed.

A figure cell is one whose output carries the figure protocol's metadata (``schema.OUTPUT_KEY``,
written by ``helpers.notebook.output.publish``): its label, caption and alt text. They become the
cell's Quarto options (``#| label:``, ``#| fig-cap:``, ``#| fig-alt:`` or ``#| tbl-cap:``), the
label as the book cites it (``layout.anchor``: the edition's wave without a suffix, earlier waves
with theirs); papermill's timestamps and per-cell metadata are removed, so two runs of the same
inputs write the same bytes.
"""

from __future__ import annotations

import json
import re

from helpers.core import layout
from helpers.core.errors import PipelineError
from helpers.core.schema import OPTION, OUTPUT_KEY

FIGURE_LABEL = re.compile(r"^(fig|tbl)-[a-z0-9-]*[a-z0-9]$")
# written from the figure's output: a notebook that writes them as well says it twice
WRITTEN_HERE = ("label", "fig-cap", "fig-alt", "tbl-cap")
PAPERMILL_RUN = (
    "start_time",
    "end_time",
    "duration",
    "exception",
    "input_path",
    "output_path",
    "environment_variables",
)


def options(source: str) -> tuple[list[tuple[str, str]], list[str]]:
    """A cell's leading Quarto options (``#| key: value``) and the lines after them."""
    lines = source.splitlines()
    opts = []
    i = 0
    while i < len(lines) and (m := OPTION.match(lines[i])):
        opts.append((m.group(1), m.group(2)))
        i += 1
    return opts, lines[i:]


def _describe(outputs: list) -> str:
    return (
        ", ".join(
            o.get("output_type", "?") + (f" ({o.get('name')})" if o.get("name") else "") for o in outputs
        )
        or "none"
    )


def _figure_cell(cell, index: int, wave: int) -> str | None:
    """Rewrite one figure cell's options from its output; returns its figure's name, or None when
    the figure does not apply to this wave (a note in its place, which nothing embeds)."""
    outs = cell.get("outputs", [])
    info = [o.get("metadata", {}).get(OUTPUT_KEY) for o in outs]
    figure = next(i["label"] for i in info if i)
    if len(outs) != 1:
        raise PipelineError(
            f"cell {index} ({figure}) must output its figure or table and nothing else; "
            f"it has these outputs: {_describe(outs)}"
        )
    meta = info[0]
    if not FIGURE_LABEL.match(figure):
        raise PipelineError(
            f"cell {index} draws a figure labelled {figure!r}",
            expected="a label fig-<name> or tbl-<name> in lower case, digits and dashes",
        )
    opts, body = options(cell.source)
    written = [k for k, _ in opts if k in WRITTEN_HERE]
    if written:
        raise PipelineError(
            f"cell {index} ({figure}) sets {', '.join(written)} itself",
            expected='only the call r.<figure>("' + figure + '", …): the label, caption and '
            "alt text are written from the figure's output",
        )
    outs[0]["metadata"].pop(OUTPUT_KEY)
    kind = figure.split("-", 1)[0]
    new = {"label": layout.anchor(figure, wave), f"{kind}-cap": json.dumps(meta["cap"], ensure_ascii=False)}
    if kind == "fig" and meta["alt"] is not None:
        new["fig-alt"] = json.dumps(meta["alt"], ensure_ascii=False)
    cell.source = "\n".join([f"#| {k}: {v}" for k, v in [*new.items(), *opts]] + body)
    return None if meta.get("absent") else figure


def finalise(nb, wave: int) -> list[str]:
    """Make an executed notebook publishable (in place); returns the figures it holds for ``wave``
    (their names, without the wave: ``layout.anchor`` makes the label)."""
    for key in PAPERMILL_RUN:
        nb.metadata.get("papermill", {}).pop(key, None)
    figures, seen = [], {}
    # cells are numbered as in the notebook the researcher edits: papermill's injected cell is not one
    source = [c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    number = {id(c): i for i, c in enumerate(source)}
    for cell in nb.cells:
        index = number.get(id(cell), -1)
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
        if not cell.metadata.get("tags"):
            # papermill gives every cell an empty tag list; Quarto turns it into an HTML attribute
            # whose place among the others varies from render to render
            cell.metadata.pop("tags", None)
        if cell.cell_type != "code" or not any(
            o.get("metadata", {}).get(OUTPUT_KEY) for o in cell.get("outputs", [])
        ):
            continue
        figure = next(
            o["metadata"][OUTPUT_KEY]["label"] for o in cell.outputs if o.get("metadata", {}).get(OUTPUT_KEY)
        )
        if figure in seen:
            raise PipelineError(
                f"cells {seen[figure]} and {index} both draw {figure}",
                expected="one cell per figure, each with its own label",
            )
        seen[figure] = index
        if (shown := _figure_cell(cell, index, wave)) is not None:
            figures.append(shown)
    return figures
