"""Synthetic EWCS files with the real files' structure, for the default build and the tests.

The generator is driven by the codebook (variable names, scales, missing codes, routing, module
items, weights, country labels: every wave's own conventions) and by ``data/synth/story.yaml``
(what the numbers should show). It inverts the codebook's recodes: a respondent is first given
harmonised attributes and latent risk factors, then each indicator's outcome, then codes in the
wave's own variables that harmonise back to that outcome. Deterministic for a given seed and scale.
"""

from __future__ import annotations

import functools
import math
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

from helpers.core import config, processes
from helpers.core.errors import PipelineError
from helpers.core.schema import BELGIUM
from helpers.ingest import surveyfile
from helpers.metadata import codebook as codebook_mod
from helpers.metadata.codebook import Codebook

# SPSS keeps at most 64 characters of a file label.
FILE_LABEL = "SYNTHETIC data (python -m helpers synth), not EWCS microdata"
assert len(FILE_LABEL) <= 64
MAX_SCALE = 100  # 16 gives files of EU size; far beyond that a typo would fill the memory
# An SPSS system file's header holds its creation date ("dd Mon yy") and time ("hh:mm:ss") at
# these bytes. pyreadstat writes the clock's; the build date makes two runs byte-identical.
SAV_DATE = slice(92, 109)
SAV_DATE_FORMAT = re.compile(rb"\d\d [A-Z][a-z]{2} \d\d\d\d:\d\d:\d\d")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def load_story() -> dict:
    return config.load_yaml(config.DATA / "synth" / "story.yaml")


def _pick(rng, probs: dict, size: int) -> np.ndarray:
    keys = list(probs)
    p = np.array([probs[k] for k in keys], dtype=float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=size, p=p / p.sum())]


def _pick_conditional(rng, given: np.ndarray, table: dict) -> np.ndarray:
    out = np.empty(len(given), dtype=object)
    for value, probs in table.items():
        idx = np.flatnonzero(given == value)
        out[idx] = _pick(rng, probs, len(idx))
    return out


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _calibrated_probability(linear: np.ndarray, target: float) -> np.ndarray:
    """Add the intercept that makes the mean probability equal ``target``. The mean rises with the
    intercept: Newton's steps from the target's logit, each kept inside the bracket that the
    steps so far leave (halving it otherwise), until a step moves the intercept by less than
    1e-13. About six evaluations where bisection to the same precision took sixty: `synth` of the
    four waves takes a quarter to a third less time, and writes the same bytes."""
    lo, hi = -20.0, 20.0
    with np.errstate(divide="ignore"):
        b = float(np.clip(np.log(target / (1 - target)) - np.median(linear), lo, hi))
    for _ in range(100):
        p = _sigmoid(b + linear)
        gap = p.mean() - target
        if gap < 0:
            lo = b
        else:
            hi = b
        slope = (p * (1 - p)).mean()
        step = gap / slope if slope > 0 else np.inf
        nxt = b - step
        if not lo < nxt < hi:
            nxt = (lo + hi) / 2
        if abs(nxt - b) < 1e-13 or gap == 0:
            break
        b = nxt
    return _sigmoid(b + linear)


def _country_number(country: str) -> int:
    """A number of the country's own for its random streams (its two letters' bytes): a country's
    synthetic rows stay the same when others are added to data/codebook/countries.yaml."""
    return 100_000 + int.from_bytes(country.encode("ascii"), "big")


def _country_rows(story: dict, wave: int) -> int:
    rows = story["countries"]["rows"]
    return int(rows.get(wave, rows["default"]))


def _country_levels(story: dict, cb: Codebook, country: str, seed: int) -> dict[str, float]:
    """A country's shift of each latent factor against Belgium's population (none for Belgium):
    the story's stated levels, else drawn once per country (the same in every wave) from a normal
    distribution of the story's spread."""
    if country == BELGIUM:
        return {}
    spec = story["countries"]
    rng = np.random.default_rng([seed, 2, _country_number(country)])
    names = sorted(k for k in story["latent"])
    drawn = dict(zip(names, rng.normal(0.0, float(spec["spread"]), len(names)), strict=True))
    return {**drawn, **{k: float(v) for k, v in (spec["levels"].get(country) or {}).items()}}


class _Wave:
    """State of one wave (of one country) being generated."""

    def __init__(
        self,
        wave: int,
        cb: Codebook,
        story: dict,
        scale: float,
        seed: int,
        country: str = BELGIUM,
        persons: dict[str, float] | None = None,
    ):
        self.wave, self.cb, self.story, self.country = wave, cb, story, country
        # the persons a respondent stands for, per country ("": the whole file's), for the weights
        self.persons = persons or {country: 1.0, BELGIUM: 1.0, "": 1.0}
        self.w = cb.waves[wave]
        if country == BELGIUM:
            # Belgium's rows are drawn as before the other countries were added: from the wave's own
            # stream, with `other_rows` more (drawn, counted by the calibration, never written)
            stream = [seed, wave]
            self.n_be = max(1, round(self.w["belgian_n"] * scale))
            self.n = self.n_be + round(story["other_rows"] * scale)
        else:  # another country: a stream of its own, its own sample size, its own levels
            stream = [seed, wave, _country_number(country)]
            self.n_be = 0
            self.n = max(1, round(_country_rows(story, wave) * scale))
        self.rng = np.random.default_rng(stream)
        self.shift = _country_levels(story, cb, country, seed)
        self.cols: dict[str, np.ndarray] = {}
        # themes with a random stream of their own (story: own_streams), drawn after all the others
        self.streams = {
            theme: np.random.default_rng([*stream, int(k)])
            for theme, k in (story.get("own_streams") or {}).items()
        }
        self.scales: dict[str, str] = {}
        self.labels: dict[str, str] = {}

    def _level(self, loading: dict) -> float:
        """The country's shift of the log-odds of an outcome with these latent ``loading``s (0 in
        Belgium): its levels of the latent factors, wellbeing's made of the others as in the story."""
        shift = dict(self.shift)
        wb = self.story["latent"]["wellbeing"]["from"]
        shift["wellbeing"] = shift.get("wellbeing", 0.0) + sum(c * shift.get(k, 0.0) for k, c in wb.items())
        return float(sum(c * shift.get(k, 0.0) for k, c in (loading or {}).items()))

    # -------------------------------------------------------------- people
    def people(self):
        rng, s, n = self.rng, self.story["population"], self.n
        a = {"sex": _pick(rng, s["sex"], n)}
        a["sector"] = _pick_conditional(rng, a["sex"], s["sector"])
        a["education"] = _pick(rng, s["education"], n)
        a["occupation"] = _pick_conditional(rng, a["education"], s["occupation"])
        se_share = np.array(
            [s["self_employed_share"].get(x, s["self_employed_share"]["default"]) for x in a["sector"]]
        )
        a["employment_status"] = np.where(rng.random(n) < se_share, "self_employed", "employee").astype(
            object
        )
        a["region"] = _pick(rng, s["region"], n)
        self.age = rng.integers(s["age"]["min"], s["age"]["max"] + 1, size=n).astype(float)
        bins = self.cb.breakdowns["age_group"]["bins"]
        cats = list(self.cb.breakdowns["age_group"]["categories"])
        a["age_group"] = np.array(cats, dtype=object)[np.searchsorted(bins, self.age, side="right") - 1]
        self.attr = a
        self.belgian = np.arange(n) < self.n_be
        self.module = rng.random(n) < float(self.w.get("module_share", 1.0))

    def _group_shift(self, effects: dict) -> np.ndarray:
        shift = np.zeros(self.n)
        for var, table in (effects or {}).items():
            if var == "stream":
                continue
            if var == "wave":
                shift += table.get(self.wave, 0.0)
                continue
            for category, value in table.items():
                shift += value * (self.attr[var] == category)
        return shift

    def latents(self):
        lat = {}
        spec = self.story["latent"]
        for name, effects in spec.items():
            if name == "wellbeing":
                continue
            rng = self.streams[effects["stream"]] if "stream" in effects else self.rng
            lat[name] = rng.standard_normal(self.n) + self._group_shift(effects)
        wb = spec["wellbeing"]
        lat["wellbeing"] = (
            sum(c * lat[k] for k, c in wb["from"].items())
            + self._group_shift({k: v for k, v in wb.items() if k != "from"})
            + 0.8 * self.rng.standard_normal(self.n)
        )
        self.lat = lat

    # -------------------------------------------------------------- writing values
    def _put(self, var: str, values: np.ndarray, scale: str, label: str):
        self.cols[var] = values.astype(float)
        self.scales[var] = scale
        self.labels[var] = label

    def _nonresponse(self, values: np.ndarray, scale: str, asked: np.ndarray, rates: dict) -> np.ndarray:
        out = values.astype(float).copy()
        out[~asked] = np.nan
        u = self.rng.random(self.n)
        start = 0.0
        for code, kind in self.cb.missing_codes(self.wave, scale).items():
            rate = rates.get(kind, 0.0)
            hit = asked & (u >= start) & (u < start + rate)
            out[hit] = code
            start += rate
        return out

    def _asked(self, spec: dict) -> np.ndarray:
        asked = np.ones(self.n, dtype=bool)
        if spec.get("routing") == "employees":
            asked &= self.attr["employment_status"] == "employee"
        if spec.get("weight") == "module":
            asked &= self.module
        return asked

    def _codes_for(self, outcome: np.ndarray, spec: dict) -> np.ndarray:
        valid = list(self.cb.scale(spec["scale"]).valid)
        pos = [c for c in valid if c in spec["positive"]]
        neg = [c for c in valid if c not in spec["positive"]]
        return np.where(outcome, self.rng.choice(pos, self.n), self.rng.choice(neg, self.n))

    def breakdowns(self):
        rates = {
            "dk": self.story["breakdown_nonresponse"] / 2,
            "refusal": self.story["breakdown_nonresponse"] / 2,
        }
        for name in self.cb.breakdown_order:
            b = self.cb.breakdowns[name]
            spec = b["waves"].get(self.wave)
            if not spec:
                continue
            asked = self.belgian.copy() if name == "region" else np.ones(self.n, dtype=bool)
            if "map" not in spec:  # numeric (age)
                values = self.age
            else:
                values = np.full(self.n, np.nan)
                cats = self.attr[name]
                for category in b["categories"]:
                    codes = [c for c, cat in spec["map"].items() if cat == category]
                    idx = np.flatnonzero(cats == category)
                    values[idx] = self.rng.choice(codes, len(idx))
                unmapped = [c for c, cat in spec["map"].items() if cat is None]
                if unmapped:
                    hit = self.rng.random(self.n) < self.story["unmapped_share"]
                    values[hit] = self.rng.choice(unmapped, int(hit.sum()))
            self._put(
                spec["var"],
                self._nonresponse(values, spec["scale"], asked, rates),
                spec["scale"],
                f"{b['label']['nl']} / {b['label']['fr']}",
            )

    def indicators(self):
        """Every indicator's answers: first the themes of the main random stream, then each theme
        with a stream of its own, from that stream."""
        cb = self.cb
        order = [k for k, v in cb.indicators.items() if v["type"] == "share" and "derive" not in v]
        order += [k for k, v in cb.indicators.items() if v["type"] == "mean" and "derive" not in v]
        self._indicators([k for k in order if cb.indicators[k]["theme"] not in self.streams])
        main = self.rng
        for theme, rng in self.streams.items():
            self.rng = rng
            self._indicators([k for k in order if cb.indicators[k]["theme"] == theme])
        self.rng = main

    def _indicators(self, order):
        cb, st = self.cb, self.story
        rates = st["nonresponse"]
        for name in order:
            spec = cb.indicator_spec(name, self.wave)
            if not spec:
                continue
            items = spec.get("items") or [spec["var"]]
            if all(v in self.cols for v in items):
                continue  # the variable(s) already carry another indicator's outcome
            asked = self._asked(spec)
            label = cb.indicators[name]["label"]["nl"]
            if cb.indicators[name]["type"] == "mean":
                self._mean_indicator(name, spec, asked, rates, label)
                continue
            story = st["indicators"][name]
            linear = sum(c * self.lat[k] for k, c in (story.get("loading") or {}).items())
            linear = linear + self._group_shift(story.get("groups"))
            p = _calibrated_probability(
                np.asarray(linear, dtype=float) + np.zeros(self.n), story["base"][self.wave]
            )
            level = self._level(story.get("loading") or {}) + self.shift.get(name, 0.0)
            if level:  # another country: its outcomes above or below Belgium's by its levels
                p = _sigmoid(np.log(p / (1 - p)) + level)
            outcome = self.rng.random(self.n) < p
            if "items" not in spec:
                self._put(
                    spec["var"],
                    self._nonresponse(self._codes_for(outcome, spec), spec["scale"], asked, rates),
                    spec["scale"],
                    label,
                )
                continue
            self._items(spec, outcome, asked, rates, label)

    def _items(self, spec, outcome, asked, rates, label):
        """Item codes whose rule (any/none) reproduces ``outcome``; reuses items already written."""
        items = spec["items"]
        k = len(items)
        fresh = [i for i, v in enumerate(items) if v not in self.cols]
        hits = self.rng.random((self.n, k)) < (0.25 if spec["rule"] == "any" else 0.65)
        # with rule any, outcome 1 needs at least one positive item; with rule none, outcome 0 does
        needs_one = outcome if spec["rule"] == "any" else ~outcome
        forced = self.rng.choice(fresh, self.n)
        hits[np.arange(self.n), forced] |= needs_one
        hits &= needs_one[:, None]
        for i in fresh:
            item_spec = {**spec, "positive": spec["positive"]}
            codes = self._codes_for(hits[:, i], item_spec)
            self._put(items[i], self._nonresponse(codes, spec["scale"], asked, rates), spec["scale"], label)

    def who5_scores(self) -> np.ndarray:
        if not hasattr(self, "_who5"):
            w = self.story["who5"]
            raw = (
                w["mean"]
                + w["spread"] * (self.lat["wellbeing"][:, None] + self._level({"wellbeing": 1.0}))
                + w["noise"] * self.rng.standard_normal((self.n, 5))
            )
            self._who5 = np.clip(np.rint(raw), 0, 5)
        return self._who5

    def _mean_indicator(self, name, spec, asked, rates, label):
        scale = self.cb.scale(spec["scale"])
        if name == "who5_index" or spec.get("items"):
            scores = self.who5_scores()
            if scale.is_numeric:  # a ready-made index in the file (2021 wellbeing_index)
                self._put(
                    spec["var"],
                    self._nonresponse(scores.sum(axis=1) * 4, spec["scale"], asked, rates),
                    spec["scale"],
                    label,
                )
                return
            inverse = {v: c for c, v in spec["score"].items()}
            for i, var in enumerate(spec["items"]):
                codes = np.vectorize(inverse.get)(scores[:, i])
                self._put(var, self._nonresponse(codes, spec["scale"], asked, rates), spec["scale"], label)
            return
        raise PipelineError(
            f"the generator cannot make mean indicator {name!r} on its own; give it a share "
            "indicator on the same variable",
            wave=self.wave,
            variable=spec.get("var"),
        )

    # -------------------------------------------------------------- design variables
    def design(self):
        w = self.w
        cb = self.cb
        labels = cb.country_labels[w["country"]["labels"]]
        by_label = {v: k for k, v in labels.items()}
        if self.country == BELGIUM:
            be = by_label[w["country"]["label"]]
            others = [by_label[c] for c in self.story["other_countries"]]
            country = np.where(self.belgian, be, self.rng.choice(others, self.n)).astype(float)
        else:
            code = next(k for k, v in labels.items() if cb.country_of_label(v) == self.country)
            country = np.full(self.n, float(code))
        self._put(w["country"]["var"], country, "", "Country")
        self.country_labels = {float(k): v for k, v in labels.items()}
        self._put(w["id"]["var"], np.arange(1, self.n + 1, dtype=float), "", "Respondent ID")
        ws = self.story["weights"]
        base = np.exp(ws["sigma"] * self.rng.standard_normal(self.n) + ws["young_boost"] * (self.age < 30))
        base /= (base[self.belgian] if self.n_be else base).mean()
        national = base * float(ws["scale"].get(self.wave, 1.0))
        # the cross-national weight: the national one times the persons a respondent of the country
        # stands for (its workforce over its sample), relative to Belgium's (Belgium's unchanged) or,
        # as a variable of its own, over the whole file's (mean about 1)
        core, cross = w["weights"]["core"], w["cross_national_weight"]["var"]
        persons = self.persons[self.country]
        if cross == core:
            national = national * (persons / self.persons[BELGIUM])
        else:
            self._put(cross, base * persons / self.persons[""], "", "Weight (cross-national)")
        self._put(core, national, "", "Weight (national)" if cross != core else "Weight (calibrated)")
        if "module" in w["weights"]:
            share = float(w.get("module_share", 1.0))
            self._put(
                w["weights"]["module"],
                np.where(self.module, national / share, np.nan),
                "",
                "Weight (module respondents)",
            )

    def sample_design(self):
        """Strata and PSUs where the codebook names them, drawn last and from a random stream of
        their own, so that every other value is the same with or without them. Strata are the
        region crossed with an urbanisation class; PSUs are sampling points of about the story's
        cluster size within a stratum, filled with respondents of similar latent conditions, which
        gives answers the intra-cluster correlation of a clustered sample without changing them."""
        names = self.cb.design(self.wave)
        if not names:
            return
        d = self.story["design"]
        rng = np.random.default_rng([int(self.story["seed"]), self.wave, 7])
        regions = {r: i for i, r in enumerate(self.story["population"]["region"])}
        urban = rng.random(self.n) < float(d["urban_share"])
        stratum = 10 * np.array([regions[r] for r in self.attr["region"]]) + np.where(urban, 1, 2)
        # another country: urban and rural strata (in Belgium's draws: one stratum, never written)
        stratum = np.where(
            self.belgian, stratum, 100 if self.country == BELGIUM else np.where(urban, 101, 102)
        )
        if "stratum" in names:
            self._put(names["stratum"], stratum.astype(float), "", "Stratum (region x urbanisation)")
        if "psu" not in names:
            return
        lat = sum(float(c) * self.lat[k] / self.lat[k].std() for k, c in d["cluster_on"].items())
        key = lat / lat.std() + float(d["cluster_noise"]) * rng.standard_normal(self.n)
        size = int(d["cluster_size"][self.wave])
        psu = np.zeros(self.n)
        for h in np.unique(stratum):
            rows = np.flatnonzero(stratum == h)
            ordered = rows[np.argsort(key[rows], kind="stable")]
            psu[ordered] = 1000 * h + np.arange(len(rows)) // size + 1
        self._put(names["psu"], psu, "", "Primary sampling unit (sampling point)")

    def frame(self) -> pd.DataFrame:
        self.people()
        self.latents()
        self.design()
        self.breakdowns()
        self.indicators()
        self.sample_design()
        first = [self.w["id"]["var"], self.w["country"]["var"]]
        order = first + [c for c in self.cols if c not in first]
        return pd.DataFrame({c: self.cols[c] for c in order})

    def value_labels(self) -> dict:
        out = {self.w["country"]["var"]: self.country_labels}
        miss_labels = self.w["missing_labels"]
        for var, scale_name in self.scales.items():
            if not scale_name:
                continue
            scale = self.cb.scale(scale_name)
            labels = {float(k): v for k, v in scale.valid.items()} if not scale.is_numeric else {}
            for code, kind in self.cb.missing_codes(self.wave, scale).items():
                labels[float(code)] = miss_labels[kind]
            if labels:
                out[var] = labels
        return out


def generate(wave: int, *, scale: float = 1.0, seed: int | None = None, codebook: Codebook | None = None):
    """The synthetic data of one wave, with its value labels, variable labels and missing codes."""
    cb = codebook or codebook_mod.load()
    story = load_story()
    seed = int(story["seed"] if seed is None else seed)
    labels = cb.country_labels[cb.waves[wave]["country"]["labels"]].values()
    countries = [BELGIUM, *(c for c in (cb.country_of_label(x) for x in labels) if c and c != BELGIUM)]
    # the persons a respondent stands for in each country: its workforce over its sample
    rows = {c: max(1, round(_country_rows(story, wave) * scale)) for c in countries}
    rows[BELGIUM] = max(1, round(cb.waves[wave]["belgian_n"] * scale))
    workforce = {c: float(story["countries"]["workforce_millions"][c]) * 1e6 for c in countries}
    persons = {c: workforce[c] / rows[c] for c in countries}
    persons[""] = sum(workforce.values()) / sum(rows.values())
    frames = []
    for country in countries:
        g = _Wave(wave, cb, story, scale, seed, country, persons)
        frame = g.frame()
        if country == BELGIUM:
            first, frame = g, frame[g.belgian]
        frames.append(frame)
    df = pd.concat(frames, ignore_index=True)
    df[cb.waves[wave]["id"]["var"]] = np.arange(1, len(df) + 1, dtype=float)
    g = first
    missing = {
        var: [float(c) for c in cb.missing_codes(wave, s)]
        for var, s in g.scales.items()
        if s and cb.missing_codes(wave, s)
    }
    return df, g.value_labels(), dict(g.labels), missing


def write(
    wave: int, path: Path, *, scale: float = 1.0, seed: int | None = None, user_missing: bool | None = None
) -> Path:
    """Write one wave's synthetic .sav atomically. Refuses to replace a file that is not synthetic."""
    cb = codebook_mod.load()
    path = Path(path)
    if path.exists():
        try:
            _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
            ours = FILE_LABEL in (meta.file_label or "")
        except Exception:
            ours = False
        if not ours:
            raise PipelineError(
                "exists and is not a synthetic file; refusing to overwrite it",
                file=path,
                wave=wave,
                expected="raw data to stay untouched",
            )
    df, value_labels, column_labels, missing = generate(wave, scale=scale, seed=seed, codebook=cb)
    declare = cb.waves[wave].get("user_missing_declared", False) if user_missing is None else user_missing
    tmp = path.with_name(f".{path.name}.tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    pyreadstat.write_sav(
        df,
        str(tmp),
        file_label=FILE_LABEL,
        column_labels=column_labels,
        variable_value_labels=value_labels,
        missing_ranges=missing if declare else None,
    )
    _stamp_build_date(tmp)
    os.replace(tmp, path)
    return path


def _stamp_build_date(path: Path) -> None:
    """Write the build date (config.build_date) into the .sav header in place of the clock's."""
    when = config.build_date()
    stamp = f"{when.day:02d} {MONTHS[when.month - 1]} {when.year % 100:02d}{when:%H:%M:%S}".encode("ascii")
    with open(path, "r+b") as fh:
        head = fh.read(SAV_DATE.stop)
        if head[:4] != b"$FL2" or not SAV_DATE_FORMAT.fullmatch(head[SAV_DATE]):
            raise PipelineError(
                "pyreadstat wrote a header this generator does not know; cannot set its date",
                file=path,
                expected="an SPSS system file header ($FL2) with the date at byte 92",
            )
        fh.seek(SAV_DATE.start)
        fh.write(stamp)


def check_arguments(scale, seed) -> None:
    if not (isinstance(scale, (int, float)) and math.isfinite(scale) and 0 < scale <= MAX_SCALE):
        raise PipelineError(
            f"scale {scale!r} is not a usable sample-size multiplier",
            expected=f"a number above 0 and at most {MAX_SCALE} (1: Belgian sample sizes, 16: EU size)",
        )
    if seed is not None and not (isinstance(seed, int) and seed >= 0):
        raise PipelineError(
            f"seed {seed!r} is not a usable random seed", expected="a whole number, 0 or more"
        )


def synth(
    waves=None,
    *,
    out_dir: Path | None = None,
    scale: float = 1.0,
    seed: int | None = None,
    user_missing: bool | None = None,
    log=print,
) -> list[Path]:
    """Write the synthetic file of each wave (default: all), the waves side by side in forked
    processes (each wave draws from random streams of its own: the same bytes either way)."""
    check_arguments(scale, seed)
    cb = codebook_mod.load()
    out_dir = Path(out_dir or config.RAW_DIR)
    waves = [cb.check_wave(w) for w in (waves or cb.wave_names())]
    one = functools.partial(_write_wave, out_dir=out_dir, scale=scale, seed=seed, user_missing=user_missing)
    paths = processes.map_forked(one, waves)
    for wave, path in zip(waves, paths, strict=True):
        log(f"wave {wave}: wrote {path} (synthetic, scale {scale:g})")
    return paths


def _write_wave(wave: int, *, out_dir: Path, scale: float, seed, user_missing) -> Path:
    cb = codebook_mod.load()
    return write(
        wave, out_dir / cb.waves[wave]["synthetic_file"], scale=scale, seed=seed, user_missing=user_missing
    )


def default_if_empty(raw_dir: Path | None = None, log=print) -> bool:
    """Write the synthetic default when ``raw_dir`` holds no survey file of any wave, and say so.

    What ``run``, ``prepare`` and ``build`` do first, so a fresh clone builds with one command."""
    cb = codebook_mod.load()
    raw_dir = Path(raw_dir or config.RAW_DIR)
    surveyfile.refuse_unreadable(raw_dir, cb)  # a real file we cannot read never becomes synthetic
    if any(surveyfile.locate(w, cb, raw_dir) for w in cb.wave_names()):
        return False
    log(f"{raw_dir} holds no survey file: writing the synthetic default (python -m helpers synth)")
    synth(out_dir=raw_dir, log=log)
    return True
