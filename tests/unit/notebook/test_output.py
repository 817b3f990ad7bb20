"""A figure cell's output: its only output for the grid; with its caption beside it when a
researcher runs the notebook by hand (JupyterLab, nbval)."""

from __future__ import annotations

import IPython.display
import pandas as pd

from helpers.core.schema import OUTPUT_KEY
from helpers.notebook import output


def _outputs(monkeypatch, tables_dir) -> list:
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: shown.append((obj, kw)))
    output.publish(
        "fig-burnout-key",
        2024,
        tables_dir,
        svg="<svg xmlns='http://www.w3.org/2000/svg'></svg>",
        cap="Burn-out: kernindicatoren, 2024",
        alt="Puntgrafiek",
        table=pd.DataFrame({"x": [1]}),
    )
    return shown


def test_the_grid_gets_the_figure_alone(monkeypatch, tmp_path):
    shown = _outputs(monkeypatch, tmp_path)
    assert len(shown) == 1 and isinstance(shown[0][0], IPython.display.SVG)
    assert shown[0][1]["metadata"][OUTPUT_KEY]["cap"] == "Burn-out: kernindicatoren, 2024"
    assert (tmp_path / "fig-burnout-key-2024.csv").exists()


def test_a_researcher_sees_the_caption_under_the_figure(monkeypatch):
    shown = _outputs(monkeypatch, None)
    assert len(shown) == 2 and isinstance(shown[0][0], IPython.display.SVG)
    caption = shown[1][0]
    assert isinstance(caption, IPython.display.Markdown)
    assert caption.data == "*fig-burnout-key*: Burn-out: kernindicatoren, 2024"
