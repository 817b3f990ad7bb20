"""What a theme notebook calls: one object per (theme, wave, language), one method per figure.

Each method renders a figure (or table), displays it as the cell's only output with its caption
and alt text in the output's metadata, and writes the numbers behind it to
``<tables_dir>/<label>-<wave>.csv``. The runner (helpers.runner) then moves caption and alt text
into the cell's Quarto options and makes the label unique per wave.

``publish_estimates`` writes the theme's whole cube for the wave (every indicator by every
breakdown, suppressed cells included) and the wave's sample facts: the pre-render step assembles
the edition's estimates store from these files (helpers.store) and never opens data/processed/.

Estimates are rounded once, to ``publish.decimals`` of settings.yaml, as soon as they are made:
figures, alt texts, CSV files, the store and the prose all print the same published values.
"""

from __future__ import annotations

import functools
import json

import numpy as np
import pandas as pd

from helpers.core import config, i18n, schema
from helpers.core.errors import PipelineError
from helpers.core.i18n import lower_first, t
from helpers.core.schema import CHANGE_COLUMNS, CHANGES, CUBE, SAMPLE, STORE_COLUMNS
from helpers.estimate import change as change_mod
from helpers.estimate import europe, findings, precompute
from helpers.estimate import weighted as estimate
from helpers.metadata import codebook as codebook_mod
from helpers.notebook import figures, reference
from helpers.notebook.output import edition_only, publish, resolve


class Report:
    def __init__(
        self, theme: str, wave, lang: str, *, processed_dir=None, tables_dir=None, estimates_dir=None
    ):
        cb = self.cb = codebook_mod.load()
        if theme not in cb.themes:
            raise PipelineError(f"unknown theme {theme!r}", expected="one of " + ", ".join(cb.themes))
        self.theme, self.wave, self.lang = theme, cb.check_wave(wave), i18n.check_lang(lang)
        self.processed_dir = resolve(processed_dir, config.PROCESSED_DIR)
        self.tables_dir = resolve(tables_dir, None)
        self.indicators = cb.theme_indicators(theme)
        self.settings = config.settings()
        figures.style()
        # Estimates are computed once per build, for every notebook (helpers.estimate.precompute):
        # the grid passes ``estimates_dir`` and they must be there; by hand they are used if current.
        # The waves with processed data (another wave not ingested: trends show what there is).
        self._store = precompute.Estimates.of_available(
            self.processed_dir,
            resolve(estimates_dir, None),
            cb,
            required=estimates_dir is not None,
            wave=self.wave,
        )
        self._waves = self._store.waves
        self._estimates: dict[tuple, pd.DataFrame] = {}
        self.manifest = self._store.manifest(self.wave)
        self.synthetic = bool(self.manifest.get("synthetic"))
        self.decimals = int(self.settings["publish"]["decimals"])

    # ------------------------------------------------------------------ data
    def estimates(self, indicators=None, wave=None) -> pd.DataFrame:
        """Tidy estimates (codes, not labels) of the theme's indicators, all breakdowns, as published."""
        wave = self.wave if wave is None else wave
        indicators = tuple(indicators or self.indicators)
        key = (indicators, wave)
        if key not in self._estimates:
            if wave not in self._waves:
                self._estimates[key] = estimate.empty()
            else:
                self._estimates[key] = precompute.select(self._store.wave(wave), indicators)
        return self._estimates[key]

    def changes(self, before: int, indicators=None, after: int | None = None) -> pd.DataFrame:
        """Change of ``indicators`` (default: the theme's) by every group from ``before`` to
        ``after`` (default: this wave), where both waves ask them alike (helpers.change)."""
        inds = tuple(indicators or self.indicators)
        after = self.wave if after is None else after
        if before not in self._waves or after not in self._waves or before >= after:
            return change_mod.empty()
        key = ("changes", inds, before, after)  # figures and a table ask for the same changes
        if key not in self._estimates:
            self._estimates[key] = precompute.select(self._store.changes(before, after), inds)
        return self._estimates[key]

    def _all_waves(self, indicators) -> pd.DataFrame:
        return pd.concat([self.estimates(indicators, w) for w in self._waves], ignore_index=True)

    def _available(self, indicators) -> list[str]:
        return [i for i in indicators if self.cb.indicator_spec(i, self.wave)]

    def _kind(self, indicator: str) -> str:
        return self.cb.indicators[indicator]["type"]

    def _label(self, indicator: str, short=True, wave=None) -> str:
        return self.cb.label(self.lang, indicator, short=short, wave=self.wave if wave is None else wave)

    def _group_label(self, group_var: str, group: str) -> str:
        if group_var == schema.TOTAL:
            return t(self.lang, "tables.total")
        return self.cb.label(self.lang, breakdown=group_var, category=group)

    def _fmt(self, x, indicator) -> str:
        return i18n.value(x, self._kind(indicator), self.lang)

    def _theme(self) -> str:
        return t(self.lang, f"themes.{self.theme}")

    def _notes(self, *, ci=True, flags=None, extra=()) -> list[str]:
        d = self.settings["disclosure"]
        notes = [t(self.lang, "notes.ci")] if ci else []
        if flags is not None and (flags == "low_reliability").any():
            notes.append(
                t(
                    self.lang,
                    "notes.low_reliability",
                    low_min=d["min_n"],
                    low_max=d["low_reliability_n"] - 1,
                    low_n_eff=d["low_reliability_n_eff"],
                )
            )
        if flags is not None and (flags == "suppressed").any():
            notes.append(t(self.lang, "notes.suppressed", min_n=d["min_n"], min_n_eff=d["min_n_eff"]))
        notes += list(extra)
        if self.synthetic:
            notes.append(t(self.lang, "notes.synthetic"))
        return notes

    def _finding(self, top, indicator: str, group_var: str, description: str) -> str:
        """A figure's caption: its finding first where the estimates support one
        (helpers.estimate.findings), then the plain description (indicator, breakdown, wave)."""
        if top is None:
            return description
        title = t(
            self.lang,
            "findings.highest",
            indicator=self._label(indicator),
            group=lower_first(self._group_label(group_var, top.group)),
        )
        return f"{title}. {description}"

    def _reliability(self, shown: pd.DataFrame, extremes) -> dict:
        """The alt text's highest/lowest sentence, from reliable estimates only, and a word on the others.

        ``shown`` are the published (not suppressed) rows; ``extremes(reliable)`` writes the sentence
        from the rows flagged ok. With none, the text says that the figure is of low reliability."""
        d = self.settings["disclosure"]
        reliable = shown[shown.flag == schema.FLAG_OK]
        flagged = int((shown.flag == schema.FLAG_LOW).sum())
        if reliable.empty:
            return {
                "extremes": t(self.lang, "figures.unreliable", low_n=d["low_reliability_n"]),
                "flagged": "",
            }
        return {
            "extremes": extremes(reliable),
            "flagged": t(
                self.lang,
                "figures.flagged",
                count=flagged,
                low_min=d["min_n"],
                low_max=d["low_reliability_n"] - 1,
            )
            if flagged
            else "",
        }

    # ------------------------------------------------------------------ publishing
    def published_table(self, est: pd.DataFrame) -> pd.DataFrame:
        """The tidy table with labels in the report's language, as it is published in CSV."""
        d = est.copy()
        d["unit"] = [t(self.lang, f"units.{self._kind(i)}") for i in d["indicator"]]
        d["group"] = [self._group_label(g, v) for g, v in zip(d["group_var"], d["group"])]
        d["group_var"] = [
            t(self.lang, "tables.total") if g == schema.TOTAL else self.cb.label(self.lang, breakdown=g)
            for g in d["group_var"]
        ]
        d["indicator"] = [self._label(i, short=False, wave=int(w)) for i, w in zip(d["indicator"], d["wave"])]
        d["flag"] = [t(self.lang, f"flags.{f}") for f in d["flag"]]
        return d[[*estimate.COLUMNS, "unit"]]

    def cube(self) -> pd.DataFrame:
        """Every indicator of the theme that this wave has, by every breakdown of the codebook, in
        the store's schema: codes and labels in the report's language, the series an estimate
        belongs to (only the same series is comparable) and the mode-change mark. Suppressed cells
        are rows with an empty estimate and their flag."""
        est = self.estimates(self._available(self.indicators))
        d = self.cb.labelled(est, self.lang)
        d["wave"] = d["wave"].astype(int)
        d["series"] = [self.cb.series(i, self.wave) for i in d["indicator"]]
        d["mode_change"] = bool(self.cb.waves[self.wave].get("mode_change", False))
        return d[STORE_COLUMNS]

    def labelled_changes(self, ch: pd.DataFrame) -> pd.DataFrame:
        """Changes in the store's schema, with labels in the report's language."""
        d = self.cb.labelled(ch, self.lang, units="units_change")
        return d[CHANGE_COLUMNS]

    def change_cube(self) -> pd.DataFrame:
        """The theme's changes from every earlier wave to this one, where comparable."""
        parts = [self.changes(w) for w in self._waves if w < self.wave]
        parts = [p for p in parts if not p.empty]
        return self.labelled_changes(pd.concat(parts, ignore_index=True) if parts else change_mod.empty())

    def sample(self) -> dict:
        """The wave's sample facts that the book prints (respondents, data origin, item non-response
        of the theme's indicators and of the breakdowns): aggregates only."""
        q = self._store.quality(self.wave)
        mine = q[((q["kind"] == "indicator") & q["name"].isin(self.indicators)) | (q["kind"] == "breakdown")]
        return {
            "wave": self.wave,
            "theme": self.theme,
            "respondents": int(self.manifest["rows_belgium"]),
            "synthetic": self.synthetic,
            "source": self.manifest["source"],
            "source_sha256": self.manifest["source_sha256"],
            "nonresponse_pct": [
                {"kind": r.kind, "name": r.name, "pct": float(r.nonresponse_pct)} for r in mine.itertuples()
            ],
        }

    def publish_estimates(self) -> None:
        """Write the cube and the sample facts for the estimates store (no output in the notebook)."""
        if self.tables_dir is None:
            return
        self.tables_dir.mkdir(parents=True, exist_ok=True)
        self.cube().to_csv(
            self.tables_dir / CUBE.format(wave=self.wave), index=False, encoding="utf-8", lineterminator="\n"
        )
        self.change_cube().to_csv(
            self.tables_dir / CHANGES.format(wave=self.wave),
            index=False,
            encoding="utf-8",
            lineterminator="\n",
        )
        (self.tables_dir / SAMPLE.format(wave=self.wave)).write_text(
            json.dumps(self.sample(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )

    def _publish(self, label: str, **kwargs) -> None:
        publish(label, self.wave, self.tables_dir, **kwargs)

    @functools.cached_property
    def sources(self):
        """The figures of other published sources (helpers.reference) this theme's chapter shows;
        drawn for the edition's wave only (they do not change with the survey's wave)."""
        return reference.SourceFigures(self.wave, self.lang, tables_dir=self.tables_dir)

    def _no_data_figure(self, label, cap):
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(figures.WIDTH, 1.2))
        ax.axis("off")
        message = t(self.lang, "notes.no_data", wave=self.wave)
        ax.text(0.5, 0.5, message, ha="center", va="center", color=figures.GREY)
        self._publish(label, fig=fig, cap=cap, alt=message, table=self.published_table(estimate.empty()))

    # ------------------------------------------------------------------ figures
    @edition_only
    def key_figure(self, label: str) -> None:
        """The theme's shares for all workers in this wave, with confidence intervals."""
        inds = [i for i in self._available(self.indicators) if self._kind(i) == "share"]
        cap = t(self.lang, "figures.key.cap", theme=self._theme(), wave=self.wave)
        est = self.estimates()
        tot = est[(est.group_var == schema.TOTAL) & est.indicator.isin(inds)].copy()
        shown = tot.dropna(subset=["estimate"])
        if shown.empty:
            return self._no_data_figure(label, cap)
        tot["label"] = [self._label(i) for i in tot.indicator]

        def extremes(rows):
            top, bottom = rows.loc[rows.estimate.idxmax()], rows.loc[rows.estimate.idxmin()]
            return t(
                self.lang,
                "figures.key.extremes",
                top=self._label(top.indicator),
                top_value=self._fmt(top.estimate, top.indicator),
                bottom=self._label(bottom.indicator),
                bottom_value=self._fmt(bottom.estimate, bottom.indicator),
            )

        alt = t(
            self.lang,
            "figures.key.alt",
            count=len(shown),
            theme_lower=lower_first(self._theme()),
            wave=self.wave,
            **self._reliability(shown, extremes),
        )
        fig = figures.dot_plot(tot, xlabel=t(self.lang, "units.share"), notes=self._notes(flags=tot.flag))
        self._publish(
            label,
            fig=fig,
            cap=cap,
            alt=alt,
            table=self.published_table(tot[estimate.COLUMNS]),
        )

    @edition_only
    def key_table(self, label: str) -> None:
        """All the theme's indicators for all workers: estimate, interval, base, remark."""
        inds = self._available(self.indicators)
        est = self.estimates()
        tot = est[(est.group_var == schema.TOTAL) & est.indicator.isin(inds)]
        h = lambda k: t(self.lang, f"tables.headers.{k}")  # noqa: E731
        rows = []
        for r in tot.itertuples():
            ci = (
                "–"
                if np.isnan(r.ci_low)
                else i18n.interval(self._fmt(r.ci_low, r.indicator), self._fmt(r.ci_high, r.indicator))
            )
            rows.append(
                {
                    h("indicator"): self._label(r.indicator, short=False),
                    h("estimate"): self._fmt(r.estimate, r.indicator),
                    h("ci"): ci,
                    h("n"): i18n.number(r.n, self.lang, 0),
                    h("flag"): t(self.lang, f"flags.{r.flag}"),
                }
            )
        # the long labels would otherwise take the whole width and run the numbers together in the PDF
        md = i18n.pipe_table(rows, "lrrrl", widths=[44, 12, 17, 15, 12])
        cap = t(self.lang, "tables.key.cap", theme=self._theme(), wave=self.wave)
        self._publish(label, markdown=md, cap=cap, alt=None, table=self.published_table(tot))

    @edition_only
    def group_figure(self, label: str, indicators, group_var: str) -> None:
        """One indicator (the first of ``indicators`` this wave has) by the groups of a breakdown."""
        inds = self._available([indicators] if isinstance(indicators, str) else indicators)
        breakdown = self.cb.label(self.lang, breakdown=group_var)
        if not inds:
            return self._no_data_figure(
                label,
                t(
                    self.lang,
                    "figures.group.cap",
                    indicator=self._theme(),
                    breakdown=breakdown,
                    breakdown_lower=breakdown.lower(),
                    wave=self.wave,
                ),
            )
        ind = inds[0]
        est = self.estimates([ind])
        rows = est[(est.indicator == ind) & (est.group_var == group_var)].copy()
        total = est[(est.indicator == ind) & (est.group_var == schema.TOTAL)].estimate.iloc[0]
        rows["label"] = [self._group_label(group_var, g) for g in rows.group]
        shown = rows.dropna(subset=["estimate"])
        cap = t(
            self.lang,
            "figures.group.cap",
            indicator=self._label(ind),
            breakdown=breakdown.lower(),
            breakdown_lower=breakdown.lower(),
            wave=self.wave,
        )
        if shown.empty:
            return self._no_data_figure(label, cap)
        total_row = est[(est.indicator == ind) & (est.group_var == schema.TOTAL)].iloc[0]
        cap = self._finding(findings.highest(rows, total_row), ind, group_var, cap)
        hidden = int((rows.flag == "suppressed").sum())

        def extremes(groups):
            top, bottom = groups.loc[groups.estimate.idxmax()], groups.loc[groups.estimate.idxmin()]
            return t(
                self.lang,
                "figures.group.extremes",
                top=top.label,
                top_value=self._fmt(top.estimate, ind),
                bottom=bottom.label,
                bottom_value=self._fmt(bottom.estimate, ind),
            )

        alt = t(
            self.lang,
            "figures.group.alt",
            indicator_lower=lower_first(self._label(ind)),
            breakdown_lower=breakdown.lower(),
            wave=self.wave,
            **self._reliability(shown, extremes),
            hidden=t(self.lang, "figures.group.hidden", count=hidden) if hidden else "",
        )
        unit = t(self.lang, f"units.{self._kind(ind)}")
        fig = figures.bar_plot(
            rows,
            total=total,
            total_label=t(self.lang, "tables.total"),
            xlabel=f"{self._label(ind)} ({unit})",
            notes=self._notes(flags=rows.flag),
        )
        table = pd.concat(
            [est[(est.indicator == ind) & (est.group_var == schema.TOTAL)], rows[estimate.COLUMNS]]
        )
        self._publish(label, fig=fig, cap=cap, alt=alt, table=self.published_table(table))

    @edition_only
    def risk_map(self, label: str, group_vars) -> None:
        """Every indicator of the theme with a risk direction by the groups of one or more
        breakdowns (one block of rows each), coloured by relative risk."""
        group_vars = [group_vars] if isinstance(group_vars, str) else list(group_vars)
        inds = [
            i
            for i in self._available(self.indicators)
            if self.cb.indicators[i].get("risk") in ("high", "low")
        ]
        names = [self.cb.label(self.lang, breakdown=g) for g in group_vars]
        breakdowns = i18n.join([n.lower() for n in names], self.lang)
        cap = t(
            self.lang,
            "figures.riskmap.cap",
            theme=self._theme(),
            breakdown=breakdowns,
            breakdown_lower=breakdowns,
            wave=self.wave,
        )
        est = self.estimates()
        rows = est[est.indicator.isin(inds) & est.group_var.isin(group_vars)]
        if rows.estimate.notna().sum() == 0:
            return self._no_data_figure(label, cap)
        keys = [(g, c) for g in group_vars for c in self.cb.breakdowns[g]["categories"]]
        index = pd.MultiIndex.from_tuples(keys, names=["group_var", "group"])
        by = rows.set_index(["group_var", "group", "indicator"])
        values = by.estimate.unstack("indicator").reindex(index=index, columns=inds)
        flags = by.flag.unstack("indicator").reindex(index=index, columns=inds)
        text = pd.DataFrame("", index=values.index, columns=values.columns)
        for key in values.index:
            for i in values.columns:
                v = values.loc[key, i]
                if not np.isnan(v):
                    text.loc[key, i] = self._fmt(v, i) + (
                        "*" if flags.loc[key, i] == "low_reliability" else ""
                    )
        sign = pd.Series({i: 1 if self.cb.indicators[i]["risk"] == "high" else -1 for i in inds})
        totals = est[(est.group_var == schema.TOTAL)].set_index("indicator").estimate.reindex(inds)
        dev = values.sub(totals, axis=1).mul(sign, axis=1).div(totals.replace(0, np.nan), axis=1)

        def extremes(reliable):
            # the largest deviation among reliable cells only
            ok = set(zip(reliable.group_var, reliable.group, reliable.indicator))
            stacked = dev.stack()
            candidates = stacked[[k in ok for k in stacked.index]].dropna()
            if candidates.empty:  # every reliable cell's total is 0: no deviation to speak of
                return ""
            g_var, g, i_max = candidates.idxmax()
            return t(
                self.lang,
                "figures.riskmap.extremes",
                indicator_lower=lower_first(self._label(i_max)),
                group=self._group_label(g_var, g),
                value=self._fmt(values.loc[(g_var, g), i_max], i_max),
                total=self._fmt(totals[i_max], i_max),
            )

        alt = t(
            self.lang,
            "figures.riskmap.alt",
            count=len(inds),
            theme_lower=lower_first(self._theme()),
            breakdown_lower=breakdowns,
            wave=self.wave,
            **self._reliability(rows.dropna(subset=["estimate"]), extremes),
        )
        labels = [self._group_label(g, c) for g, c in values.index]
        columns = [self._label(i) for i in values.columns]
        values.index = text.index = labels
        values.columns = text.columns = columns
        fig = figures.risk_map(
            values,
            sign.set_axis(columns),
            text,
            self._notes(ci=False, flags=rows.flag, extra=[t(self.lang, "notes.relative_colour")]),
            sections=[(n, len(self.cb.breakdowns[g]["categories"])) for n, g in zip(names, group_vars)]
            if len(group_vars) > 1
            else None,
            scale=(t(self.lang, "figures.riskmap.lower"), t(self.lang, "figures.riskmap.higher")),
            values_note=t(self.lang, "figures.riskmap.values"),
        )
        self._publish(label, fig=fig, cap=cap, alt=alt, table=self.published_table(rows))

    @edition_only
    def europe_figure(self, label: str, indicators) -> None:
        """Belgium against the EU27, its neighbours (``report.europe.neighbours``) and the range of
        the 27 member states, for all workers, on the chapter's shares in ``indicators``; the
        caption states where Belgium is significantly higher or lower than the EU27
        (helpers.estimate.europe: the difference tested although Belgium is part of the EU27)."""
        inds = [i for i in self._available(indicators) if self._kind(i) == "share"]
        cap = t(self.lang, "figures.europe.cap", theme=self._theme(), wave=self.wave)
        countries = europe.published(self._store.europe(self.wave))
        versus = europe.published(self._store.versus_eu27(self.wave))
        tot = countries[(countries.group_var == schema.TOTAL) & countries.indicator.isin(inds)]
        if tot.estimate.notna().sum() == 0:
            return self._no_data_figure(label, cap)
        vs = versus[versus.group_var == schema.TOTAL].set_index("indicator")
        position = europe.position(vs.reset_index()).set_axis(vs.index)
        neighbours = [(c, self.cb.countries[c][self.lang]) for c in europe.neighbours(self.cb)]
        w = lambda key, **k: t(self.lang, f"figures.europe.{key}", **k)  # noqa: E731
        rows, summary = [], []
        for ind in inds:
            d = tot[tot.indicator == ind].set_index("country")
            shown = d[d.flag != schema.FLAG_SUPPRESSED]
            get = lambda c, col="estimate": float(shown.loc[c, col]) if c in shown.index else np.nan  # noqa: E731
            states = shown.drop(index=[europe.EU27, schema.BELGIUM], errors="ignore").estimate
            pos = position.get(ind, "")
            rows.append(
                {
                    "label": self._label(ind),
                    "states": states.to_numpy(dtype=float),
                    "eu27": get(europe.EU27),
                    "be": get(schema.BELGIUM),
                    "be_low": get(schema.BELGIUM, "ci_low"),
                    "be_high": get(schema.BELGIUM, "ci_high"),
                    "be_flag": d.loc[schema.BELGIUM, "flag"]
                    if schema.BELGIUM in d.index
                    else schema.FLAG_SUPPRESSED,
                    "neighbours": {c: get(c) for c, _ in neighbours},
                    "word": w(f"word.{pos}") if pos else "",
                }
            )
            f = lambda x: self._fmt(x, ind)  # noqa: E731
            if pos:
                v = vs.loc[ind]
                all_states = shown.drop(index=[europe.EU27], errors="ignore").estimate
                summary.append(
                    w(
                        "row",
                        indicator=self._label(ind),
                        value=f(v.estimate),
                        eu27=f(v.estimate_eu27),
                        position=w(f"position.{pos}"),
                        low=f(all_states.min()),
                        high=f(all_states.max()),
                        rank=int(v["rank"]),
                        ranked=int(v["ranked"]),
                    )
                )
            else:
                summary.append(w("row_suppressed", indicator=self._label(ind), eu27=f(get(europe.EU27))))
        names = lambda p: i18n.join(  # noqa: E731
            [lower_first(self._label(i)) for i in inds if position.get(i) == p], self.lang
        )
        higher, lower = names(europe.HIGHER), names(europe.LOWER)
        if higher and lower:
            cap = f"{w('finding_both', higher=higher, lower=lower)}. {cap}"
        elif higher or lower:
            cap = f"{w('finding_higher' if higher else 'finding_lower', indicators=higher or lower)}. {cap}"
        flags = pd.Series([r["be_flag"] for r in rows])
        fig = figures.europe_strip(
            rows,
            xlabel=w("xlabel"),
            legend={"belgium": w("belgium"), "eu27": w("eu27"), "range": w("range")},
            neighbours=neighbours,
            notes=self._notes(ci=False, flags=flags, extra=[w("notes")]),
        )
        alt = w(
            "alt",
            count=len(inds),
            theme_lower=lower_first(self._theme()),
            wave=self.wave,
            summary=" ".join(summary),
        )
        # its table: indicator by indicator as in the figure, Belgium, the EU27 and the neighbours
        # first, then the other member states by name
        table = europe.labelled(tot, self.lang, self.cb)
        first = [schema.BELGIUM, europe.EU27, *(c for c, _ in neighbours)]
        table = table.iloc[
            sorted(
                range(len(table)),
                key=lambda i: (
                    inds.index(table.indicator.iat[i]),
                    first.index(table.country.iat[i]) if table.country.iat[i] in first else len(first),
                    i18n.alphabetical(table.country_label.iat[i]),
                ),
            )
        ]
        self._publish(label, fig=fig, cap=cap, alt=alt, table=table)

    @edition_only
    def trend_figure(self, label: str) -> None:
        """Each indicator over the waves comparable with this one, up to this wave (all workers)."""
        inds = self._available(self.indicators)
        allw = self._all_waves(inds)
        panels, parts, summary = [], [], []
        for ind in inds:
            tr = estimate.trend(allw, ind, self.wave, self.cb)
            tr = tr[tr.group_var == schema.TOTAL]
            parts.append(tr)
            panels.append(
                {"title": self._label(ind), "data": tr, "ylabel": t(self.lang, f"units.{self._kind(ind)}")}
            )
            s = tr.dropna(subset=["estimate"])
            if len(s) > 1:
                summary.append(
                    t(
                        self.lang,
                        "figures.trend.change",
                        indicator=self._label(ind),
                        first=self._fmt(s.estimate.iloc[0], ind),
                        first_wave=int(s.wave.iloc[0]),
                        last=self._fmt(s.estimate.iloc[-1], ind),
                        last_wave=int(s.wave.iloc[-1]),
                    )
                )
            elif len(s) == 1:
                summary.append(
                    t(
                        self.lang,
                        "figures.trend.single",
                        indicator=self._label(ind),
                        last=self._fmt(s.estimate.iloc[-1], ind),
                        last_wave=int(s.wave.iloc[-1]),
                    )
                )
        # a figure of several panels names every one in its caption
        named = i18n.join([lower_first(p["title"]) for p in panels], self.lang)
        cap = t(self.lang, "figures.trend.cap", theme=self._theme(), wave=self.wave, panels=named)
        if not panels:
            return self._no_data_figure(label, cap)
        table = pd.concat(parts, ignore_index=True)
        extra = [t(self.lang, "notes.ci_band"), t(self.lang, "notes.trend_only_comparable")]
        if table.mode_change.any():
            extra.append(t(self.lang, "notes.mode_change"))
        fig = figures.trend_panels(
            panels,
            notes=self._notes(ci=False, flags=table.flag, extra=extra),
            waves=[w for w in self.cb.wave_names() if w <= self.wave],
        )
        alt = t(
            self.lang,
            "figures.trend.alt",
            count=len(panels),
            theme_lower=lower_first(self._theme()),
            wave=self.wave,
            summary=" ".join(summary),
        )
        self._publish(
            label,
            fig=fig,
            cap=cap,
            alt=alt,
            table=self.published_table(table[estimate.COLUMNS]),
        )

    @edition_only
    def waves_figure(self, label: str, around: int, extra_indicators=()) -> None:
        """The theme's shares in ``around`` (2021) beside the waves before and after it.

        Only waves comparable with ``around`` are shown for each indicator.
        """
        waves = self._waves
        i = waves.index(around) if around in waves else None
        show = waves[max(0, i - 1) : i + 2] if i is not None else []
        inds = [
            x
            for x in [*self.indicators, *extra_indicators]
            if self._kind(x) == "share" and self.cb.indicator_spec(x, around)
        ]
        rows = []
        for ind in inds:
            series = self.cb.series(ind, around)
            for w in show:
                if self.cb.indicator_spec(ind, w) and self.cb.series(ind, w) == series:
                    e = self.estimates(tuple(inds), w)
                    rows.append(e[(e.indicator == ind) & (e.group_var == schema.TOTAL)])
        cap = t(self.lang, "figures.waves.cap", theme=self._theme())
        table = pd.concat(rows, ignore_index=True) if rows else estimate.empty()
        if table.estimate.notna().sum() == 0:
            return self._no_data_figure(label, cap)
        plot = table.assign(
            label=[self._label(x, wave=around) for x in table.indicator], hue=table.wave.astype(str)
        )
        summary = []
        for ind in inds:
            s = table[table.indicator == ind].dropna(subset=["estimate"]).set_index("wave").estimate
            if around in s.index:
                parts = [f"{w}: {self._fmt(v, ind)}" for w, v in s.items()]
                summary.append(f"{self._label(ind)} ({', '.join(parts)}).")
        alt = t(
            self.lang,
            "figures.waves.alt",
            count=len(inds),
            theme_lower=lower_first(self._theme()),
            summary=" ".join(summary),
        )
        fig = figures.grouped_bars(
            plot,
            hue_order=[str(w) for w in show],
            xlabel=t(self.lang, "units.share"),
            highlight=str(around),
            notes=self._notes(
                ci=False,
                flags=table.flag,
                extra=[t(self.lang, "notes.trend_only_comparable"), t(self.lang, "notes.mode_change")],
            ),
        )
        self._publish(label, fig=fig, cap=cap, alt=alt, table=self.published_table(table))

    # ------------------------------------------------------------------ change by group
    def _change_settings(self) -> dict:
        return self.settings["report"]["change"]

    def _risk_rank(self, ch: pd.DataFrame) -> pd.Series:
        """Change in the direction of risk (a rise in risk is positive); the change itself where
        the indicator has no risk direction."""
        sign = ch["indicator"].map(lambda i: self.cb.risk_sign(i) or 1).astype(float)
        return ch["change"].astype(float) * sign

    def _not_applicable(self, label: str, cap: str) -> None:
        base = self._change_settings()["base_wave"]
        note = t(self.lang, "notes.change_na", before=base, wave=self.wave)
        self._publish(label, markdown=note, cap=cap, alt=note, table=None)

    def largest_rises(self, after: int) -> pd.DataFrame:
        """The reliable groups whose risk rose most since the last wave before the pandemic, on the
        indicators of ``report.change`` with a risk direction: significant after the
        multiple-comparison rule (helpers.estimate.change) and in the direction of risk, a
        significant difference across the 2021 change of mode counted as one; largest first, at
        most ``report.change.hardest_hit`` of them."""
        conf = self._change_settings()
        ch = self.changes(conf["base_wave"], conf["indicators"], after=after)
        ch = ch[(ch.group_var != schema.TOTAL) & (ch.indicator.map(self.cb.risk_sign) != 0)]
        ch = ch.assign(rank=self._risk_rank(ch))
        risen = ch[
            ch.risk_change.isin([change_mod.ROSE, change_mod.MODE_DIFFERENT])
            & (ch["rank"] > 0)
            & (ch.flag == schema.FLAG_OK)
        ]
        return risen.sort_values("rank", ascending=False, kind="stable").head(int(conf["hardest_hit"]))

    @edition_only
    def hardest_hit(self, label: str) -> None:
        """Which groups the pandemic hit hardest: the largest reliable rises in risk by group from
        the last wave before it to the pandemic's (``report.change.during_wave``: across the change of
        survey mode, with that caveat)
        and to this wave, ranked, one panel each."""
        base, during = self._change_settings()["base_wave"], int(self._change_settings()["during_wave"])
        cap = t(self.lang, "figures.hardest.cap", before=base, during=during, wave=self.wave)
        if self.wave <= during:
            return self._not_applicable(label, cap)
        panels, parts, summary = [], [], []
        for after in (during, self.wave):
            d = self.largest_rises(after).copy()
            mode = bool(d.mode_change.any()) or any(
                bool(self.cb.waves[w].get("mode_change", False)) for w in (base, after)
            )
            d["label"] = [
                t(
                    self.lang,
                    "figures.hardest.row",
                    group=self._group_label(g, c),
                    indicator=lower_first(self._label(i)),
                )
                for g, c, i in zip(d.group_var, d.group, d.indicator)
            ]
            title = t(
                self.lang,
                "figures.hardest.mode" if mode else "figures.hardest.panel",
                before=base,
                after=after,
            )
            panels.append({"title": title, "data": d, "xlabel": t(self.lang, "figures.hardest.xlabel")})
            parts.append(d)
            named = "; ".join(
                f"{r.label} ({i18n.signed(r.change, self.lang)})" for r in d.head(3).itertuples()
            ) or t(self.lang, "figures.hardest.none")
            summary.append(f"{title}: {named}.")
        if all(p.empty for p in parts):
            return self._no_data_figure(label, cap)
        extra = [
            t(self.lang, "notes.hardest", count=self._change_settings()["hardest_hit"]),
            t(self.lang, "notes.change_marks"),
            t(self.lang, "notes.change_mode_mark"),
        ]
        fig = figures.change_panels(
            [p for p in panels if not p["data"].empty], notes=self._notes(ci=False, extra=extra)
        )
        alt = t(self.lang, "figures.hardest.alt", before=base, summary=" ".join(summary))
        table = pd.concat(parts, ignore_index=True)[change_mod.COLUMNS]
        self._publish(label, fig=fig, cap=cap, alt=alt, table=self.labelled_changes(table))

    @edition_only
    def rises_table(self, label: str) -> None:
        """Every group whose risk rose significantly since the last wave before the pandemic, on
        any indicator of ``report.change.indicators`` and any breakdown."""
        conf = self._change_settings()
        base = conf["base_wave"]
        # across the 2021 change of mode a significant difference is not a rise: its own words
        mode = any(bool(self.cb.waves[w].get("mode_change", False)) for w in (base, self.wave))
        words = "tables.rises_mode" if mode else "tables.rises"
        cap = t(self.lang, f"{words}.cap", before=base, wave=self.wave)
        if self.wave <= base:
            return self._not_applicable(label, cap)
        ch = self.changes(base, conf["indicators"])
        ch = ch.assign(rank=self._risk_rank(ch))
        marked = change_mod.MODE_DIFFERENT if mode else change_mod.ROSE
        rose = ch[(ch.group_var != schema.TOTAL) & (ch.risk_change == marked) & (ch["rank"] > 0)].copy()
        rose = rose.sort_values(
            ["indicator", "rank"],
            key=lambda c: c.map(list(conf["indicators"]).index) if c.name == "indicator" else -c,
            kind="stable",
        )
        h = lambda k: t(self.lang, f"tables.headers.{k}")  # noqa: E731
        rows = []
        for r in rose.itertuples():
            f = lambda x: self._fmt(x, r.indicator)  # noqa: E731
            # breakdown and group in one column: the PDF's page has no room for a column of each
            group = t(
                self.lang,
                "tables.rises.group",
                breakdown=self.cb.label(self.lang, breakdown=r.group_var),
                group=lower_first(self._group_label(r.group_var, r.group)),
            )
            rows.append(
                {
                    h("indicator"): self._label(r.indicator),
                    h("group"): group,
                    str(base): f(r.estimate_before),
                    str(self.wave): f(r.estimate_after),
                    t(self.lang, "tables.rises.change"): f"{i18n.signed(r.change, self.lang)} "
                    f"({i18n.interval(i18n.signed(r.ci_low, self.lang), i18n.signed(r.ci_high, self.lang))})",
                    h(
                        "n"
                    ): f"{i18n.number(r.n_before, self.lang, 0)} / {i18n.number(r.n_after, self.lang, 0)}",
                    h("flag"): t(self.lang, f"flags.{r.flag}"),
                }
            )
        if rows:
            md = i18n.pipe_table(rows, "llrrrrl")
        else:
            md = t(self.lang, f"{words}.none", before=base, wave=self.wave)
        self._publish(
            label, markdown=md, cap=cap, alt=None, table=self.labelled_changes(rose[change_mod.COLUMNS])
        )


def context(theme: str, wave, lang: str, processed_dir=None, tables_dir=None, estimates_dir=None) -> Report:
    """The notebooks' entry point (a function so the notebook needs one import)."""
    return Report(
        theme, wave, lang, processed_dir=processed_dir, tables_dir=tables_dir, estimates_dir=estimates_dir
    )
