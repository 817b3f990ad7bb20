"""The files one stage writes and another reads: their names, columns and codes.

The notebooks write a theme's cube, changes and sample facts for each wave; the book assembles
them into the estimates store; the grid reads the figure cells' output metadata. These names are
the contract between those stages, kept here so that no stage imports another to learn them (the
book's pre-render step never loads matplotlib to read a column name).
"""

from __future__ import annotations

import json
import re

# the group of all workers: breakdown and group of an estimate for everyone
TOTAL = "total"
# an estimate's disclosure flag
FLAG_OK, FLAG_LOW, FLAG_SUPPRESSED = "ok", "low_reliability", "suppressed"
# a change's ``risk_change``: a significant change in the indicator's direction of risk, or against it;
# a significant difference across the 2021 change of survey mode is never called either
ROSE, FELL, MODE_DIFFERENT = "rose", "fell", "different_mode"

# the report's country: its ISO code in data/codebook/countries.yaml (the files' other countries are
# compared with it: helpers.estimate.europe)
BELGIUM = "BE"

# the sample design's columns in processed data (helpers.ingest, helpers.estimate.weighted)
STRATUM, PSU = "stratum", "psu"

# in a theme's tables folder, per wave (build/tables/<wave>/<lang>/<theme>/)
CUBE = "estimates-{wave}.csv"  # the theme's cube: every indicator by every breakdown
SAMPLE = "sample-{wave}.json"  # the wave's sample facts, as the theme's notebook saw them
CHANGES = "changes-{wave}.csv"  # the theme's changes since every earlier comparable wave

# the estimates store's columns: codes for machines, labels in the edition's language for readers
STORE_COLUMNS = [
    "wave", "theme", "indicator", "indicator_label", "kind", "unit", "breakdown", "breakdown_label",
    "group", "group_label", "estimate", "ci_low", "ci_high", "n", "flag", "flag_label", "series",
    "mode_change", "se", "n_eff", "df", "flag_reason",
]  # fmt: skip
CHANGE_COLUMNS = [
    "wave_before", "wave", "theme", "indicator", "indicator_label", "kind", "unit", "breakdown",
    "breakdown_label", "group", "group_label", "estimate_before", "estimate_after", "n_before", "n_after",
    "change", "ci_low", "ci_high", "flag", "flag_label", "significant", "risk_change", "mode_change",
    "se", "p_value", "p_adjusted",
]  # fmt: skip

# Belgium in Europe (helpers.estimate.europe): each EU27 member state's and the EU27's estimates,
# and Belgium and its regions against the EU27
EUROPE_COLUMNS = [
    "wave", "theme", "indicator", "indicator_label", "kind", "unit", "country", "country_label",
    "breakdown", "breakdown_label", "group", "group_label", "estimate", "ci_low", "ci_high", "n", "flag",
    "flag_label", "se", "n_eff",
]  # fmt: skip
EUROPE_BELGIUM_COLUMNS = [
    "wave", "theme", "indicator", "indicator_label", "kind", "unit", "breakdown", "breakdown_label",
    "group", "group_label", "estimate", "estimate_eu27", "difference", "ci_low", "ci_high", "flag",
    "flag_label", "significant", "position", "rank", "ranked", "share_of_eu27", "se", "p_value", "p_adjusted",
]  # fmt: skip

# a figure cell's output carries its label, caption and alt text under this metadata key; the grid
# moves them into the cell's Quarto options (helpers.notebook.output, helpers.grid.finalise)
OUTPUT_KEY = "helpers"

# a code cell's Quarto options, its leading ``#| key: value`` lines (the grid writes label, caption
# and alt text there; the book and the check read them back)
OPTION = re.compile(r"^#\|\s*([\w-]+)\s*:\s*(.*)$")


def cell_options(source: str) -> dict[str, str]:
    """A cell's leading Quarto options, their values unquoted (the grid writes them as JSON strings)."""
    out = {}
    for line in source.splitlines():
        m = OPTION.match(line)
        if not m:
            break
        value = m.group(2).strip()
        try:
            out[m.group(1)] = json.loads(value) if value.startswith('"') else value
        except json.JSONDecodeError:
            out[m.group(1)] = value
    return out
