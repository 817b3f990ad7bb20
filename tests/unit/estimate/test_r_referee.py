"""R's ``survey`` package as the referee: estimates, standard errors, degrees of freedom and
intervals of a sample of groups (shares and means, small and large; stratified and clustered,
stratified only, a lonely PSU, and no design) equal R's ``svymean``, ``degf``,
``svyciprop(method = "beta")`` and ``confint(..., df = degf(design))`` to 1e-6 before rounding,
and the standard error of a change between two waves equals ``svycontrast`` on a stacked design.

Skips, saying why, where ``Rscript`` or the ``survey`` package is absent (.ci/run installs both
from Debian: r-base-core r-cran-survey)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.estimate import weighted
from helpers.ingest import processed

TOLERANCE = 1e-6

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "adjust")
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
design <- args[3]
make <- function(data) {
  if (design == "none") svydesign(ids = ~1, strata = ~wave, weights = ~w, data = data)
  else if (design == "strata") svydesign(ids = ~1, strata = ~stratum, weights = ~w, data = data)
  else svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = data, nest = TRUE)
}
rows <- list()
for (wv in sort(unique(d$wave))) {
  des <- make(d[d$wave == wv, ])
  for (g in sort(unique(d$grp))) {
    for (v in c("share", "mean")) {
      sub <- subset(des, grp == g & !is.na(get(v)))
      f <- as.formula(paste0("~", v))
      m <- svymean(f, sub)
      df <- degf(sub)
      if (v == "share") {
        ci <- attr(svyciprop(f, sub, method = "beta", level = 0.95), "ci")
      } else {
        ci <- confint(m, df = df, level = 0.95)
      }
      rows[[length(rows) + 1]] <- data.frame(
        kind = "est", wave = wv, grp = g, var = v, estimate = coef(m)[[1]], se = SE(m)[[1]],
        df = df, ci_low = ci[[1]], ci_high = ci[[2]])
    }
  }
}
# changes: both waves in one design (each wave its own strata), the contrast after - before
if (length(unique(d$wave)) == 2) {
  d$stratum <- paste(d$wave, d$stratum)
  d$psu <- paste(d$wave, d$psu)
  both <- make(d)
  for (g in sort(unique(d$grp))) {
    for (v in c("share", "mean")) {
      sub <- subset(both, grp == g & !is.na(get(v)))
      by <- svyby(as.formula(paste0("~", v)), ~wave, sub, svymean, covmat = TRUE)
      k <- svycontrast(by, c(-1, 1))
      rows[[length(rows) + 1]] <- data.frame(
        kind = "change", wave = NA, grp = g, var = v, estimate = coef(k)[[1]], se = SE(k)[[1]],
        df = NA, ci_low = NA, ci_high = NA)
    }
  }
}
write.csv(do.call(rbind, rows), args[2], row.names = FALSE)
"""


def _r_available() -> str | None:
    if shutil.which("Rscript") is None:
        return "Rscript is not installed (Debian: apt-get install r-base-core r-cran-survey)"
    ok = subprocess.run(["Rscript", "-e", "library(survey)"], capture_output=True)
    if ok.returncode != 0:
        return "R's survey package is not installed (Debian: apt-get install r-cran-survey)"
    return None


pytestmark = pytest.mark.skipif(_r_available() is not None, reason=str(_r_available()))


def ours(d: pd.DataFrame, design_kind: str) -> pd.DataFrame:
    """Our estimates of every group of ``d`` (one wave), before rounding and disclosure: the code
    path of :func:`helpers.estimate.weighted.estimates` (the Kish floor applies only without a
    design, and is a rule of our own that R does not know: left out here)."""
    cols = {"clustered": ["stratum", "psu"], "strata": ["stratum"], "none": []}[design_kind]
    design = weighted.Design.of(d[cols] if cols else pd.DataFrame(index=d.index))
    groups = sorted(d["grp"].unique())
    member = np.column_stack([(d["grp"] == g).to_numpy(dtype=float) for g in groups])
    out = []
    for v, kind in (("share", "share"), ("mean", "mean")):
        e = weighted.domain_estimates(
            d[v].to_numpy(dtype=float), d["w"].to_numpy(dtype=float), member, design, kish_floor=False
        )
        lo, hi = weighted.interval(kind, e["m"], e["var"], e["n"], e["df"], 0.95)
        for i, g in enumerate(groups):
            out.append(
                {
                    "grp": g,
                    "var": v,
                    "estimate": e["m"][i],
                    "se": np.sqrt(e["var"][i]),
                    "df": e["df"][i],
                    "ci_low": lo[i],
                    "ci_high": hi[i],
                }
            )
    return pd.DataFrame(out)


def referee(d: pd.DataFrame, design_kind: str, tmp_path: Path) -> pd.DataFrame:
    script, data, result = tmp_path / "ref.R", tmp_path / "data.csv", tmp_path / "r.csv"
    script.write_text(R_SCRIPT)
    d.to_csv(data, index=False)
    run = subprocess.run(
        ["Rscript", str(script), str(data), str(result), design_kind], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    return pd.read_csv(result)


def compare(d: pd.DataFrame, design_kind: str, tmp_path: Path) -> tuple[int, float]:
    """Our estimates of each wave of ``d`` and the changes between its two waves against R's;
    returns the rows compared and the largest absolute difference."""
    r = referee(d, design_kind, tmp_path)
    per_wave = {}
    worst, count = 0.0, 0
    for wave, part in d.groupby("wave"):
        o = ours(part.reset_index(drop=True), design_kind)
        per_wave[wave] = o.set_index(["grp", "var"])
        rw = r[(r.kind == "est") & (r.wave == wave)].set_index(["grp", "var"])
        j = o.set_index(["grp", "var"]).join(rw.add_suffix("_r"), how="inner")
        assert len(j) == len(o)
        for c in ("estimate", "se", "df", "ci_low", "ci_high"):
            diff = (j[c] - j[f"{c}_r"]).abs()
            assert (diff < TOLERANCE).all(), (design_kind, wave, c, j.loc[diff >= TOLERANCE, [c, f"{c}_r"]])
            worst = max(worst, float(diff.max()))
        count += len(j)
    if len(per_wave) == 2:
        before, after = (per_wave[w] for w in sorted(per_wave))
        se = np.sqrt(before["se"] ** 2 + after["se"] ** 2)
        rc = r[r.kind == "change"].set_index(["grp", "var"])
        j = pd.DataFrame({"se": se, "change": after["estimate"] - before["estimate"]}).join(
            rc.add_suffix("_r")
        )
        for c in ("change", "se"):
            src = "estimate_r" if c == "change" else "se_r"
            diff = (j[c] - j[src]).abs()
            assert (diff < TOLERANCE).all(), (design_kind, c, j.loc[diff >= TOLERANCE])
            worst = max(worst, float(diff.max()))
        count += len(j)
    return count, worst


def made_by_hand(seed: int = 3) -> pd.DataFrame:
    """Two waves of a stratified, clustered sample: 4 strata, one of them with a single PSU
    (lonely), PSUs of 5 to 25 respondents sharing a cluster effect; groups of about 400, 150, 40 and
    12 respondents; a 0/1 share with some missing answers and a mean; unequal weights."""
    rng = np.random.default_rng(seed)
    parts = []
    for wave in (2015, 2024):
        rows = []
        for h, psus in enumerate((12, 9, 6, 1)):
            for j in range(psus):
                size = int(rng.integers(5, 26))
                u = rng.normal(0, 0.8)
                for _ in range(size):
                    rows.append((wave, h + 1, 100 * (h + 1) + j, u))
        d = pd.DataFrame(rows, columns=["wave", "stratum", "psu", "u"])
        n = len(d)
        d["grp"] = rng.choice(["a", "b", "c", "d"], n, p=[0.66, 0.25, 0.07, 0.02])
        latent = d["u"] + rng.normal(0, 1, n) + (d["grp"] == "c") * 0.8 + (wave == 2024) * 0.2
        d["share"] = (latent > 0.9).astype(float).where(rng.random(n) > 0.05)
        d["mean"] = 50 + 12 * latent + rng.normal(0, 5, n)
        d["w"] = rng.lognormal(0, 0.5, n)
        parts.append(d.drop(columns="u"))
    return pd.concat(parts, ignore_index=True)


def from_processed(processed_dir: Path, cb, waves: tuple[int, ...], design_kind: str) -> pd.DataFrame:
    """The synthetic processed data: exhaustion (a share) and the WHO-5 index (a mean) by sector."""
    parts = []
    for wave in waves:
        df = processed.load(wave, processed_dir)
        d = pd.DataFrame(
            {
                "wave": wave,
                "grp": df["sector"].astype(str).fillna("none"),
                "share": df["who5_poor"].astype(float),
                "mean": df["who5_index"].astype(float),
                "w": df[cb.weight_column("who5_index", wave)].astype(float),
            }
        )
        if design_kind != "none":
            d["stratum"] = df["stratum"].astype(int)
        if design_kind == "clustered":
            d["psu"] = df["psu"].astype(int)
        parts.append(d[d["w"].notna()])
    return pd.concat(parts, ignore_index=True)


def test_hand_made_clustered_sample_with_a_lonely_psu_equals_r(tmp_path):
    count, worst = compare(made_by_hand(), "clustered", tmp_path)
    assert count == 2 * 4 * 2 + 4 * 2
    print(f"R referee, hand-made clustered: {count} rows, largest difference {worst:.2e}")


def test_hand_made_sample_without_design_equals_r(tmp_path):
    count, worst = compare(made_by_hand(5).drop(columns=["stratum", "psu"]), "none", tmp_path)
    print(f"R referee, hand-made without design: {count} rows, largest difference {worst:.2e}")


def test_synthetic_clustered_wave_and_its_change_equal_r(processed_dir, cb, tmp_path):
    d = from_processed(processed_dir, cb, (2015, 2024), "clustered")
    count, worst = compare(d, "clustered", tmp_path)
    assert count > 40
    print(f"R referee, synthetic 2015 and 2024 by sector: {count} rows, largest difference {worst:.2e}")


def test_synthetic_stratified_wave_equals_r(processed_dir, cb, tmp_path):
    assert "psu" not in cb.design(2021) and "stratum" in cb.design(2021)
    count, worst = compare(from_processed(processed_dir, cb, (2021,), "strata"), "strata", tmp_path)
    print(f"R referee, synthetic 2021 (strata only): {count} rows, largest difference {worst:.2e}")
