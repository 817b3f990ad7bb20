"""Figures as a reader sees them: what a figure draws is not hidden under its own legend."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from helpers.notebook import figures


def _series(years, values, third=()):
    return pd.DataFrame(
        {"year": years, "value": values, "measure": "m", "third_party": [y in third for y in years]}
    )


@pytest.mark.parametrize("band", [False, True])
def test_the_legend_of_published_series_covers_no_point(band):
    """The RIZIV figure of the incapacity chapter: a series that rises to the top right, three long
    names (two lines each), the survey's years as bands; the legend once hid its last points."""
    figures.style()
    lines = [
        {
            "label": "Personen in invaliditeit, alle oorzaken (langdurige arbeidsongeschiktheid)",
            "data": _series(
                [2014, 2017, 2018, 2020, 2022, 2023], [345, 405, 428, 470, 505, 527], third={2014, 2020}
            ),
        },
        {
            "label": "Personen in invaliditeit door psychische stoornissen volgens het RIZIV",
            "data": _series([2020, 2022], [170, 185]),
        },
        {
            "label": "Personen in invaliditeit door depressie of burn-out op 31 december",
            "data": _series([2016, 2020, 2022, 2023], [80, 112, 127, 137]),
        },
    ]
    fig = figures.source_lines(
        lines,
        ylabel="personen",
        yformat=lambda y: f"{y:,.0f}",
        notes=["Open symbool: cijfer van de bron zoals overgenomen door derden."],
        bands=[2015, 2021] if band else [],
        band_label="Jaren van de enquête" if band else None,
    )
    fig.canvas.draw()
    legend = fig.legends[0] if fig.legends else fig.axes[0].get_legend()
    box = legend.get_window_extent()
    ax = fig.axes[0]
    points = np.vstack([c.get_offsets() for c in ax.collections if len(c.get_offsets())])
    shown = ax.transData.transform(points)
    inside = [
        tuple(p) for p, s in zip(points, shown) if box.x0 <= s[0] <= box.x1 and box.y0 <= s[1] <= box.y1
    ]
    assert len(points) == 12 and not inside, f"the legend covers {inside}"
    plt.close(fig)
