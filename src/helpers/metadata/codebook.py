"""The codebook: harmonised indicators and breakdowns, per-wave sources, scales and labels.

Everything wave-specific lives in ``data/codebook/*.yaml``; this module only reads it, checks that
it is consistent, and answers questions about it. See ``indicators.yaml`` for the recode forms.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from helpers.core import config, i18n, schema
from helpers.core.errors import PipelineError
from helpers.metadata import settings as settings_mod

MISSING_KINDS = ("na", "dk", "refusal")
RECODE_FORMS = ("positive", "score")


@dataclass(frozen=True)
class Scale:
    name: str
    valid: dict  # code -> the file's value label
    missing: tuple  # kinds of missing codes the scale carries (na, dk, refusal)
    width: int  # digits of the repeated missing code (8, 88, 888) in waves that repeat digits
    numeric: tuple | None  # (low, high) for numeric variables, else None

    @property
    def is_numeric(self) -> bool:
        return self.numeric is not None


class Codebook:
    def __init__(self, directory: Path | None = None):
        self.directory = Path(directory or config.CODEBOOK_DIR)
        waves = config.load_yaml(self.directory / "waves.yaml")
        self.waves: dict[int, dict] = {int(k): v for k, v in waves["waves"].items()}
        self.country_labels: dict = waves["country_labels"]
        countries = config.load_yaml(self.directory / "countries.yaml")
        self.countries: dict[str, dict] = countries["countries"]
        self.scales: dict[str, Scale] = {}
        for name, s in config.load_yaml(self.directory / "scales.yaml")["scales"].items():
            self.scales[name] = Scale(
                name=name,
                valid={int(k): str(v) for k, v in (s.get("valid") or {}).items()},
                missing=tuple(s.get("missing") or ()),
                width=int(s.get("missing_width", 1)),
                numeric=tuple(s["numeric"]) if "numeric" in s else None,
            )
        b = config.load_yaml(self.directory / "breakdowns.yaml")
        self.breakdowns: dict = b["breakdowns"]
        self.breakdown_order: list = b["order"]
        ind = config.load_yaml(self.directory / "indicators.yaml")
        self.indicators: dict = ind["indicators"]
        self.themes: list = ind["themes"]
        self.validate()

    # ------------------------------------------------------------------ questions
    def wave_names(self) -> list[int]:
        return sorted(self.waves)

    def check_wave(self, wave) -> int:
        try:
            w = int(wave)
        except (TypeError, ValueError):
            w = None
        if w not in self.waves:
            raise PipelineError(
                f"unknown wave {wave!r}",
                wave=wave,
                expected="one of " + ", ".join(map(str, self.wave_names())),
            )
        return w

    def scale(self, name: str) -> Scale:
        return self.scales[name]

    def missing_codes(self, wave: int, scale: Scale | str) -> dict[int, str]:
        """Missing codes of ``scale`` in ``wave``: code -> kind (na, dk, refusal)."""
        if isinstance(scale, str):
            scale = self.scales[scale]
        w = self.waves[wave]
        out = {}
        for kind in scale.missing:
            base = int(w["missing_codes"][kind])
            code = int(str(base) * scale.width) if w.get("repeat_digits") else base
            out[code] = kind
        return out

    def indicator_spec(self, indicator: str, wave: int) -> dict | None:
        """How ``indicator`` is built in ``wave`` (None if the wave does not have it)."""
        ind = self.indicators[indicator]
        if "derive" in ind:
            return self.indicator_spec(ind["derive"]["from"], wave)
        return (ind.get("waves") or {}).get(wave)

    def asked(self, indicator: str, wave: int) -> dict:
        """How ``indicator`` is built in ``wave``, which must have it."""
        spec = self.indicator_spec(indicator, wave)
        if spec is None:
            raise PipelineError(
                f"indicator {indicator} is not asked in wave {wave}",
                wave=wave,
                file=self.directory / "indicators.yaml",
            )
        return spec

    def indicator_waves(self, indicator: str) -> list[int]:
        ind = self.indicators[indicator]
        if "derive" in ind:
            return self.indicator_waves(ind["derive"]["from"])
        return sorted(int(w) for w in ind["waves"])

    def series(self, indicator: str, wave: int) -> str:
        spec = self.indicator_spec(indicator, wave)
        return (spec or {}).get("series", "main")

    def comparable(self, indicator: str, before: int, after: int) -> bool:
        """Both waves ask the indicator the same way (same series): a change between them means something."""
        return (
            before != after
            and bool(self.indicator_spec(indicator, before))
            and bool(self.indicator_spec(indicator, after))
            and self.series(indicator, before) == self.series(indicator, after)
        )

    def answers(self, indicator: str, wave: int) -> tuple:
        """What a wave's figure counts, in the file's own words: the answer scale's labels and, of
        those, the ones counted as positive (a share) or each one's score (a mean); a numeric scale
        by its range. Two waves with different answers measure different things."""
        spec = self.asked(indicator, wave)
        sc = self.scales[spec["scale"]]
        if sc.is_numeric and not any(k in spec for k in RECODE_FORMS):
            return ("numeric", sc.numeric)
        words = lambda code: sc.valid[code].strip().casefold()  # noqa: E731
        if "positive" in spec:
            counted = frozenset(words(c) for c in spec["positive"])
        else:
            counted = frozenset((words(c), float(v)) for c, v in spec["score"].items())
        return (frozenset(map(words, sc.valid)), counted, spec.get("rule"), float(spec.get("multiply", 1)))

    def wording(self, indicator: str, wave: int) -> tuple | None:
        """The question's words in ``wave`` (normalised), None where the codebook does not say.

        A wave's own ``wording``, else the indicator's (unless the wave has a label of its own: it
        asked another question); a composite of ``items`` has the wordings of the indicators that
        read those items in that wave (None unless every item has one)."""
        spec = self.asked(indicator, wave)
        own = spec.get("wording", None if "label" in spec else self.indicators[indicator].get("wording"))
        if own is not None:
            return (" ".join(str(own).split()).casefold(),)
        if not spec.get("items"):
            return None
        words: list[str] = []
        for item in spec["items"]:
            reader = next(
                (
                    name
                    for name in self.indicators
                    if name != indicator and (self.indicator_spec(name, wave) or {}).get("var") == item
                ),
                None,
            )
            found = self.wording(reader, wave) if reader else None
            if found is None:
                return None
            words.extend(found)
        return tuple(sorted(words))

    def weight_var(self, indicator: str, wave: int) -> str:
        """Source weight variable of an indicator in a wave (core unless a module item)."""
        spec = self.indicator_spec(indicator, wave) or {}
        return self.waves[wave]["weights"][spec.get("weight", "core")]

    def weight_column(self, indicator: str, wave: int) -> str:
        """Column of the processed data that holds the indicator's weight."""
        spec = self.indicator_spec(indicator, wave) or {}
        kind = spec.get("weight", "core")
        return "weight" if kind == "core" else f"weight_{kind}"

    def cross_national_weight(self, wave: int) -> str:
        """The variable of the weight that scales each country to its workforce (European aggregates)."""
        return self.waves[wave]["cross_national_weight"]["var"]

    def eu27(self) -> list[str]:
        """The EU27's countries (ISO codes), in the table's order: the same in every wave."""
        return [c for c, v in self.countries.items() if v["eu27"]]

    def country_of_label(self, label: str) -> str | None:
        """The ISO code of a country value label (any of its spellings, whatever the case)."""
        wanted = str(label).strip().casefold()
        for code, v in self.countries.items():
            if any(wanted == x.casefold() for x in v["labels"]):
                return code
        return None

    def design(self, wave: int) -> dict[str, str]:
        """The wave's sample design variables the codebook names: ``{"stratum": var, "psu": var}``,
        either or both (``design`` in waves.yaml); empty when the design is not known."""
        d = self.waves[wave].get("design") or {}
        return {k: d[v] for k, v in ((schema.STRATUM, "strata"), (schema.PSU, "psu")) if d.get(v)}

    def risk_sign(self, indicator: str) -> int:
        """+1 when a higher value means more risk (``risk: high``), -1 when a lower one does
        (``risk: low``), 0 for an indicator without a direction of risk (telework)."""
        return {"high": 1, "low": -1}.get(self.indicators[indicator].get("risk"), 0)

    def theme_indicators(self, theme: str) -> list[str]:
        return [k for k, v in self.indicators.items() if v["theme"] == theme]

    def variables(self, wave: int) -> dict[str, str]:
        """Every variable ingest reads for ``wave``: name -> scale name ('' for weights/ids)."""
        w = self.waves[wave]
        out: dict[str, str] = {w["country"]["var"]: ""}
        for weight in [*w["weights"].values(), w["cross_national_weight"]["var"]]:
            out[weight] = ""
        for var in self.design(wave).values():
            out[var] = ""
        for b in self.breakdowns.values():
            spec = b["waves"].get(wave)
            if spec:
                out[spec["var"]] = spec["scale"]
        for name in self.indicators:
            spec = self.indicator_spec(name, wave)
            if spec:
                for var in spec.get("items") or [spec["var"]]:
                    out[var] = spec["scale"]
        return out

    def label(
        self,
        lang: str,
        indicator: str | None = None,
        *,
        breakdown: str | None = None,
        category: str | None = None,
        short: bool = False,
        wave: int | None = None,
    ) -> str:
        """Label in ``lang``; an indicator's wave may carry its own wording (another question)."""
        if indicator is not None:
            key = "short" if short else "label"
            spec = (self.indicator_spec(indicator, wave) or {}) if wave is not None else {}
            return (spec.get(key) or self.indicators[indicator][key])[lang]
        b = self.breakdowns[breakdown]
        if category is None:
            return b["label"][lang]
        return b["categories"][category][lang]

    def labelled(self, d, lang: str, units: str = "units"):
        """A tidy table (``indicator``, ``wave``, ``group_var``, ``group``, ``flag``) with the reader's
        words beside its codes: ``group_var`` renamed ``breakdown``, then ``theme``,
        ``indicator_label`` (the wave's own wording), ``kind``, ``unit`` (from the catalogue's
        ``units``, or ``units_change`` for changes), ``breakdown_label``, ``group_label`` and
        ``flag_label``; each word worked out once per distinct value (the member states' tables
        have 30,000 rows)."""
        d = d.rename(columns={"group_var": "breakdown"}).copy()
        total = i18n.t(lang, "tables.total")

        def each(columns: list[str], word) -> list:
            rows = list(zip(*(d[c] for c in columns), strict=True))
            words = {key: word(*key) for key in set(rows)}
            return [words[key] for key in rows]

        d["theme"] = each(["indicator"], lambda i: self.indicators[i]["theme"])
        d["indicator_label"] = each(
            ["indicator", "wave"], lambda i, w: self.label(lang, i, short=False, wave=int(w))
        )
        d["kind"] = each(["indicator"], lambda i: self.indicators[i]["type"])
        d["unit"] = each(["kind"], lambda k: i18n.t(lang, f"{units}.{k}"))
        d["breakdown_label"] = each(
            ["breakdown"], lambda b: total if b == schema.TOTAL else self.label(lang, breakdown=b)
        )
        d["group_label"] = each(
            ["breakdown", "group"],
            lambda b, g: total if b == schema.TOTAL else self.label(lang, breakdown=b, category=g),
        )
        d["flag_label"] = each(["flag"], lambda f: i18n.t(lang, f"flags.{f}"))
        return d

    # ------------------------------------------------------------------ consistency
    def validate(self) -> None:
        """Stop at the first inconsistency of the codebook, naming its file, wave and variable."""
        self._validate_waves()
        seen: dict[tuple, str] = {}
        for name, b in self.breakdowns.items():
            self._validate_breakdown(name, b, seen)
        for name, ind in self.indicators.items():
            self._validate_indicator(name, ind, seen)

    def _validate_waves(self) -> None:
        where = self.directory
        for wave, w in self.waves.items():
            for key in (
                "files",
                "country",
                "weights",
                "cross_national_weight",
                "missing_codes",
                "missing_labels",
                "mode",
            ):
                if key not in w:
                    raise PipelineError(f"wave {wave} has no '{key}'", file=where / "waves.yaml")
            unknown = set(w.get("design") or {}) - {"strata", "psu", "evidence"}
            if unknown:
                raise PipelineError(
                    f"wave {wave}: unknown design key(s) {sorted(unknown)}",
                    file=where / "waves.yaml",
                    wave=wave,
                    expected="design: {strata: <variable>, psu: <variable>, evidence: V|I|U}",
                )
            if w["country"]["labels"] not in self.country_labels:
                raise PipelineError(
                    f"unknown country label set {w['country']['labels']!r}",
                    file=where / "waves.yaml",
                    wave=wave,
                )
            odd = [repr(c) for c in self.countries if not (isinstance(c, str) and len(c) == 2)]
            if odd:
                raise PipelineError(
                    f"country key(s) {', '.join(odd)} are not two-letter codes",
                    file=where / "countries.yaml",
                    expected='ISO codes as text (quote "NO": YAML reads a bare NO as false)',
                )
            labels = self.country_labels[w["country"]["labels"]].values()
            nameless = [x for x in labels if self.country_of_label(x) is None]
            if nameless:
                raise PipelineError(
                    f"wave {wave}: country label(s) {nameless} are in no country's labels",
                    file=where / "countries.yaml",
                    wave=wave,
                    expected="each spelling of a country's value label under its ISO code",
                )
            absent = set(self.eu27()) - {self.country_of_label(x) for x in labels}
            if absent:
                raise PipelineError(
                    f"wave {wave}: the EU27's {sorted(absent)} are not in its country labels",
                    file=where / "waves.yaml",
                    wave=wave,
                    expected="the same 27 member states in every wave (countries.yaml, eu27)",
                )

    def _check_var(self, seen: dict, wave, var, scale, owner, file) -> None:
        """A variable read with a known scale in a known wave, the same scale wherever it is read."""
        if wave not in self.waves:
            raise PipelineError(f"{owner} names unknown wave {wave}", file=file)
        if scale not in self.scales:
            raise PipelineError(f"{owner} uses unknown scale {scale!r}", file=file, wave=wave, variable=var)
        sc = self.scales[scale]
        clash = set(self.missing_codes(wave, sc)) & set(sc.valid)
        if clash:
            raise PipelineError(
                f"scale {scale}: missing codes {sorted(clash)} are also valid codes",
                file=self.directory / "scales.yaml",
                wave=wave,
                variable=var,
                expected="a larger missing_width",
            )
        prev = seen.setdefault((wave, var), scale)
        if prev != scale:
            raise PipelineError(
                f"{owner} reads it with scale {scale!r}, elsewhere {prev!r}",
                file=file,
                wave=wave,
                variable=var,
            )

    def _validate_breakdown(self, name: str, b: dict, seen: dict) -> None:
        file = self.directory / "breakdowns.yaml"
        for wave, spec in b["waves"].items():
            self._check_var(seen, wave, spec["var"], spec["scale"], f"breakdown {name}", file)
            sc = self.scales[spec["scale"]]
            if "map" in spec:
                unknown = set(spec["map"]) - set(sc.valid)
                bad = {v for v in spec["map"].values() if v is not None} - set(b["categories"])
                missing = set(sc.valid) - set(spec["map"])
                if unknown or bad or missing:
                    raise PipelineError(
                        f"breakdown {name}: map does not fit scale {sc.name} (codes not in scale "
                        f"{sorted(unknown)}, codes of the scale not mapped {sorted(missing)}, "
                        f"unknown categories {sorted(bad)})",
                        file=file,
                        wave=wave,
                        variable=spec["var"],
                    )
            elif "bins" not in b or not sc.is_numeric:
                raise PipelineError(
                    f"breakdown {name} needs a map, or bins on a numeric scale",
                    file=file,
                    wave=wave,
                    variable=spec["var"],
                )

    def _validate_indicator(self, name: str, ind: dict, seen: dict) -> None:
        file = self.directory / "indicators.yaml"
        if ind.get("theme") not in self.themes:
            raise PipelineError(
                f"indicator {name} has unknown theme {ind.get('theme')!r}",
                file=file,
                expected="one of " + ", ".join(self.themes),
            )
        if ind.get("type") not in ("share", "mean"):
            raise PipelineError(
                f"indicator {name} has type {ind.get('type')!r}", file=file, expected="share or mean"
            )
        rng = ind.get("range")
        if ind["type"] == "mean" and not (isinstance(rng, list) and len(rng) == 2 and rng[0] < rng[1]):
            raise PipelineError(
                f"indicator {name} is a mean without its possible range",
                file=file,
                expected="range: [lowest, highest] (intervals are clipped to it)",
            )
        for lang in config.settings()["languages"]:
            for key in ("label", "short"):
                if lang not in (ind.get(key) or {}):
                    raise PipelineError(f"indicator {name} has no {key} in {lang}", file=file)
        if "derive" in ind:
            src = ind["derive"]["from"]
            if src not in self.indicators or self.indicators[src]["type"] != "mean":
                raise PipelineError(
                    f"indicator {name} derives from {src!r}, which is not a mean indicator", file=file
                )
            return
        for wave, spec in ind["waves"].items():
            self._validate_recode(name, ind, wave, spec, file, seen)
        self._validate_series(name, ind, file)

    def _validate_recode(self, name: str, ind: dict, wave, spec: dict, file: Path, seen: dict) -> None:
        """One wave's recode of an indicator: its variables, its form and the codes it counts."""
        for var in spec.get("items") or [spec.get("var")]:
            self._check_var(seen, wave, var, spec["scale"], f"indicator {name}", file)
        sc = self.scales[spec["scale"]]
        form = [k for k in RECODE_FORMS if k in spec]
        if sc.is_numeric and not form:
            return
        if len(form) != 1:
            raise PipelineError(
                f"indicator {name} needs exactly one of 'positive' or 'score'", file=file, wave=wave
            )
        codes = spec[form[0]]
        if set(codes) - set(sc.valid):
            raise PipelineError(
                f"indicator {name} recodes codes {sorted(set(codes) - set(sc.valid))}"
                f" that scale {sc.name} does not have",
                file=file,
                wave=wave,
            )
        if (form[0] == "positive") != (ind["type"] == "share"):
            raise PipelineError(
                f"indicator {name}: a share uses 'positive', a mean uses 'score'",
                file=file,
                wave=wave,
            )
        if "items" in spec and spec.get("rule") not in (
            ("any", "none") if form[0] == "positive" else ("sum",)
        ):
            raise PipelineError(
                f"indicator {name}: items need rule any/none (share) or sum (mean)",
                file=file,
                wave=wave,
            )
        if spec.get("weight", "core") not in self.waves[wave]["weights"]:
            raise PipelineError(
                f"indicator {name} uses weight {spec['weight']!r}, which the wave does not define",
                file=file,
                wave=wave,
            )

    def _validate_series(self, name: str, ind: dict, file: Path) -> None:
        """Items asked with other answers or other words never share a series, nor a label.

        Within a series every wave counts the same answers (``answers``), unless a wave says why
        its different form measures the same (``bridge: reason``). The indicator's own label fits
        one form of the question; a wave asked otherwise carries its own label and its own series."""
        waves = {int(w): spec for w, spec in ind["waves"].items()}
        for w, spec in waves.items():
            if "label" in spec and [
                v
                for v, other in waves.items()
                if v != w and other.get("series", "main") == spec.get("series", "main")
            ]:
                raise PipelineError(
                    f"indicator {name}: wave {w} has its own wording but shares series "
                    f"{spec.get('series', 'main')!r} with other waves",
                    file=file,
                    wave=w,
                    expected="a series of its own for a question asked in other words",
                )
        plain = [w for w, spec in waves.items() if "bridge" not in spec]
        self._validate_wording(name, waves, plain, file)
        for key, what in (
            (lambda s: s.get("series", "main"), "series"),
            (lambda s: "own" if "label" in s else "indicator", "label"),
        ):
            first: dict = {}
            for w in plain:
                if what == "label" and "label" in waves[w]:
                    continue
                k = key(waves[w])
                ref = first.setdefault(k, w)
                if self.answers(name, w) != self.answers(name, ref):
                    where = f"series {k!r}" if what == "series" else "the indicator's label"
                    raise PipelineError(
                        f"indicator {name}: waves {ref} and {w} share {where} but count different answers "
                        f"(scale {waves[ref]['scale']} {self._counted(name, ref)} vs scale "
                        f"{waves[w]['scale']} "
                        f"{self._counted(name, w)})",
                        file=file,
                        wave=w,
                        expected="a series and a label of its own for the wave asked otherwise "
                        "(or `bridge: <why it measures the same>`)",
                    )

    def _validate_wording(self, name: str, waves: dict, plain: list, file: Path) -> None:
        """Waves of one series were asked in the same words, where the codebook knows them."""
        first: dict = {}
        for w in plain:
            words = self.wording(name, w)
            if words is None:
                continue
            series = waves[w].get("series", "main")
            ref = first.setdefault(series, w)
            if words != self.wording(name, ref):
                raise PipelineError(
                    f"indicator {name}: waves {ref} and {w} share series {series!r} but were asked in "
                    f"other words ({' / '.join(self.wording(name, ref) or ())!r} vs {' / '.join(words)!r})",
                    file=file,
                    wave=w,
                    expected="a series, a label and a short of its own for the wave asked in other words",
                )

    def _counted(self, name: str, wave: int) -> str:
        spec = self.asked(name, wave)
        sc = self.scales[spec["scale"]]
        codes = spec.get("positive") or list(spec.get("score") or [])
        return "[" + ", ".join(sc.valid.get(c, str(c)) for c in codes) + "]" if codes else "(numeric)"


@functools.cache
def load() -> Codebook:
    """The project's codebook, with data/settings.yaml checked against it (helpers.metadata.settings)."""
    cb = Codebook()
    settings_mod.check(
        config.settings(),
        waves=cb.wave_names(),
        indicators=list(cb.indicators),
        breakdowns=cb.breakdown_order,
    )
    return cb
