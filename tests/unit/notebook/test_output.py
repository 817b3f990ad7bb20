"""A figure cell's output: its only output for the grid; with its caption beside it when a
researcher runs the notebook by hand (JupyterLab, nbval)."""

from __future__ import annotations

import re

import IPython.display
import matplotlib.pyplot as plt
import pandas as pd

from helpers.core.schema import OUTPUT_KEY
from helpers.notebook import output


def _outputs(monkeypatch, tables_dir, wave=2024) -> list:
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: shown.append((obj, kw)))
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.bar([0, 1], [20, 30])
    output.publish(
        "fig-burnout-key",
        wave,
        tables_dir,
        fig=fig,
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


def test_a_figure_of_the_edition_wave_is_also_written_as_svg_and_png(monkeypatch, tmp_path):
    shown = _outputs(monkeypatch, tmp_path)
    svg = (tmp_path / "fig-burnout-key-2024.svg").read_text(encoding="utf-8")
    # the file readers download is the figure the page shows (IPython re-serialises what it shows)
    ids = lambda text: re.findall(r'\bid="([^"]+)"', text)  # noqa: E731
    assert ids(svg) == ids(shown[0][0].data) and len(ids(svg)) > 3
    assert (tmp_path / "fig-burnout-key-2024.png").read_bytes().startswith(b"\x89PNG\r\n")


def test_an_earlier_wave_s_figure_is_not_drawn_again_as_png(monkeypatch, tmp_path):
    _outputs(monkeypatch, tmp_path, wave=2015)
    assert (tmp_path / "fig-burnout-key-2015.csv").exists()
    assert not (tmp_path / "fig-burnout-key-2015.png").exists()
    assert not (tmp_path / "fig-burnout-key-2015.svg").exists()


def test_a_researcher_sees_the_caption_under_the_figure(monkeypatch):
    shown = _outputs(monkeypatch, None)
    assert len(shown) == 2 and isinstance(shown[0][0], IPython.display.SVG)
    caption = shown[1][0]
    assert isinstance(caption, IPython.display.Markdown)
    assert caption.data == "*fig-burnout-key*: Burn-out: kernindicatoren, 2024"
