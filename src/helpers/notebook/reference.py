"""Figures of other published sources (helpers.sources), beside the survey's.

A notebook draws them through ``r.sources`` (a theme notebook's Report) or ``context`` (a chapter
made of other sources only). Every figure:

* shows the values of ``data/reference/<source>/data.csv`` as they are: nothing is estimated,
  summed or interpolated; a line over years without a value is dotted, and no line crosses a break;
* marks a value taken from a third party (press, other sites reproducing the publisher) with an
  open marker or a hatched bar;
* carries its source and address in the figure's notes, and writes its CSV with the citation of each
  value (publisher, title, address, origin); the book prints the citations under the figure.

The figures do not change with the survey's wave: they are drawn for the edition's wave
(``report.wave``) only, and a notebook run for another wave says so in their place.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.core import i18n
from helpers.core.errors import PipelineError
from helpers.core.i18n import t
from helpers.metadata import codebook, sources
from helpers.metadata.sources import PERCENT, THIRD_PARTY, fmt, labelled, short_address
from helpers.notebook import figures
from helpers.notebook.output import edition_only, publish, resolve


class SourceFigures:
    def __init__(self, wave, lang: str, *, tables_dir=None):
        self.wave, self.lang = int(wave), i18n.check_lang(lang)
        self.tables_dir = Path(tables_dir) if tables_dir is not None else None
        figures.style()

    # ------------------------------------------------------------------ helpers
    def _cap(self, label: str) -> str:
        return t(self.lang, f"sources.figures.{label}")

    def _rows(
        self,
        label: str,
        src: sources.Source,
        measure,
        breakdown=sources.TOTAL,
        group=None,
        geo=None,
        years=None,
    ) -> pd.DataFrame:
        measures = [measure] if isinstance(measure, str) else list(measure)
        for m in measures:
            spec = src.meta["measures"].get(m)
            if spec is None or not spec.get("publish", True):
                raise PipelineError(
                    f"figure {label} asks for measure {m!r}, which "
                    + ("is not published (publish: false)" if spec else "the source does not have"),
                    file=f"data/reference/{src.name}/{sources.META_FILE}",
                )
        d = src.published
        breakdowns = [breakdown] if isinstance(breakdown, str) else list(breakdown)
        sel = d.measure.isin(measures) & d.breakdown.isin(breakdowns)
        if group is not None:
            sel &= d.group.isin([group] if isinstance(group, str) else list(group))
        if geo is not None:
            sel &= d.geo.isin([geo] if isinstance(geo, str) else list(geo))
        if years is not None:
            sel &= d.year.isin(list(years))
        rows = d[sel]
        if rows.empty:
            raise PipelineError(
                f"figure {label}: no published value of {', '.join(measures)} by {breakdown}"
                + (f", group {group}" if group else "")
                + (f", geo {geo}" if geo else ""),
                file=f"data/reference/{src.name}/{sources.DATA_FILE}",
            )
        return rows

    def _notes(
        self,
        src: sources.Source,
        *,
        third: bool,
        hatched: bool = False,
        gaps: bool = False,
        breaks=(),
        caveats=(),
        bands: bool = False,
    ) -> list[str]:
        notes = []
        if third:
            notes.append(
                t(self.lang, "sources.notes.third_party_bars" if hatched else "sources.notes.third_party")
            )
        if gaps:
            notes.append(t(self.lang, "sources.notes.gap"))
        if breaks:
            notes.append(
                " ".join(
                    [t(self.lang, "sources.notes.break")]
                    + [t(self.lang, f"sources.breaks.{b['id']}") for b in breaks]
                )
            )
        notes += [t(self.lang, f"sources.breaks.{b['id']}") for b in caveats]
        if bands:
            notes.append(t(self.lang, "sources.notes.waves"))
        notes.append(
            t(
                self.lang,
                "sources.notes.source",
                name=t(self.lang, f"sources.names.{src.name}"),
                address=short_address(src.meta["address"]),
            )
        )
        return notes

    def _publish(self, label: str, fig, alt: str, table: pd.DataFrame) -> None:
        publish(
            label,
            self.wave,
            self.tables_dir,
            fig=fig,
            cap=self._cap(label),
            alt=alt,
            table=table,
        )

    # ------------------------------------------------------------------ figures
    @edition_only
    def trend(self, label: str, source: str, lines: list[dict], *, survey_waves: bool = False) -> None:
        """Yearly values, one line per entry of ``lines`` (each: measure, or measures joined at a
        break, and optionally breakdown, group, geo; default the total for Belgium)."""
        src = sources.get(source)
        specs = [{"breakdown": sources.TOTAL, "group": sources.TOTAL, "geo": "BE", **ln} for ln in lines]
        parts = [self._rows(label, src, **spec) for spec in specs]
        units = {u for p in parts for u in p["unit"]}
        if len(units) != 1:
            raise PipelineError(
                f"figure {label} mixes units ({', '.join(sorted(units))}) in one chart",
                file=f"data/reference/{source}/{sources.META_FILE}",
            )
        unit = units.pop()
        shown_measures = {m for p in parts for m in p["measure"]}
        lo, hi = min(int(p["year"].min()) for p in parts), max(int(p["year"].max()) for p in parts)
        in_range = [b for b in src.breaks(shown_measures) if lo < int(b["year"]) <= hi]
        breaks = [b for b in in_range if b.get("kind", "break") == "break"]
        caveats = [b for b in in_range if b.get("kind") == "caveat"]
        varying = [k for k in ("measure", "group", "geo") if len({str(s[k]) for s in specs}) > 1]
        if "group" in varying and all(
            s["breakdown"] == sources.TOTAL or s["group"] == sources.TOTAL for s in specs
        ):
            varying.remove("group")  # totals of other measures: the measure tells them apart
        plot, summary, gaps = [], [], False
        for spec, rows in zip(specs, parts):
            rows = rows.sort_values("year")
            name = self._line_label(spec, rows, varying)
            third = rows["source"].map(lambda k: src.citation(k)["origin"] == THIRD_PARTY)
            plot.append({"label": name, "data": rows.assign(third_party=third.to_numpy())})
            years, ms = rows["year"].to_list(), rows["measure"].to_list()
            gaps |= any(
                figures.segment_style(a, b, m0, m1, [int(x["year"]) for x in breaks]) == ":"
                for a, b, m0, m1 in zip(years, years[1:], ms, ms[1:])
            )
            summary.append(
                f"{name}: "
                + ", ".join(f"{y} {fmt(v, unit, self.lang)}" for y, v in zip(rows["year"], rows["value"]))
                + "."
            )
        table = labelled(src, pd.concat(parts), self.lang)
        third_any = bool((table["origin"] == THIRD_PARTY).any())
        waves = [w for w in self._survey_waves() if lo - 1 <= w <= hi + 1] if survey_waves else []
        notes = self._notes(
            src, third=third_any, gaps=gaps, breaks=breaks, caveats=caveats, bands=bool(waves)
        )
        fig = figures.source_lines(
            plot,
            ylabel=t(self.lang, f"sources.units.{unit}"),
            yformat=self._axis(unit),
            notes=notes,
            breaks=[int(b["year"]) for b in breaks],
            bands=waves,
            band_label=t(self.lang, "sources.notes.waves_legend") if waves else None,
        )
        alt = t(
            self.lang,
            "sources.alt.lines",
            cap=self._cap(label),
            summary=" ".join(summary),
            extra=self._alt_extra(table, breaks),
        )
        self._publish(label, fig, alt, table)

    @edition_only
    def bars(
        self, label: str, source: str, measure, breakdown: str, *, years=None, geo=None, total: bool = False
    ) -> None:
        """Groups of a breakdown as bars, one bar per year (or per measure, when ``measure`` is a
        list) for each group; with ``total`` the source's total comes first."""
        src = sources.get(source)
        rows = self._rows(
            label, src, measure, [breakdown, sources.TOTAL] if total else breakdown, geo=geo, years=years
        )
        units = set(rows["unit"])
        if len(units) != 1:
            raise PipelineError(
                f"figure {label} mixes units ({', '.join(sorted(units))}) in one chart",
                file=f"data/reference/{source}/{sources.META_FILE}",
            )
        unit = units.pop()
        by_measure = not isinstance(measure, str)
        table = labelled(src, rows, self.lang)
        hue = table["measure_label"] if by_measure else table["year"].astype(str)
        order = (
            [t(self.lang, f"sources.measures.{m}") for m in measure]
            if by_measure
            else [str(y) for y in sorted(table["year"].unique())]
        )
        plot = pd.DataFrame(
            {
                "label": table["group_label"],
                "hue": hue,
                "value": table["value"],
                "third_party": table["origin"] == THIRD_PARTY,
            }
        )
        third_any = bool(plot["third_party"].any())
        fig = figures.source_bars(
            plot,
            hue_order=order,
            xlabel=t(self.lang, f"sources.units.{unit}"),
            xformat=self._axis(unit),
            notes=self._notes(src, third=third_any, hatched=True),
        )
        summary = " ".join(
            f"{g}: " + ", ".join(f"{h} {fmt(v, unit, self.lang)}" for h, v in zip(s["hue"], s["value"])) + "."
            for g, s in plot.groupby("label", sort=False)
        )
        alt = t(
            self.lang,
            "sources.alt.bars",
            cap=self._cap(label),
            summary=summary,
            extra=self._alt_extra(table, []),
        )
        self._publish(label, fig, alt, table)

    def _axis(self, unit: str):
        """An axis's numbers: percentages as published, counts without decimals."""
        return lambda x: fmt(x, unit, self.lang) if unit == PERCENT else i18n.number(x, self.lang, 0)

    # ------------------------------------------------------------------ words
    def _line_label(self, spec: dict, rows: pd.DataFrame, varying: list[str]) -> str:
        """What tells a line from the others: its measure(s), its group, its area."""
        parts = []
        if "measure" in varying or not varying:
            names = [t(self.lang, f"sources.measures.{m}") for m in dict.fromkeys(rows["measure"])]
            parts.append(" / ".join([names[0], *map(i18n.lower_first, names[1:])]))
        last = rows.iloc[-1]
        if "group" in varying:
            parts.append(sources.group_label(self.lang, last["breakdown"], last["group"]))
        if "geo" in varying:
            parts.append(t(self.lang, f"sources.geo.{last['geo']}"))
        return ": ".join(parts)

    def _alt_extra(self, table: pd.DataFrame, breaks) -> str:
        words = []
        n = int((table["origin"] == THIRD_PARTY).sum())
        if n:
            words.append(t(self.lang, "sources.alt.third_party", count=n))
        if breaks:
            words.append(t(self.lang, "sources.alt.breaks", years=", ".join(str(b["year"]) for b in breaks)))
        return (" " + " ".join(words)) if words else ""

    def _survey_waves(self) -> list[int]:
        return codebook.load().wave_names()


def context(wave, lang: str, tables_dir=None) -> SourceFigures:
    """The entry point of a notebook made of other sources only (it gets the theme notebooks'
    parameters from the runner, and needs neither the processed data nor the estimates)."""
    return SourceFigures(wave, lang, tables_dir=resolve(tables_dir, None))
