"""Belgium in Europe (helpers.estimate.europe): the EU27 and Belgium's difference with it, on
hand-made files of three countries with a national and a cross-national weight.

The difference BE - EU27 is checked three ways: a case worked by hand (its numbers in the
docstring of the test), its identity (1 - s)(BE - rest) against direct weighted means, and its
standard error against R's ``survey`` (``svyby`` and ``svycontrast`` on the countries' design)."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from helpers.core import schema
from helpers.estimate import europe, weighted
from helpers.ingest import processed

WAVE = 2015
IND = "high_speed"  # a share of the codebook, asked in 2015


def frame(countries: dict[str, tuple[list, list, float]], repeat: int = 10) -> pd.DataFrame:
    """Respondents of each country: answers ``y``, national weights, the cross-national factor;
    every respondent ``repeat`` times (over the disclosure threshold), in PSUs of two."""
    rows = []
    for code, (ys, ws, factor) in countries.items():
        for r in range(repeat):
            for i, (y, w) in enumerate(zip(ys, ws, strict=True)):
                rows.append(
                    {
                        "wave": WAVE,
                        "country": code,
                        IND: y,
                        "sex": ["men", "women"][i % 2],
                        "age_group": "age_30_44",
                        "weight": w,
                        "country_factor": factor,
                        "stratum": f"{code}:{i % 2}",
                        "psu": f"{code}:{r}:{i // 2}",
                    }
                )
    df = pd.DataFrame(rows)
    df["weight"] = df["weight"] / df.groupby("country")["weight"].transform("mean")
    for b in ("sex", "age_group"):
        df[b] = pd.Categorical(df[b])
    return df


def test_a_case_worked_by_hand(cb):
    """BE answers 1, 0, 1, 1 (3/4); NL 0, 0, 1, 0 with twice BE's weight per respondent; FR 1, 0, 0,
    0 with three times. EU = (3 + 2 + 3) / (4 + 8 + 12) = 1/3; Belgium's share s = 4/24 = 1/6;
    the rest (NL, FR) = (2 + 3) / 20 = 1/4; BE - EU = 3/4 - 1/3 = 5/12 = (1 - 1/6)(3/4 - 1/4)."""
    df = frame(
        {
            "BE": ([1, 0, 1, 1], [1] * 4, 1.0),
            "NL": ([0, 0, 1, 0], [1] * 4, 2.0),
            "FR": ([1, 0, 0, 0], [1] * 4, 3.0),
        }
    )
    table = europe.countries(df, WAVE, cb)
    total = table[(table["indicator"] == IND) & (table["group_var"] == schema.TOTAL)].set_index("country")
    assert total.loc["BE", "estimate"] == pytest.approx(75.0)
    assert total.loc["EU27", "estimate"] == pytest.approx(100 / 3)
    v = europe.versus_eu27(df, table, WAVE, cb)
    row = v[(v["indicator"] == IND) & (v["group_var"] == schema.TOTAL)].iloc[0]
    assert row["share_of_eu27"] == pytest.approx(1 / 6)
    assert row["difference"] == pytest.approx(100 * 5 / 12)
    assert row["estimate_eu27"] == pytest.approx(100 / 3)
    assert (row["rank"], row["ranked"]) == (1, 3)  # the highest of the three


def unequal(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    countries = {}
    for code, p, n, factor in (("BE", 0.35, 200, 1.0), ("NL", 0.25, 150, 3.2), ("FR", 0.45, 170, 5.5)):
        countries[code] = (list((rng.random(n) < p).astype(float)), list(rng.uniform(0.5, 2.0, n)), factor)
    df = frame(countries, repeat=1)
    df.loc[df.sample(frac=0.05, random_state=1).index, IND] = np.nan  # item non-response
    return df


def test_the_difference_is_one_minus_s_times_belgium_minus_the_rest(cb):
    """Direct weighted means with the cross-national weights: the EU, Belgium, the rest and
    Belgium's share of the weight of valid answers; the module's difference is (1 - s)(BE - rest)."""
    df = unequal()
    ok = df[IND].notna()
    w = df["weight"] * df["country_factor"]
    mean = lambda rows: np.average(df.loc[rows & ok, IND], weights=w[rows & ok]) * 100  # noqa: E731
    be = df["country"] == "BE"
    s = w[be & ok].sum() / w[ok].sum()
    table = europe.countries(df, WAVE, cb)
    total = table[(table["indicator"] == IND) & (table["group_var"] == schema.TOTAL)].set_index("country")
    assert total.loc["EU27", "estimate"] == pytest.approx(mean(pd.Series(True, index=df.index)))
    assert total.loc["BE", "estimate"] == pytest.approx(mean(be))
    v = europe.versus_eu27(df, table, WAVE, cb)
    row = v[(v["indicator"] == IND) & (v["group_var"] == schema.TOTAL)].iloc[0]
    assert row["share_of_eu27"] == pytest.approx(s)
    assert row["difference"] == pytest.approx((1 - s) * (mean(be) - mean(~be)))
    assert row["difference"] == pytest.approx(total.loc["BE", "estimate"] - total.loc["EU27", "estimate"])
    # the interval: difference +- z se, and the se is (1 - s) times that of two independent samples
    z = weighted.quantile(0.95)
    assert row["ci_high"] - row["difference"] == pytest.approx(z * row["se"])


R_SCRIPT = r"""
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "adjust")
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
d$weu <- d$weight * d$country_factor
d$isbe <- as.integer(d$country == "BE")
# the whole sample's design, then the valid answers as a domain (as the module estimates)
des <- subset(svydesign(ids = ~psu, strata = ~stratum, weights = ~weu, data = d, nest = TRUE), !is.na(y))
eu <- svymean(~y, des)
by <- svyby(~y, ~isbe, des, svymean, covmat = TRUE)
diff <- svycontrast(by, c(-1, 1))  # Belgium minus the rest
ok <- !is.na(d$y)
s <- sum(d$weu[ok & d$isbe == 1]) / sum(d$weu[ok])
write.csv(data.frame(eu = coef(eu)[[1]], se_be_rest = SE(diff)[[1]], s = s), args[2], row.names = FALSE)
"""


def _r_missing() -> str | None:
    if shutil.which("Rscript") is None:
        return "Rscript is not installed (Debian: apt-get install r-base-core r-cran-survey)"
    if subprocess.run(["Rscript", "-e", "library(survey)"], capture_output=True).returncode != 0:
        return "R's survey package is not installed (Debian: r-cran-survey)"
    return None


@pytest.mark.skipif(_r_missing() is not None, reason=str(_r_missing()))
def test_the_standard_error_of_the_difference_is_r_survey_s(cb, tmp_path):
    """R: the countries' design with the cross-national weights (strata and PSUs nested in the
    countries), Belgium against the rest by ``svyby`` and ``svycontrast``; the module's standard error
    is (1 - s) times R's, and its EU27 estimate R's ``svymean``."""
    df = unequal(seed=11)
    data, result, script = tmp_path / "d.csv", tmp_path / "r.csv", tmp_path / "s.R"
    df.rename(columns={IND: "y"}).to_csv(data, index=False)
    script.write_text(R_SCRIPT, encoding="utf-8")
    run = subprocess.run(["Rscript", str(script), str(data), str(result)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    r = pd.read_csv(result).iloc[0]
    table = europe.countries(df, WAVE, cb)
    v = europe.versus_eu27(df, table, WAVE, cb)
    row = v[(v["indicator"] == IND) & (v["group_var"] == schema.TOTAL)].iloc[0]
    assert row["estimate_eu27"] == pytest.approx(100 * r["eu"], abs=1e-6)
    assert row["share_of_eu27"] == pytest.approx(r["s"], abs=1e-9)
    assert row["se"] == pytest.approx(100 * (1 - r["s"]) * r["se_be_rest"], rel=1e-6)


def test_disclosure_is_per_country_and_group(cb):
    """A country with too few respondents in a group has that group suppressed, not the others',
    and a suppressed Belgian group has no difference with the EU27."""
    df = unequal()
    be_women = df.index[(df["country"] == "BE") & (df["sex"] == "women")]
    df = df.drop(be_women[10:])  # ten Belgian women left: under min_n
    table = europe.countries(df, WAVE, cb)
    t = table[table["indicator"] == IND].set_index(["country", "group"])
    assert t.loc[("BE", "women"), "flag"] == schema.FLAG_SUPPRESSED
    assert t.loc[("BE", "men"), "flag"] != schema.FLAG_SUPPRESSED
    assert t.loc[("NL", "women"), "flag"] != schema.FLAG_SUPPRESSED
    v = europe.versus_eu27(df, table, WAVE, cb).set_index(["indicator", "group"])
    assert np.isnan(v.loc[(IND, "women"), "difference"]) and not v.loc[(IND, "women"), "significant"]
    assert not np.isnan(v.loc[(IND, "men"), "difference"])


def test_every_wave_has_the_same_27_and_belgium_is_belgium(processed_dir, cb):
    """In every wave of the synthetic default: the EU27's estimates come from the same 27 countries,
    and Belgium's own estimates (national weights) are those of the Belgian file."""
    sets = set()
    for wave in cb.wave_names():
        every = processed.load_countries(wave, processed_dir)
        sets.add(frozenset(every.loc[every["country"].isin(cb.eu27()), "country"]))
        be = every[every["country"] == "BE"].reset_index(drop=True)
        inds = ["exhaustion", "high_speed", "who5_index"]
        ours = weighted.estimates(be, inds, cb, by=["sex", "age_group"], wave=wave)
        belgian = weighted.estimates(
            processed.load(wave, processed_dir), inds, cb, by=["sex", "age_group"], wave=wave
        )
        pd.testing.assert_frame_equal(ours, belgian)
    assert sets == {frozenset(cb.eu27())}


def test_from_a_file_of_three_countries_with_two_weights(cb):
    """End to end from a wave's own variables: three countries of the synthetic 2015 file (its
    national weight w4, its cross-national weight w5_EU28), harmonised as ingest does; the EU
    estimate is the weighted mean with w5_EU28 itself, Belgium's the one with w4, and the
    difference (1 - s)(BE - rest) with s Belgium's share of w5_EU28."""
    from helpers.ingest import synth
    from helpers.ingest.harmonise import harmonise_countries

    raw, labels, *_ = synth.generate(WAVE, scale=0.5)
    raw = raw.assign(country=raw["Country"].map(labels["Country"]).map(cb.country_of_label))
    raw = raw[raw["country"].isin(["BE", "NL", "FR"])].reset_index(drop=True)
    df = harmonise_countries(raw, WAVE, cb)
    ok = df[IND].notna()
    be = (df["country"] == "BE") & ok
    direct = lambda rows, w: 100 * np.average(df.loc[rows, IND], weights=raw.loc[rows, w])  # noqa: E731
    # within a country the cross-national weight is the national one times a constant: the processed
    # weight times the country's factor is it
    assert np.allclose(df["weight"] * df["country_factor"], raw["w5_EU28"])
    table = europe.countries(df, WAVE, cb)
    total = table[(table["indicator"] == IND) & (table["group_var"] == schema.TOTAL)].set_index("country")
    assert total.loc["EU27", "estimate"] == pytest.approx(direct(ok, "w5_EU28"))
    assert total.loc["BE", "estimate"] == pytest.approx(direct(be, "w4"))
    s = raw.loc[be, "w5_EU28"].sum() / raw.loc[ok, "w5_EU28"].sum()
    v = europe.versus_eu27(df, table, WAVE, cb)
    row = v[(v["indicator"] == IND) & (v["group_var"] == schema.TOTAL)].iloc[0]
    assert row["difference"] == pytest.approx((1 - s) * (direct(be, "w5_EU28") - direct(ok & ~be, "w5_EU28")))


def test_a_sentence_says_higher_or_lower_only_when_significant_and_reliable():
    """position(): significant and reliable differences only; suppressed rows say nothing."""
    v = pd.DataFrame(
        {
            "difference": [3.0, -3.0, 3.0, 3.0, np.nan],
            "significant": [True, True, False, True, False],
            "flag": [schema.FLAG_OK, schema.FLAG_OK, schema.FLAG_OK, schema.FLAG_LOW, schema.FLAG_SUPPRESSED],
        }
    )
    assert list(europe.position(v)) == [
        europe.HIGHER,
        europe.LOWER,
        europe.NOT_DIFFERENT,
        europe.NOT_DIFFERENT,
        "",
    ]


def test_published_rounds_the_difference_as_the_estimates(cb):
    from helpers.core import config

    d = int(config.settings()["publish"]["decimals"])
    v = pd.DataFrame(
        {"estimate": [12.34567], "ci_low": [10.04], "ci_high": [14.96], "estimate_eu27": [11.23456],
         "difference": [-0.00001], "se": [1.234567], "p_value": [0.0123456789]}
    )  # fmt: skip
    out = europe.published(v)
    assert out.estimate.iloc[0] == round(12.34567, d) and out.estimate_eu27.iloc[0] == round(11.23456, d)
    assert str(out.difference.iloc[0]) == "0.0"  # never -0.0
    assert out.se.iloc[0] == round(1.234567, d + 2) and out.p_value.iloc[0] == round(0.0123456789, d + 4)


def test_the_neighbours_must_be_member_states(cb, monkeypatch):
    from helpers.core import config
    from helpers.core.errors import PipelineError

    settings = config.settings()
    assert europe.neighbours(cb) == ["NL", "FR", "DE", "LU"]
    changed = {
        **settings,
        "report": {**settings["report"], "europe": {"breakdowns": [], "neighbours": ["NO"]}},
    }
    monkeypatch.setattr(config, "settings", lambda: changed)
    with pytest.raises(PipelineError, match="'NO', which is not a member state of the EU27"):
        europe.neighbours(cb)
