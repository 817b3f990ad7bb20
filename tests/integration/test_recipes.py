"""The README's recipes, followed as a researcher would: configuration only, no Python."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pandas as pd

from conftest import project_copy

NEW_INDICATOR = """\
  exhaustion_always:
    theme: burnout
    type: share
    risk: high
    label:
      nl: "Voelt zich altijd uitgeput aan het einde van de werkdag"
      fr: "Se sent toujours épuisé à la fin de la journée de travail"
    short: {nl: "Altijd uitgeput", fr: "Toujours épuisé"}
    waves:
      2015: {var: Q90d, scale: freq5_always_first, positive: [1], evidence: V}
      2024: {var: exhaustion, scale: freq5_always_first, positive: [1], evidence: I}
"""


def test_an_indicator_added_in_the_codebook_alone_reaches_the_store_and_the_explorer(tmp_path, raw_dir):
    root = project_copy(tmp_path / "repo")
    codebook = root / "data" / "codebook" / "indicators.yaml"
    text = codebook.read_text(encoding="utf-8")
    assert "  exhaustion_score:\n" in text
    codebook.write_text(
        text.replace("  exhaustion_score:\n", NEW_INDICATOR + "  exhaustion_score:\n", 1), encoding="utf-8"
    )
    build = tmp_path / "build"
    env = {
        **os.environ,
        "EWCS_REPORT_ROOT": str(root),
        "EWCS_RAW_DIR": str(raw_dir),
        "EWCS_PROCESSED_DIR": str(tmp_path / "processed"),
        "EWCS_BUILD_DIR": str(build),
    }
    r = subprocess.run(
        [sys.executable, "-m", "helpers", "prepare"], cwd=root, env=env, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    for lang, short in (("nl", "Altijd uitgeput"), ("fr", "Toujours épuisé")):
        store = pd.read_csv(build / "store" / lang / "estimates.csv", keep_default_na=False)
        rows = store[store.indicator == "exhaustion_always"]
        assert set(rows.wave) == {2015, 2024}
        assert set(rows.theme) == {"burnout"} and rows.breakdown.nunique() > 5
        total = rows[(rows.breakdown == "total") & (rows.wave == 2024)]
        assert len(total) == 1 and float(total.estimate.iloc[0]) > 0
        # the share always exhausted is part of the share (almost) always exhausted
        both = store[
            (store.breakdown == "total")
            & (store.wave == 2024)
            & store.indicator.isin(["exhaustion", "exhaustion_always"])
        ]
        values = dict(zip(both.indicator, both.estimate.astype(float)))
        assert values["exhaustion_always"] < values["exhaustion"]
        page = (build / "quarto" / lang / "explorer.qmd").read_text(encoding="utf-8")
        conf = json.loads(
            re.search(r'<script type="application/json" id="explorer-config">(.*?)</script>', page, re.S)
            .group(1)
            .replace("<\\/", "</")
        )
        entry = next(i for i in conf["indicators"] if i["code"] == "exhaustion_always")
        assert entry["label"] == short and entry["waves"] == [2015, 2024] and entry["theme"] == "burnout"
        changes = pd.read_csv(build / "store" / lang / "changes.csv", keep_default_na=False)
        assert ((changes.indicator == "exhaustion_always") & (changes.wave_before == 2015)).any()
