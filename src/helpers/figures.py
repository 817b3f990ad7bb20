"""Figures in the report's house style (seaborn/matplotlib), one function per kind of figure.

The functions take tidy estimate tables (helpers.estimate) whose labels are already translated
and return a matplotlib Figure; they never compute statistics. Suppressed estimates are absent,
low-reliability ones are hatched and starred. Colours come from the Okabe-Ito colour-blind-safe
set, restricted to those with at least 3:1 contrast on white.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.rcParams["svg.hashsalt"] = "ewcs-report"  # reproducible output if SVG is ever used
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

# Okabe & Ito (2008), restricted to colours with >= 3:1 contrast on white (WCAG 2.1, 1.4.11).
BLUE, VERMILLION, GREEN, INK, GREY = "#0072B2", "#D55E00", "#007A5E", "#1A1A1A", "#6E6E6E"
SERIES = [BLUE, VERMILLION, GREEN, INK]
RISK_CMAP = "rocket_r"  # perceptually uniform, readable with colour-vision deficiencies
DPI = 150
WIDTH = 7.2  # inches: the text width of the PDF


def contrast_ratio(colour: str, background: str = "#FFFFFF") -> float:
    """WCAG 2.1 contrast ratio between two colours."""

    def luminance(c):
        rgb = np.array(matplotlib.colors.to_rgb(c))
        lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
        return float(lin @ [0.2126, 0.7152, 0.0722])

    a, b = sorted([luminance(colour), luminance(background)], reverse=True)
    return (a + 0.05) / (b + 0.05)


def style() -> None:
    sns.set_theme(context="notebook", style="whitegrid", palette=SERIES, font="DejaVu Sans",
                  rc={"axes.spines.top": False, "axes.spines.right": False, "axes.titlesize": 11,
                      "axes.titleweight": "bold", "axes.labelsize": 10, "xtick.labelsize": 9,
                      "ytick.labelsize": 9, "legend.fontsize": 9, "figure.dpi": DPI,
                      "axes.edgecolor": GREY, "grid.color": "#DDDDDD", "text.color": INK,
                      "axes.labelcolor": INK, "xtick.color": INK, "ytick.color": INK})


def to_png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _footnote(fig, lines: list[str]) -> None:
    text = "\n".join(x for x in lines if x)
    if text:
        fig.text(0.0, -0.02, text, ha="left", va="top", fontsize=8, color=GREY, wrap=True,
                 transform=fig.transFigure)


def _star(label: str, flag: str) -> str:
    return f"{label} *" if flag == "low_reliability" else label


def dot_plot(t: pd.DataFrame, *, xlabel: str, notes: list[str], xmax: float = 100) -> plt.Figure:
    """Estimates (rows of ``t`` with label, estimate, ci_low, ci_high, flag) as dots with CIs."""
    t = t.dropna(subset=["estimate"]).sort_values("estimate", ascending=True)
    fig, ax = plt.subplots(figsize=(WIDTH, 0.42 * len(t) + 1.2))
    y = np.arange(len(t))
    low = (t["flag"] == "low_reliability").to_numpy()
    ax.errorbar(t["estimate"], y, xerr=[t["estimate"] - t["ci_low"], t["ci_high"] - t["estimate"]],
                fmt="none", ecolor=GREY, elinewidth=1.2, capsize=3)
    ax.scatter(t["estimate"][~low], y[~low], s=60, color=BLUE, zorder=3)
    ax.scatter(t["estimate"][low], y[low], s=60, facecolor="white", edgecolor=BLUE, linewidth=1.5, zorder=3)
    ax.set_yticks(y, [_star(a, f) for a, f in zip(t["label"], t["flag"])])
    ax.set_xlim(0, max(xmax, float(t["ci_high"].max() if len(t) else 0) * 1.05))
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", visible=False)
    _footnote(fig, notes)
    return fig


def bar_plot(t: pd.DataFrame, *, total: float | None, total_label: str, xlabel: str,
             notes: list[str]) -> plt.Figure:
    """Groups as horizontal bars, highest first, with CIs and the whole-sample value as a line."""
    t = t.dropna(subset=["estimate"]).sort_values("estimate", ascending=True)
    fig, ax = plt.subplots(figsize=(WIDTH, 0.38 * len(t) + 1.3))
    y = np.arange(len(t))
    low = (t["flag"] == "low_reliability").to_numpy()
    bars = ax.barh(y, t["estimate"], color=BLUE, height=0.65)
    for bar, is_low in zip(bars, low):
        if is_low:
            bar.set_facecolor("white")
            bar.set_edgecolor(BLUE)
            bar.set_hatch("///")
    ax.errorbar(t["estimate"], y, xerr=[t["estimate"] - t["ci_low"], t["ci_high"] - t["estimate"]],
                fmt="none", ecolor=INK, elinewidth=1, capsize=2.5)
    if total is not None and not np.isnan(total):
        ax.axvline(total, color=VERMILLION, linestyle="--", linewidth=1.5, label=total_label)
        ax.legend(loc="lower right", frameon=True)
    ax.set_yticks(y, [_star(a, f) for a, f in zip(t["label"], t["flag"])])
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", visible=False)
    _footnote(fig, notes)
    return fig


def risk_map(values: pd.DataFrame, risk_sign: pd.Series, text: pd.DataFrame, notes: list[str]) -> plt.Figure:
    """Indicators (rows) by groups (columns): the printed value, coloured by relative risk.

    Colour is each row's values scaled to its own range (reversed where a high value is good),
    so a dark cell is a group at more risk than the others on that indicator.
    """
    keep = values.notna().any(axis=0)  # groups suppressed on every indicator are left out
    values, text = values.loc[:, keep], text.loc[:, keep]
    lo, hi = values.min(axis=1), values.max(axis=1)
    rel = values.sub(lo, axis=0).div((hi - lo).replace(0, np.nan), axis=0)
    high_is_risk = np.broadcast_to((risk_sign.reindex(values.index).fillna(1).to_numpy() > 0)[:, None], rel.shape)
    rel = rel.where(high_is_risk, 1 - rel)
    fig, ax = plt.subplots(figsize=(max(WIDTH, 1.05 * values.shape[1] + 3), 0.5 * len(values) + 2.2))
    sns.heatmap(rel.astype(float), ax=ax, cmap=RISK_CMAP, vmin=0, vmax=1, cbar=False, linewidths=1,
                linecolor="white", annot=text.to_numpy(), fmt="", annot_kws={"fontsize": 8.5})
    ax.xaxis.tick_top()
    ax.set_xticklabels(ax.get_xticklabels(), rotation=35, ha="left")
    ax.set_ylabel("")
    ax.set_xlabel("")
    ax.tick_params(length=0)
    ax.grid(False)
    _footnote(fig, notes)
    return fig


def trend_panels(panels: list[dict], *, notes: list[str], waves: list[int]) -> plt.Figure:
    """Small multiples, one per indicator: estimates over comparable waves with CIs.

    Each panel: title, ylabel, frame with wave, estimate, ci_low, ci_high, mode_change. Segments
    touching a mode-change wave are dashed and its marker hollow.
    """
    cols = min(3, max(1, len(panels)))
    rows = int(np.ceil(len(panels) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(WIDTH, 2.3 * rows + 0.6), squeeze=False, sharex=True)
    for ax, p in zip(axes.flat, panels):
        d = p["data"].dropna(subset=["estimate"]).sort_values("wave")
        x, e = d["wave"].to_numpy(), d["estimate"].to_numpy()
        mode = d["mode_change"].to_numpy(dtype=bool)
        ax.fill_between(x, d["ci_low"], d["ci_high"], color=BLUE, alpha=0.15, linewidth=0)
        for i in range(len(x) - 1):
            ax.plot(x[i:i + 2], e[i:i + 2], color=BLUE, linewidth=2,
                    linestyle="--" if (mode[i] or mode[i + 1]) else "-")
        ax.scatter(x[~mode], e[~mode], color=BLUE, s=30, zorder=3)
        ax.scatter(x[mode], e[mode], facecolor="white", edgecolor=VERMILLION, s=45, linewidth=1.8, zorder=3)
        ax.set_title(p["title"], loc="left", fontsize=9.5, wrap=True)
        ax.set_ylabel(p["ylabel"], fontsize=8)
        top = float(np.nanmax(d["ci_high"])) if len(d) else 1
        ax.set_ylim(0, max(10.0, top * 1.15))
        ax.set_xticks(waves, [str(w) for w in waves])
        ax.set_xlim(min(waves) - 1.5, max(waves) + 1.5)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    fig.tight_layout()
    _footnote(fig, notes)
    return fig


def grouped_bars(t: pd.DataFrame, *, hue_order: list[str], xlabel: str, notes: list[str],
                 highlight: str | None = None) -> plt.Figure:
    """Indicators (rows, label) by wave (hue, column `hue`) as grouped horizontal bars."""
    fig, ax = plt.subplots(figsize=(WIDTH, 0.55 * t["label"].nunique() * max(1, len(hue_order)) / 2 + 1.5))
    palette = {h: (VERMILLION if h == highlight else c) for h, c in zip(hue_order, [GREY, BLUE, GREEN, INK])}
    sns.barplot(t, y="label", x="estimate", hue="hue", hue_order=hue_order, palette=palette, ax=ax,
                errorbar=None, orient="h")
    for container, h in zip(ax.containers, hue_order):
        sub = t[t["hue"] == h].set_index("label")
        for bar, label in zip(container, [tl.get_text() for tl in ax.get_yticklabels()]):
            if label in sub.index and sub.loc[label, "flag"] == "low_reliability":
                bar.set_hatch("///")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    ax.legend(title="", loc="lower right")
    ax.grid(axis="y", visible=False)
    _footnote(fig, notes)
    return fig


# markers of a change: shape and fill carry the meaning, colour only repeats it
CHANGE_MARKS = {"rose": ("^", VERMILLION, True), "fell": ("v", BLUE, True), "": ("o", GREY, False)}


def change_panels(panels: list[dict], *, notes: list[str]) -> plt.Figure:
    """Groups ranked by their change between two waves, one panel per indicator, with intervals.

    Each panel: title, xlabel, frame with label, change, ci_low, ci_high, flag, risk_change
    ("rose", "fell" or ""). Groups are ranked by the change in the direction of risk (the
    largest rise in risk on top); a significant rise is a filled triangle pointing up and its
    label is bold, a significant fall a filled triangle pointing down, no significant change an
    open circle; a low-reliability change is starred."""
    cols = 1 if len(panels) == 1 else 2
    rows = int(np.ceil(len(panels) / cols))
    height = max(len(p["data"]) for p in panels) * 0.3 + 1.1
    fig, axes = plt.subplots(rows, cols, figsize=(WIDTH, height * rows + 0.5), squeeze=False)
    for ax, p in zip(axes.flat, panels):
        d = p["data"].dropna(subset=["change"]).sort_values("rank", ascending=True)
        y = np.arange(len(d))
        ax.axvline(0, color=INK, linewidth=1)
        ax.hlines(y, d["ci_low"], d["ci_high"], color=GREY, linewidth=1.4)
        for key, (marker, colour, filled) in CHANGE_MARKS.items():
            sel = (d["risk_change"] == key).to_numpy()
            ax.scatter(d["change"][sel], y[sel], marker=marker, s=48, zorder=3, linewidth=1.5,
                       facecolor=colour if filled else "white", edgecolor=colour)
        ax.set_yticks(y, [_star(a, f) for a, f in zip(d["label"], d["flag"])], fontsize=8.5)
        for tick, key in zip(ax.get_yticklabels(), d["risk_change"]):
            if key == "rose":
                tick.set_fontweight("bold")
        ax.set_title(p["title"], loc="left", fontsize=9.5, wrap=True)
        ax.set_xlabel(p["xlabel"], fontsize=8)
        ax.grid(axis="y", visible=False)
        span = float(np.nanmax(np.abs(d[["ci_low", "ci_high"]].to_numpy()))) if len(d) else 1.0
        ax.set_xlim(-span * 1.1, span * 1.1)
        ax.set_ylim(-0.7, max(len(d), 1) - 0.3)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    fig.tight_layout()
    _footnote(fig, notes)
    return fig
