"""Figures in the report's house style (seaborn/matplotlib), one function per kind of figure.

The functions take tidy estimate tables (helpers.estimate) whose labels are already translated
and return a matplotlib Figure; they never compute statistics. Suppressed estimates are absent,
low-reliability ones are hatched and starred. Colours come from the Okabe-Ito colour-blind-safe
set, restricted to those with at least 3:1 contrast on white.

Figures are published as SVG with their text kept as text, in the pages' typeface (Source Sans 3,
vendored as TTF in assets/vendor/): sharp at any zoom, searchable, and the same letters as the
page. An SVG shown by an ``<img>`` cannot use the page's fonts, so each figure carries the glyphs
it uses as a small embedded font subset (:func:`to_svg`); Typst, which draws the PDF's figures,
finds the same family in the TTFs (``font-paths`` in _quarto.yml).
"""

from __future__ import annotations

import base64
import functools
import html
import io
import math
import re
import textwrap
from pathlib import Path

import matplotlib

matplotlib.rcParams["svg.hashsalt"] = "ewcs-report"  # the same ids in every build
matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from fontTools import subset as ft_subset  # noqa: E402
from fontTools.ttLib import TTFont  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.textpath import text_to_path  # noqa: E402

from helpers.core import config  # noqa: E402

# Okabe & Ito (2008), restricted to colours with >= 3:1 contrast on white (WCAG 2.1, 1.4.11).
BLUE, VERMILLION, GREEN, INK, GREY = "#0072B2", "#D55E00", "#007A5E", "#1A1A1A", "#6E6E6E"
SERIES = [BLUE, VERMILLION, GREEN, INK]
RISK_CMAP = "rocket_r"  # perceptually uniform, readable with colour-vision deficiencies
DPI = 150
# Drawn for a phone first: 4.5 in, and 4.66 in with the SVG's margins (447 px), shown 339 px wide
# in a 390 px screen keeps text of TEXT pt at least 11 px (TEXT * 4/3 * 339/447 = 11.1 px)
WIDTH = 4.5  # inches
NOTE_WIDTH = 0.97  # of the figure's width, a note's lines: a PNG's letters run a little wider
TEXT = 11  # points: the smallest text of a figure (tick labels, notes, values in cells)
PHONE_FRAME = 339  # px: the figure's frame in a 390 px wide screen (Quarto's page padding)
MAX_HEIGHT = (
    8.2  # inches: a figure and its notes (about 1 in more) fit the PDF's text area (A4, 2.4 cm margins)
)
FONT = "Source Sans 3"
MAX_PRINTED_COLUMNS = 5  # a risk map prints its values up to this many indicators
AXIS_WRAP = 40  # characters of an axis title on one line (under the plot, not the labels)
LABEL_WRAP = 26  # characters of a group name on one line (it shares the width with the plot)
FONT_DIR = config.ROOT / "assets" / "vendor" / "source-sans-3-ttf-0.4.1"
# the TTF of each (weight, style) a figure can use
FONT_FILES = {
    ("normal", "normal"): "SourceSans3_400Regular.ttf",
    ("normal", "italic"): "SourceSans3_400Regular_Italic.ttf",
    ("bold", "normal"): "SourceSans3_700Bold.ttf",
    ("bold", "italic"): "SourceSans3_700Bold_Italic.ttf",
}


def contrast_ratio(colour: str, background: str = "#FFFFFF") -> float:
    """WCAG 2.1 contrast ratio between two colours."""

    def luminance(c):
        rgb = np.array(matplotlib.colors.to_rgb(c))
        lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
        return float(lin @ [0.2126, 0.7152, 0.0722])

    a, b = sorted([luminance(colour), luminance(background)], reverse=True)
    return (a + 0.05) / (b + 0.05)


def register_fonts() -> None:
    """Make the vendored Source Sans 3 known to matplotlib (it lays text out with its metrics)."""
    known = {Path(f.fname).name for f in font_manager.fontManager.ttflist}
    for name in FONT_FILES.values():
        if name not in known:
            font_manager.fontManager.addfont(str(FONT_DIR / name))


def style() -> None:
    register_fonts()
    sns.set_theme(
        context="notebook",
        style="whitegrid",
        palette=SERIES,
        font=FONT,
        rc={
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titlesize": TEXT + 1,
            "axes.titleweight": "bold",
            "axes.labelsize": TEXT,
            "xtick.labelsize": TEXT,
            "ytick.labelsize": TEXT,
            "legend.fontsize": TEXT,
            "figure.dpi": DPI,
            "axes.edgecolor": GREY,
            "grid.color": "#DDDDDD",
            "text.color": INK,
            "axes.labelcolor": INK,
            "xtick.color": INK,
            "ytick.color": INK,
            "svg.fonttype": "none",
            "svg.hashsalt": "ewcs-report",
            # labels, titles and legends inside the figure's width: a long group name
            # must not widen the figure (the page and the PDF would shrink it, text and all)
            "figure.constrained_layout.use": True,
        },
    )


SVG_TEXT = re.compile(r"<text\b([^>]*)>([^<]*)</text>")


LAYOUT_TABLES = ("GPOS", "GSUB", "GDEF", "BASE")


@functools.cache
def _without_layout(weight: str, slant: str) -> bytes:
    """The font file of one weight and style without its layout tables, once per process: the
    subsetter reads the layout tables it is asked to drop (about two thirds of its time), so they
    are dropped before. Saved with the file's own timestamp, so the subsets are the same bytes."""
    font = TTFont(FONT_DIR / FONT_FILES[(weight, slant)], recalcTimestamp=False)
    for tag in LAYOUT_TABLES:
        if tag in font:
            del font[tag]
    buf = io.BytesIO()
    font.save(buf)
    font.close()
    return buf.getvalue()


@functools.lru_cache(maxsize=512)
def _woff(weight: str, slant: str, chars: str) -> str:
    """Base64 WOFF of Source Sans 3 in one weight and style, with just ``chars``. Without its
    layout tables: matplotlib placed the text without kerning (the font has no legacy kern table),
    so the browser, without them too, sets each line at the width the layout measured. Cached: a
    worker's kernel draws the same labels for many figures."""
    options = ft_subset.Options()
    options.flavor = "woff"
    options.layout_features = []
    options.drop_tables += list(LAYOUT_TABLES)
    options.name_IDs = [0, 1, 2]  # copyright, family, style: the OFL asks the notice to stay
    font = ft_subset.load_font(io.BytesIO(_without_layout(weight, slant)), options)
    sub = ft_subset.Subsetter(options)
    sub.populate(text=chars)
    sub.subset(font)
    buf = io.BytesIO()
    ft_subset.save_font(font, buf, options)
    font.close()
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _font_face(svg: str) -> str:
    """@font-face rules carrying, for each weight and style the SVG's text uses, a subset of
    Source Sans 3 with just its characters (WOFF, a few kB each)."""
    used: dict[tuple[str, str], set[str]] = {}
    for attrs, text in SVG_TEXT.findall(svg):
        weight = "bold" if re.search(r"font-weight:\s*(bold|[6-9]00)", attrs) else "normal"
        slant = "italic" if re.search(r"font-style:\s*(italic|oblique)", attrs) else "normal"
        used.setdefault((weight, slant), set()).update(html.unescape(text))
    return "".join(
        f"@font-face{{font-family:'{FONT}';font-weight:{700 if weight == 'bold' else 400};"
        f"font-style:{slant};src:url(data:font/woff;base64,"
        f"{_woff(weight, slant, ''.join(sorted(chars | {' '})))}) "
        "format('woff')}"
        for (weight, slant), chars in sorted(used.items())
    )


PAD = 0.08  # inches of white round all a figure draws, in both images


def _no_layout():
    """A figure set to no layout engine stays so, in this context: the style's rcParams would
    otherwise make None mean its constrained layout (also when ``savefig`` puts the engine back)."""
    return matplotlib.rc_context({"figure.constrained_layout.use": False, "figure.autolayout": False})


def box(fig):
    """The part of the page a figure's images keep (inches): all it draws, labels and legends
    reaching past the axes included, with PAD round it. Measured once, after its layout is fixed:
    ``bbox_inches="tight"`` would draw the whole figure once more in every ``savefig`` to measure
    it, a third of the time spent saving the PNG and the SVG; and both images show the same."""
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
        # saving must not move what was measured: no layout engine at all ("none" keeps a placeholder,
        # for which savefig draws the figure once more)
        with _no_layout():
            fig.set_layout_engine(None)
    return fig.get_tightbbox(fig.canvas.get_renderer()).padded(PAD)


def to_png(fig, dpi: int = 150, bbox=None) -> bytes:
    """The figure as a PNG image (for readers who download it, and for a page's preview image);
    the same bytes in every build. ``bbox``: :func:`box`, measured here when not given. Leaves the
    figure open (:func:`to_svg` closes it)."""
    from PIL import Image

    buf = io.BytesIO()
    with _no_layout():
        fig.savefig(
            buf,
            format="png",
            dpi=dpi,
            bbox_inches=bbox if bbox is not None else box(fig),
            facecolor="white",
            metadata={"Software": None},
            pil_kwargs={"compress_level": 0},  # read back at once: compressed once, below
        )
    # on white (a dark viewer shows no transparent background behind dark text), in a palette of
    # 256 colours: a third of the bytes, no visible loss for flat charts. Fast octree and zlib's
    # default level: about 10 ms a figure; median cut with the smallest zlib output took 90 ms for
    # 40% more bytes (benchmarks/README.md)
    image = Image.open(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    image.convert("RGB").quantize(
        colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    ).save(out, format="PNG", compress_level=6)
    return out.getvalue()


def to_svg(fig, bbox=None) -> str:
    """The figure as SVG text: text as text, its glyphs embedded, no date (reproducible).
    ``bbox``: :func:`box`, measured here when not given. Closes the figure."""
    bbox = bbox if bbox is not None else box(fig)
    buf = io.StringIO()
    with _no_layout():
        fig.savefig(buf, format="svg", bbox_inches=bbox, metadata={"Date": None})
    plt.close(fig)
    svg = buf.getvalue()
    faces = _font_face(svg)
    if faces:
        svg = (
            svg.replace("<defs>", f"<defs>\n  <style>{faces}</style>", 1)
            if "<defs>" in svg
            else re.sub(r"(<svg\b[^>]*>)", rf"\1\n <defs><style>{faces}</style></defs>", svg, count=1)
        )
    return svg


def wrap(text: str, prop, width: float) -> str:
    """``text`` broken into lines no wider than ``width`` points, as matplotlib's ``wrap=True`` breaks
    a text that starts at the figure's left edge: greedily, between words, each line measured as
    the SVG is written (Source Sans 3's metrics, in points). Done once here, because matplotlib
    wraps again at every draw and every measure of the figure, measuring the line anew for each
    word; for the notes under a figure that was a quarter of the time spent writing its SVG. The
    notes repeat from figure to figure: each paragraph is wrapped once per process."""
    return "\n".join(_wrap_paragraph(paragraph, prop.copy(), width) for paragraph in text.split("\n"))


@functools.lru_cache(maxsize=1024)
def _wrap_paragraph(paragraph: str, prop, width: float) -> str:
    measure = lambda line: math.ceil(text_to_path.get_text_width_height_descent(line, prop, ismath=False)[0])  # noqa: E731
    # a word wider than the line (a web address) may break after a slash or a hyphen
    tokens: list[tuple[str, str]] = []  # (text, what joins it to the one before)
    for i, word in enumerate(paragraph.split(" ")):
        pieces = re.split(r"(?<=[/-])(?=.)", word) if measure(word) > width else [word]
        tokens += [(piece, " " if j == 0 and i > 0 else "") for j, piece in enumerate(pieces)]
    lines, line = [], tokens[0][0]
    for text, joint in tokens[1:]:
        longer = f"{line}{joint}{text}"
        if measure(longer) > width:
            lines.append(line)
            line = text
        else:
            line = longer
    lines.append(line)
    return "\n".join(lines)


def _fit_width(fig, renderer) -> None:
    """Lay the figure out (its layout engine) so that all it draws, labels and legends that reach
    past the axes included, is WIDTH wide: the page shows it at that width, and its smallest text
    then keeps its size on a phone (the SVG is saved to what it draws, ``bbox_inches="tight"``)."""
    engine = fig.get_layout_engine()
    for _ in range(3):
        if engine is not None:
            engine.execute(fig)  # place the axes first, then measure
        drawn = fig.get_tightbbox(renderer).width  # inches
        if engine is None or drawn <= WIDTH * 1.005:
            return
        fig.set_figwidth(fig.get_figwidth() - (drawn - WIDTH))


def _footnote(fig, lines: list[str]) -> None:
    """Notes under the figure, below everything already drawn (tick labels, axis titles, legends),
    so they never run into them; wrapped to the figure's width."""
    text = "\n".join(x for x in lines if x)
    if not text:
        return
    renderer = fig.canvas.get_renderer()
    _fit_width(fig, renderer)
    bottom = fig.get_tightbbox(renderer).transformed(fig.dpi_scale_trans).y0  # pixels
    y = (bottom - 0.08 * fig.dpi) / (fig.get_figheight() * fig.dpi)
    note = fig.text(0.0, y, text, ha="left", va="top", fontsize=TEXT, color=GREY, transform=fig.transFigure)
    note.set_text(wrap(text, note.get_fontproperties(), fig.get_figwidth() * 72 * NOTE_WIDTH))
    # Keep the layout the note was measured against: laid out again (by :func:`box`, with another
    # renderer's metrics) the axes could move off the note's reference.
    fig.set_layout_engine("none")


def _row(labels, minimum: float) -> float:
    """The height (inches) of a row of a figure whose rows are named by ``labels`` (wrapped to
    LABEL_WRAP): at least ``minimum``, and room for the longest name's lines."""
    lines = max([1 + textwrap.fill(str(x), LABEL_WRAP).count("\n") for x in labels] or [1])
    return max(minimum, 0.19 * lines + 0.12)


def _star(label: str, flag: str) -> str:
    return f"{label} *" if flag == "low_reliability" else label


def dot_plot(t: pd.DataFrame, *, xlabel: str, notes: list[str], xmax: float = 100) -> plt.Figure:
    """Estimates (rows of ``t`` with label, estimate, ci_low, ci_high, flag) as dots with CIs."""
    t = t.dropna(subset=["estimate"]).sort_values("estimate", ascending=True)
    fig, ax = plt.subplots(figsize=(WIDTH, _row(t["label"], 0.42) * len(t) + 1.2))
    y = np.arange(len(t))
    low = (t["flag"] == "low_reliability").to_numpy()
    ax.errorbar(
        t["estimate"],
        y,
        xerr=[t["estimate"] - t["ci_low"], t["ci_high"] - t["estimate"]],
        fmt="none",
        ecolor=GREY,
        elinewidth=1.2,
        capsize=3,
    )
    ax.scatter(t["estimate"][~low], y[~low], s=60, color=BLUE, zorder=3)
    ax.scatter(t["estimate"][low], y[low], s=60, facecolor="white", edgecolor=BLUE, linewidth=1.5, zorder=3)
    ax.set_yticks(y, [textwrap.fill(_star(a, f), LABEL_WRAP) for a, f in zip(t["label"], t["flag"])])
    ax.set_xlim(0, max(xmax, float(t["ci_high"].max() if len(t) else 0) * 1.05))
    ax.set_xlabel(textwrap.fill(xlabel, AXIS_WRAP))
    ax.grid(axis="y", visible=False)
    _footnote(fig, notes)
    return fig


def bar_plot(
    t: pd.DataFrame, *, total: float | None, total_label: str, xlabel: str, notes: list[str]
) -> plt.Figure:
    """Groups as horizontal bars, highest first, with CIs and the whole-sample value as a line."""
    t = t.dropna(subset=["estimate"]).sort_values("estimate", ascending=True)
    fig, ax = plt.subplots(figsize=(WIDTH, _row(t["label"], 0.38) * len(t) + 1.3))
    y = np.arange(len(t))
    low = (t["flag"] == "low_reliability").to_numpy()
    bars = ax.barh(y, t["estimate"], color=BLUE, height=0.65)
    for bar, is_low in zip(bars, low):
        if is_low:
            bar.set_facecolor("white")
            bar.set_edgecolor(BLUE)
            bar.set_hatch("///")
    ax.errorbar(
        t["estimate"],
        y,
        xerr=[t["estimate"] - t["ci_low"], t["ci_high"] - t["estimate"]],
        fmt="none",
        ecolor=INK,
        elinewidth=1,
        capsize=2.5,
    )
    if total is not None and not np.isnan(total):
        ax.axvline(total, color=VERMILLION, linestyle="--", linewidth=1.5, label=total_label)
        # above the bars, never over them
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False, borderaxespad=0.2)
    ax.set_yticks(y, [textwrap.fill(_star(a, f), LABEL_WRAP) for a, f in zip(t["label"], t["flag"])])
    ax.set_xlabel(textwrap.fill(xlabel, AXIS_WRAP))
    ax.grid(axis="y", visible=False)
    _footnote(fig, notes)
    return fig


def risk_map(
    values: pd.DataFrame,
    risk_sign: pd.Series,
    text: pd.DataFrame,
    notes: list[str],
    *,
    sections: list[tuple[str, int]] | None = None,
    scale: tuple[str, str] = ("", ""),
    values_note: str = "",
) -> plt.Figure:
    """Groups (rows) by indicators (columns): the printed value, coloured by relative risk.

    Colour is each column's values scaled to its own range (reversed where a high value is good),
    so a dark cell is a group at more risk than the others on that indicator. ``sections`` (name,
    number of rows) heads each breakdown's rows with its name. Columns are keyed with a letter,
    their indicator named in the key under the map (a name over a narrow column would have to turn
    on its side); ``scale`` names the colour bar's two ends.
    """
    keep = values.notna().any(axis=1)  # groups suppressed on every indicator are left out
    lo, hi = values.min(axis=0), values.max(axis=0)
    rel = values.sub(lo, axis=1).div((hi - lo).replace(0, np.nan), axis=1)
    high_is_risk = np.broadcast_to(
        (risk_sign.reindex(values.columns).fillna(1).to_numpy() > 0)[None, :], rel.shape
    )
    rel = rel.where(high_is_risk, 1 - rel)
    rows: list[tuple[str, bool]] = []  # (label, is a heading)
    cells, printed = [], []
    blank = [np.nan] * values.shape[1]
    start = 0
    for name, count in sections or [("", len(values))]:
        block = [i for i in range(start, start + count) if keep.iloc[i]]
        start += count
        if not block:
            continue
        if name:
            rows.append((name, True))
            cells.append(blank)
            printed.append([""] * values.shape[1])
        for i in block:
            rows.append((textwrap.fill(str(values.index[i]), LABEL_WRAP + 6), False))
            cells.append(list(rel.iloc[i]))
            printed.append(list(text.iloc[i]))
    grid = pd.DataFrame(cells, columns=values.columns)
    row = 0.42 if any("\n" in r for r, _ in rows) else 0.27  # a name on two lines needs the room
    fig, ax = plt.subplots(figsize=(WIDTH, row * len(rows) + 1.3))
    # a value ("44%*") needs about 0.4 in at TEXT pt: beyond five columns the cells only carry
    # colour (the values are in the figure's table and its CSV)
    if values.shape[1] > MAX_PRINTED_COLUMNS:
        printed = [[""] * values.shape[1] for _ in printed]
    mesh = _heatmap(ax, grid.astype(float), np.array(printed, dtype=object), fontsize=TEXT)
    ax.xaxis.tick_top()
    ax.set_xticklabels([_key(k) for k in range(values.shape[1])], fontweight="bold")
    ax.set_yticklabels([r for r, _ in rows], rotation=0, va="center", linespacing=0.85)
    for tick, (_, heading) in zip(ax.get_yticklabels(), rows):
        if heading:
            tick.set_fontweight("bold")
    ax.tick_params(length=0)
    ax.grid(False)
    bar = fig.colorbar(mesh, ax=ax, orientation="horizontal", fraction=0.04, pad=0.02, aspect=30)
    bar.set_ticks([0, 1], labels=list(scale))
    bar.ax.tick_params(length=0)
    bar.outline.set_visible(False)
    key = ["; ".join(f"{_key(k)}\u00a0{c}" for k, c in enumerate(values.columns)) + "."]
    _footnote(fig, [*key, *notes, *([values_note] if values.shape[1] > MAX_PRINTED_COLUMNS else [])])
    return fig


def _key(k: int) -> str:
    """A risk map's column key: one letter (two digits would not fit a narrow column)."""
    return chr(ord("A") + k)


def _heatmap(ax, rel: pd.DataFrame, text, fontsize: float):
    """``rel`` as coloured cells with ``text`` printed in them: seaborn's heatmap as the risk map
    uses it (white lines between cells, no cell or text where ``rel`` is missing, dark text on light
    cells and white on dark ones), without the draw of the whole figure seaborn makes to see whether
    tick labels overlap, which the risk map then sets itself (that draw was about 6% of a worker's time)."""
    data = np.ma.masked_invalid(rel.to_numpy())
    mesh = ax.pcolormesh(data, cmap=RISK_CMAP, vmin=0, vmax=1, linewidths=1, edgecolor="white")
    ax.set(xlim=(0, data.shape[1]), ylim=(0, data.shape[0]))
    ax.invert_yaxis()
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set(xticks=np.arange(data.shape[1]) + 0.5, yticks=np.arange(data.shape[0]) + 0.5)
    mesh.update_scalarmappable()
    ys, xs = np.meshgrid(np.arange(data.shape[0]) + 0.5, np.arange(data.shape[1]) + 0.5, indexing="ij")
    for x, y, m, colour, label in zip(
        xs.flat, ys.flat, data.flat, mesh.get_facecolors(), np.asarray(text).flat
    ):
        if m is not np.ma.masked:
            ink = ".15" if sns.utils.relative_luminance(colour) > 0.408 else "w"
            ax.text(x, y, f"{label}", color=ink, ha="center", va="center", fontsize=fontsize)
    return mesh


def trend_panels(panels: list[dict], *, notes: list[str], waves: list[int]) -> plt.Figure:
    """Small multiples, one per indicator: estimates over comparable waves with CIs.

    Each panel: title, ylabel, frame with wave, estimate, ci_low, ci_high, mode_change. Segments
    touching a mode-change wave are dashed and its marker hollow.
    """
    # two panels a row, three when there are many (the figure must fit a PDF page); the wave
    # labels of 2021 and 2024 stay apart at 10 pt in both
    cols = min(2, max(1, len(panels)))
    rows = int(np.ceil(len(panels) / cols))
    panel_height = min(2.3, (MAX_HEIGHT - 1.0) / rows)
    units = {p["ylabel"] for p in panels}
    fig, axes = plt.subplots(
        rows, cols, figsize=(WIDTH, panel_height * rows + 0.6), squeeze=False, sharex=True
    )
    for i_panel, (ax, p) in enumerate(zip(axes.flat, panels)):
        d = p["data"].dropna(subset=["estimate"]).sort_values("wave")
        x, e = d["wave"].to_numpy(), d["estimate"].to_numpy()
        mode = d["mode_change"].to_numpy(dtype=bool)
        ax.fill_between(x, d["ci_low"], d["ci_high"], color=BLUE, alpha=0.15, linewidth=0)
        for i in range(len(x) - 1):
            ax.plot(
                x[i : i + 2],
                e[i : i + 2],
                color=BLUE,
                linewidth=2,
                linestyle="--" if (mode[i] or mode[i + 1]) else "-",
            )
        ax.scatter(x[~mode], e[~mode], color=BLUE, s=30, zorder=3)
        ax.scatter(x[mode], e[mode], facecolor="white", edgecolor=VERMILLION, s=45, linewidth=1.8, zorder=3)
        # a title wider than its panel would run into the next one's
        ax.set_title(textwrap.fill(p["title"], 22 if cols == 2 else 44), loc="left", fontsize=TEXT)
        # the unit once for the figure when every panel has it; else beside each panel that is
        # tall enough for it, or in the panel's title
        if len(units) > 1 and panel_height >= 1.6:
            ax.set_ylabel(textwrap.fill(p["ylabel"], 18), fontsize=TEXT)
        elif len(units) > 1:
            ax.set_title(textwrap.fill(f"{p['title']} ({p['ylabel']})", 22 if cols == 2 else 44), loc="left")
        top = float(np.nanmax(d["ci_high"])) if len(d) else 1
        ax.set_ylim(0, max(10.0, top * 1.15))
        # two panels a row leave 2021 and 2024 too close for four digits at TEXT pt
        ax.set_xticks(waves, [str(w) if cols == 1 else f"\u2019{w % 100:02d}" for w in waves], fontsize=TEXT)
        ax.set_xlim(min(waves) - 0.8, max(waves) + 0.8)
    if len(units) == 1:
        fig.supylabel(next(iter(units)), fontsize=TEXT)
    for i_panel, ax in enumerate(axes.flat):
        if i_panel >= len(panels):
            ax.set_visible(False)
        elif i_panel + cols >= len(panels):  # nothing drawn below it: it carries the waves
            ax.xaxis.set_tick_params(labelbottom=True)
    _footnote(fig, notes)
    return fig


# the neighbours' marks in a Europe figure, in the order of report.europe.neighbours
NEIGHBOUR_MARKERS = ["s", "^", "D", "v", "P", "X"]
RANGE = "#C8C8C8"  # the member states' range: a band behind the marks (the ticks on it carry 3:1)


def europe_strip(
    rows: list[dict],
    *,
    xlabel: str,
    legend: dict,
    neighbours: list[tuple[str, str]],
    notes: list[str],
) -> plt.Figure:
    """One row per indicator: the member states' range (a band, a tick per state), the neighbours
    (a hollow mark each), the EU27 (a bar) and Belgium (a dot with its interval, hollow when of low
    reliability); right of each row, what may be said of Belgium against the EU27.

    ``rows``: dicts with label, states (member states' estimates, Belgium's excluded), eu27, be,
    be_low, be_high, be_flag, neighbours ({code: estimate}) and word. ``legend``: the names of
    belgium, eu27 and range; ``neighbours``: (code, name) pairs (the notes say what the words mean)."""
    from matplotlib.lines import Line2D

    n = len(rows)
    fig, ax = plt.subplots(figsize=(WIDTH, _row([r["label"] for r in rows], 0.6) * n + 1.9))
    y = np.arange(n)[::-1]  # the first indicator on top
    top = 10.0
    for yi, r in zip(y, rows):
        states = np.asarray([v for v in r["states"] if not np.isnan(v)], dtype=float)
        if len(states):
            ax.plot(
                [states.min(), states.max()],
                [yi, yi],
                color=RANGE,
                linewidth=9,
                solid_capstyle="butt",
                zorder=1,
            )
            ax.scatter(states, np.full(len(states), yi), marker="|", s=90, color=GREY, linewidth=1, zorder=2)
            top = max(top, float(states.max()))
        for (code, _), marker in zip(neighbours, NEIGHBOUR_MARKERS):
            v = r["neighbours"].get(code, np.nan)
            if not np.isnan(v):
                ax.scatter(
                    v,
                    yi + 0.22,
                    marker=marker,
                    s=34,
                    facecolor="white",
                    edgecolor=INK,
                    linewidth=1.1,
                    zorder=3,
                )
        if not np.isnan(r["eu27"]):
            ax.scatter(r["eu27"], yi, marker="|", s=420, color=INK, linewidth=2.6, zorder=4)
        if not np.isnan(r["be"]):
            low = r["be_flag"] == "low_reliability"
            ax.plot([r["be_low"], r["be_high"]], [yi - 0.22, yi - 0.22], color=VERMILLION, linewidth=1.8)
            ax.scatter(
                r["be"],
                yi - 0.22,
                s=55,
                facecolor="white" if low else VERMILLION,
                edgecolor=VERMILLION,
                linewidth=1.6,
                zorder=5,
            )
            top = max(top, float(r["be_high"]))
    ax.set_yticks(y, [textwrap.fill(_star(r["label"], r["be_flag"]), LABEL_WRAP) for r in rows])
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlim(0, min(100.0, math.ceil(top * 1.05 / 10) * 10))
    ax.set_xlabel(textwrap.fill(xlabel, AXIS_WRAP))
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)
    words = ax.twinx()  # what may be said of Belgium, in a column of its own right of the plot
    words.set_ylim(ax.get_ylim())
    words.set_yticks(y, [r["word"] for r in rows], fontweight="bold")
    words.tick_params(length=0)
    words.grid(False)
    words.spines[["top", "right", "left"]].set_visible(False)
    handles = [
        Line2D([], [], marker="o", color=VERMILLION, markersize=7, linewidth=1.8, label=legend["belgium"]),
        Line2D(
            [],
            [],
            marker="|",
            color=INK,
            markersize=14,
            markeredgewidth=2.6,
            linestyle="",
            label=legend["eu27"],
        ),
        Line2D([], [], color=RANGE, linewidth=9, label=legend["range"]),
        *[
            Line2D(
                [], [], marker=m, color=INK, markerfacecolor="white", linestyle="", markersize=6, label=name
            )
            for (_, name), m in zip(neighbours, NEIGHBOUR_MARKERS)
        ],
    ]
    # over the whole figure's width, above the plot: beside long labels the axes would be too narrow
    fig.legend(
        handles=handles,
        loc="outside upper left",
        ncol=2,
        frameon=False,
        borderaxespad=0.2,
        handlelength=1.6,
        columnspacing=1.0,
    )
    _footnote(fig, notes)
    return fig


def grouped_bars(
    t: pd.DataFrame, *, hue_order: list[str], xlabel: str, notes: list[str], highlight: str | None = None
) -> plt.Figure:
    """Indicators (rows, label) by wave (hue, column `hue`) as grouped horizontal bars."""
    fig, ax = plt.subplots(figsize=(WIDTH, 0.55 * t["label"].nunique() * max(1, len(hue_order)) / 2 + 1.5))
    palette = {h: (VERMILLION if h == highlight else c) for h, c in zip(hue_order, [GREY, BLUE, GREEN, INK])}
    sns.barplot(
        t,
        y="label",
        x="estimate",
        hue="hue",
        hue_order=hue_order,
        palette=palette,
        ax=ax,
        errorbar=None,
        orient="h",
    )
    for container, h in zip(ax.containers, hue_order):
        sub = t[t["hue"] == h].set_index("label")
        for bar, label in zip(container, [tl.get_text() for tl in ax.get_yticklabels()]):
            if label in sub.index and sub.loc[label, "flag"] == "low_reliability":
                bar.set_hatch("///")
    ticks = [textwrap.fill(label.get_text(), LABEL_WRAP) for label in ax.get_yticklabels()]
    ax.set_yticks(ax.get_yticks(), ticks, linespacing=0.9)
    ax.set_xlabel(textwrap.fill(xlabel, AXIS_WRAP))
    ax.set_ylabel("")
    # above the plot at the figure's left edge, in the layout (never over the bars)
    handles, labels = ax.get_legend_handles_labels()
    ax.get_legend().remove()
    fig.legend(handles, labels, loc="outside upper left", frameon=False, ncols=len(hue_order))
    ax.grid(axis="y", visible=False)
    _footnote(fig, notes)
    return fig


# markers of a change: shape and fill carry the meaning, colour only repeats it
# (a significant difference across the 2021 change of survey mode: a diamond, neither up nor down)
CHANGE_MARKS = {
    "rose": ("^", VERMILLION, True),
    "fell": ("v", BLUE, True),
    "different_mode": ("D", INK, True),
    "": ("o", GREY, False),
}


def change_panels(panels: list[dict], *, notes: list[str]) -> plt.Figure:
    """Groups ranked by their change between two waves, one panel per comparison, with intervals.

    Each panel: title, xlabel, frame with label, change, ci_low, ci_high, flag, risk_change
    ("rose", "fell", "different_mode" or ""). Groups are ranked by the change in the direction of
    risk (the largest rise in risk on top); a significant rise is a filled triangle pointing up and
    its label is bold, a significant fall a filled triangle pointing down, a significant difference
    across the 2021 change of mode a filled diamond, no significant change an open circle; a
    low-reliability change is starred."""
    # one panel a row (a phone's width holds one with its group names), each as tall as its labels
    labels = [
        [textwrap.fill(_star(a, f), LABEL_WRAP + 4) for a, f in zip(p["data"]["label"], p["data"]["flag"])]
        for p in panels
    ]
    heights = [len(ls) * (0.19 * max([1 + x.count("\n") for x in ls] or [1]) + 0.14) + 0.9 for ls in labels]
    fig, axes = plt.subplots(
        len(panels),
        1,
        figsize=(WIDTH, sum(heights) + 0.3),
        squeeze=False,
        gridspec_kw={"height_ratios": heights},
    )
    values = np.concatenate([p["data"][["ci_low", "ci_high"]].to_numpy(dtype=float).ravel() for p in panels])
    values = values[~np.isnan(values)]
    lo, hi = (min(0.0, values.min()), max(0.0, values.max())) if len(values) else (-1.0, 1.0)
    pad = 0.08 * (hi - lo or 1.0)
    for ax, p in zip(axes.flat, panels):
        d = p["data"].dropna(subset=["change"]).sort_values("rank", ascending=True)
        y = np.arange(len(d))
        ax.axvline(0, color=INK, linewidth=1)
        ax.hlines(y, d["ci_low"], d["ci_high"], color=GREY, linewidth=1.4)
        for key, (marker, colour, filled) in CHANGE_MARKS.items():
            sel = (d["risk_change"] == key).to_numpy()
            ax.scatter(
                d["change"][sel],
                y[sel],
                marker=marker,
                s=48,
                zorder=3,
                linewidth=1.5,
                facecolor=colour if filled else "white",
                edgecolor=colour,
            )
        ticks = [textwrap.fill(_star(a, f), LABEL_WRAP + 4) for a, f in zip(d["label"], d["flag"])]
        ax.set_yticks(y, ticks, fontsize=TEXT, linespacing=0.85)
        for tick, key in zip(ax.get_yticklabels(), d["risk_change"]):
            if key == "rose":
                tick.set_fontweight("bold")
        ax.set_title(textwrap.fill(p["title"], 30), loc="left", fontsize=TEXT)
        ax.set_xlabel(textwrap.fill(p["xlabel"], AXIS_WRAP), fontsize=TEXT)
        ax.grid(axis="y", visible=False)
        ax.set_xlim(lo - pad, hi + pad)  # one scale for every panel, zero always in view
        ax.set_ylim(-0.7, max(len(d), 1) - 0.3)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    _footnote(fig, notes)
    return fig


# ---------------------------------------------------------------------- published figures of other sources
BAND = "#E3EEF7"  # the survey's years behind a yearly series


def segment_style(x0, x1, m0, m1, breaks) -> str | None:
    """How two neighbouring points of a series are joined: not at all across a break or a change of
    measure, dotted across years without a published value, solid between consecutive years."""
    if m0 != m1 or any(x0 < b <= x1 for b in breaks):
        return None
    return "-" if x1 - x0 == 1 else ":"


def source_lines(
    lines: list[dict],
    *,
    ylabel: str,
    yformat,
    notes: list[str],
    breaks: list[int] = (),
    bands: list[int] = (),
    band_label: str | None = None,
) -> plt.Figure:
    """Published yearly values (other sources), one line each: ``lines`` holds label and data
    (year, value, measure, third_party). A value taken from a third party is an open marker; a
    break is a vertical line, and no line joins its two sides; a line across years without a value
    is dotted (nothing is interpolated: only the published points carry values). ``bands`` marks the
    survey's years behind the series. The legend stands above the plot, where it covers no point."""
    names = [ln["label"] for ln in lines] + ([band_label] if band_label and bands else [])
    names = [textwrap.fill(x, 44) for x in names]
    rows = sum(x.count("\n") + 1 for x in names)
    fig, ax = plt.subplots(figsize=(WIDTH, 3.0 + 0.22 * rows))
    years = [y for ln in lines for y in ln["data"]["year"]]
    for w in bands:
        if min(years) - 1 <= w <= max(years) + 1:
            ax.axvspan(w - 0.4, w + 0.4, color=BAND, linewidth=0, zorder=0)
    for b in breaks:
        ax.axvline(b - 0.5, color=GREY, linewidth=1.2, linestyle=(0, (4, 3)), zorder=1)
    markers = ["o", "s", "D", "^"]
    for i, ln in enumerate(lines):
        d = ln["data"].sort_values("year")
        colour, marker = SERIES[i % len(SERIES)], markers[i % len(markers)]
        x, v, m = d["year"].to_numpy(), d["value"].to_numpy(), d["measure"].to_numpy()
        third = d["third_party"].to_numpy(dtype=bool)
        for j in range(len(x) - 1):
            style = segment_style(x[j], x[j + 1], m[j], m[j + 1], breaks)
            if style:
                ax.plot(
                    x[j : j + 2],
                    v[j : j + 2],
                    color=colour,
                    linewidth=2 if style == "-" else 1.4,
                    linestyle=style,
                    zorder=2,
                )
        ax.scatter(x[~third], v[~third], color=colour, marker=marker, s=36, zorder=3)
        ax.scatter(
            x[third],
            v[third],
            facecolor="white",
            edgecolor=colour,
            marker=marker,
            s=40,
            linewidth=1.6,
            zorder=3,
        )
        ax.plot([], [], color=colour, marker=marker, linewidth=2, label=ln["label"])
    handles, _ = ax.get_legend_handles_labels()
    if band_label and bands:
        handles.append(matplotlib.patches.Patch(color=BAND, label=band_label))
    fig.legend(handles, names, loc="outside upper left", frameon=False, fontsize=TEXT)
    top = max(float(ln["data"]["value"].max()) for ln in lines)
    ax.set_ylim(0, top * 1.1)
    ax.yaxis.set_major_formatter(lambda y, _: yformat(y))
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, nbins=10))
    shown = [*years, *(w for w in bands if min(years) - 1 <= w <= max(years) + 1)]
    ax.set_xlim(min(shown) - 0.8, max(shown) + 0.8)
    ax.set_ylabel(ylabel)
    ax.grid(axis="x", visible=False)
    _footnote(fig, notes)
    return fig


def source_bars(
    t: pd.DataFrame, *, hue_order: list[str], xlabel: str, xformat, notes: list[str]
) -> plt.Figure:
    """Published values (other sources) as horizontal bars: rows ``label``, bars ``hue`` (a year or
    a measure), values written at the end of each bar; a value taken from a third party is a
    hatched bar."""
    labels = list(dict.fromkeys(t["label"]))
    n_hue = max(1, len(hue_order))
    height = 0.8 / n_hue
    fig, ax = plt.subplots(
        figsize=(
            WIDTH,
            min(MAX_HEIGHT - 0.4, max(_row(labels, 0.35), 0.3 * n_hue + 0.05) * len(labels) + 1.4),
        )
    )
    top = float(t["value"].max())
    handles = []
    for k, h in enumerate(hue_order):
        colour = SERIES[k % len(SERIES)]
        sub = t[t["hue"] == h].set_index("label")
        for i, lab in enumerate(labels):
            if lab not in sub.index:
                continue
            row = sub.loc[lab]
            y = i + (k - (n_hue - 1) / 2) * height
            third = bool(row["third_party"])
            ax.barh(
                y,
                row["value"],
                height=height * 0.9,
                color="white" if third else colour,
                edgecolor=colour,
                hatch="///" if third else None,
                linewidth=1.2,
            )
            ax.text(
                row["value"] + top * 0.01, y, xformat(row["value"]), va="center", fontsize=TEXT, color=INK
            )
        handles.append(matplotlib.patches.Patch(facecolor=colour, edgecolor=colour, label=h))
    ax.set_yticks(
        range(len(labels)), [textwrap.fill(x, LABEL_WRAP) for x in labels], fontsize=TEXT, linespacing=0.9
    )
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.18)
    ax.xaxis.set_major_formatter(lambda x, _: xformat(x))
    ax.set_xlabel(textwrap.fill(xlabel, AXIS_WRAP))
    ax.grid(axis="y", visible=False)
    if n_hue > 1:
        fig.legend(handles=handles, loc="outside upper left", frameon=False, fontsize=TEXT)
    _footnote(fig, notes)
    return fig
