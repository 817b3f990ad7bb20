"""The edition's open data, per language: every published estimate, change and value of another
source, with its metadata, as a Frictionless Data Package.

``build/store/<lang>/opendata/`` holds

* ``estimates.csv``, ``changes.csv``, ``reference.csv``, ``europe.csv`` (each EU27 member state and
  the EU27), ``europe_belgium.csv`` (Belgium and its regions against the EU27): the store's tables
  (helpers.book.store) in
  UTF-8, their headers in the language; codes (indicator, breakdown, group, theme, …) stay the
  same in every language and edition, so tables can be joined across them;
* ``datapackage.json``: the package's descriptor, written with the ``frictionless`` library: a
  table schema per file (field types, titles and descriptions in the language, missing values,
  primary key), the licence, the sources, the version (edition and build date) and the suggested
  citation;
* ``<name>.xlsx``: the same tables, a sheet each, numbers stored as numbers (a Belgian Excel shows
  them with a decimal comma), after a read-me sheet and a sheet describing every column; but for the
  tables of ``CSV_ONLY``, which the read-me names with their CSV file (the member states' estimates:
  45,000 rows of 20 columns took openpyxl 20 s a language to write, and open in Excel as CSV);
* ``<name>.zip``: all of the above.

Every file carries the build date (config.build_date), never the clock's: two builds from the
same inputs are byte-identical.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pandas as pd

from helpers.book import edition
from helpers.book.store import Store
from helpers.core import config, i18n, workdir
from helpers.core.i18n import t
from helpers.core.schema import CHANGE_COLUMNS, EUROPE_BELGIUM_COLUMNS, EUROPE_COLUMNS, STORE_COLUMNS
from helpers.metadata import sources

INTEGER = ("wave", "wave_before", "n", "n_before", "n_after", "df", "year", "rank", "ranked")
NUMBER = (
    "estimate",
    "ci_low",
    "ci_high",
    "se",
    "n_eff",
    "estimate_before",
    "estimate_after",
    "change",
    "p_value",
    "p_adjusted",
    "value",
    "estimate_eu27",
    "difference",
    "share_of_eu27",
)
BOOLEAN = ("mode_change", "significant")
CSV_ONLY = ("europe",)  # too large for a useful sheet: in the spreadsheet's read-me, not a sheet of it
# each table, its columns (codes) and the columns that identify a row
TABLES = {
    "estimates": (STORE_COLUMNS, ["wave", "indicator", "breakdown", "group"]),
    "changes": (CHANGE_COLUMNS, ["wave_before", "wave", "indicator", "breakdown", "group"]),
    "reference": (
        ["source", *sources.LABELLED_COLUMNS],
        ["source", "measure", "year", "geo", "breakdown", "group"],
    ),
    "europe": (EUROPE_COLUMNS, ["wave", "indicator", "country", "breakdown", "group"]),
    "europe_belgium": (EUROPE_BELGIUM_COLUMNS, ["wave", "indicator", "breakdown", "group"]),
}


def folder(build_dir: Path, lang: str) -> Path:
    return Path(build_dir) / "store" / lang / "opendata"


def name(lang: str) -> str:
    """The release's file name: the publication, its edition and the language."""
    edition = config.settings()["publication"]["edition"]
    return f"{t(lang, 'opendata.file')}-{edition}-{lang}"


def version() -> str:
    """The release's version: the edition and the build date (``2026.20261201``)."""
    return f"{config.settings()['publication']['edition']}.{config.build_date():%Y%m%d}"


def field(lang: str, table: str, code: str) -> dict:
    """A column's Table Schema field: its title and description in the language (a table's own
    wording first), its type."""
    words = i18n.catalogue(lang)["opendata"]["fields"]
    spec = {**words.get(code, {}), **words.get(f"{table}.{code}", {})}
    field: dict = {"name": spec["title"], "title": spec["title"], "description": spec["description"]}
    if code in INTEGER:
        field["type"] = "integer"
    elif code in NUMBER:
        field["type"] = "number"
    elif code in BOOLEAN:
        field.update(type="boolean", trueValues=["true"], falseValues=["false"])
    else:
        field["type"] = "string"
    return field


def tables(store: Store, others: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The three tables with code column names, as published (values rounded once, by the store)."""
    return {
        "estimates": store.table[STORE_COLUMNS],
        "changes": store.changes[CHANGE_COLUMNS],
        "reference": others[TABLES["reference"][0]],
        "europe": store.europe[EUROPE_COLUMNS],
        "europe_belgium": store.europe_belgium[EUROPE_BELGIUM_COLUMNS],
    }


def _csv(df: pd.DataFrame, fields: list[dict]) -> str:
    out = df.copy()
    for f in fields:
        if f["type"] == "boolean":
            out[f["code"]] = out[f["code"]].map({True: "true", False: "false"})
        elif f["type"] == "integer":
            out[f["code"]] = out[f["code"]].astype("Int64")
    out.columns = [f["name"] for f in fields]
    return out.to_csv(index=False, lineterminator="\n")


def descriptor(lang: str, fields: dict[str, list[dict]], counts: dict[str, int]) -> dict:
    """The package's descriptor, built and checked by frictionless (a real client of the standard)."""
    import frictionless

    pub = config.settings()["publication"]
    licence = pub["licence"]
    built = config.build_date()
    cite = edition.citation(lang)
    resources = []
    for table, (_, key) in TABLES.items():
        by_code = {f["code"]: f["name"] for f in fields[table]}
        schema = frictionless.Schema.from_descriptor(
            {
                "fields": [{k: v for k, v in f.items() if k != "code"} for f in fields[table]],
                "missingValues": [""],
                "primaryKey": [by_code[c] for c in key],
            }
        )
        resources.append(
            frictionless.Resource(
                name=table,
                path=f"{table}.csv",
                title=t(lang, f"opendata.tables.{table}.title"),
                description=t(lang, f"opendata.tables.{table}.description", rows=counts[table]),
                scheme="file",
                format="csv",
                mediatype="text/csv",
                encoding="utf-8",
                schema=schema,
            )
        )
    package = frictionless.Package(
        name=name(lang),
        title=t(lang, "opendata.title", edition=pub["edition"]),
        description=f"{t(lang, 'opendata.description')} {t(lang, 'opendata.cite', citation=cite)}",
        version=version(),
        created=built.strftime("%Y-%m-%dT%H:%M:%SZ"),
        homepage=pub.get("site_url") or pub["website"][lang],
        licenses=[{"name": licence["id"], "path": licence["url"], "title": licence["title"][lang]}],
        sources=[
            {
                "title": t(lang, "opendata.survey_source"),
                "path": "https://www.eurofound.europa.eu/en/surveys/european-working-conditions-surveys",
            },
            *(
                {"title": t(lang, f"sources.names.{n}"), "path": src.meta["address"]}
                for n, src in sorted(sources.load_all().items())
            ),
        ],
        contributors=[{"title": pub["publisher"][lang], "role": "publisher", "path": pub["website"][lang]}],
        resources=resources,
    )
    out = package.to_descriptor()
    out["citation"] = edition.citation(lang)  # not in the standard's vocabulary: a custom property
    return out


def _zip_bytes(files: dict[str, bytes]) -> bytes:
    """A zip of ``files`` whose entries carry the build date: the same inputs, the same bytes."""
    built = config.build_date()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for entry, data in files.items():
            info = zipfile.ZipInfo(entry, date_time=built.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return buf.getvalue()


def workbook(
    lang: str, title: str, lines: list[str], sheets: dict[str, tuple[pd.DataFrame, list[dict]]]
) -> bytes:
    """A spreadsheet: a read-me sheet (``title`` and ``lines``), a sheet describing every column,
    then a sheet per table (headed by its fields' titles, numbers stored as numbers), streamed by
    openpyxl's write-only mode. The same inputs give the same bytes."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    pub = config.settings()["publication"]
    wb = Workbook(write_only=True)
    wb.properties.creator = pub["publisher"][lang]
    wb.properties.title = title
    wb.properties.created = wb.properties.modified = config.build_date().replace(tzinfo=None)

    def cell(ws, value, *, bold=False, wrap=False):
        c = WriteOnlyCell(ws, value=value)
        if bold:
            c.font = Font(bold=True)
        if wrap:
            c.alignment = Alignment(wrap_text=True, vertical="top")
        return c

    readme = wb.create_sheet(t(lang, "opendata.sheets.readme"))
    readme.column_dimensions["A"].width = 110
    readme.append([cell(readme, title, bold=True)])
    for text in lines:
        readme.append([cell(readme, text, wrap=True)])
    cols = wb.create_sheet(t(lang, "opendata.sheets.columns"))
    for letter, width in zip("ABCD", (18, 30, 10, 100), strict=True):
        cols.column_dimensions[letter].width = width
    head = [t(lang, f"opendata.sheets.{k}") for k in ("sheet", "column", "type", "description")]
    cols.append([cell(cols, h, bold=True) for h in head])
    for sheet, (_, fields) in sheets.items():
        for f in fields:
            cols.append([sheet, f["title"], f["type"], f["description"]])
    for sheet, (df, fields) in sheets.items():
        ws = wb.create_sheet(sheet)
        ws.freeze_panes = "A2"
        for j, f in enumerate(fields, start=1):
            ws.column_dimensions[get_column_letter(j)].width = min(40, max(10, len(f["title"]) + 2))
        ws.append([cell(ws, f["title"], bold=True) for f in fields])
        values = df[[f["code"] for f in fields]].astype(object)
        values = values.where(df[[f["code"] for f in fields]].notna(), None)
        for row in values.itertuples(index=False, name=None):
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    # openpyxl stamps the zip's entries and the file's "modified" property with the clock when it
    # saves: re-stamp both with the build date
    stamp = config.build_date().strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        entries = {i.filename: z.read(i.filename) for i in z.infolist()}
    entries["docProps/core.xml"] = re.sub(
        rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
        rb"\g<1>" + stamp + rb"\g<2>",
        entries["docProps/core.xml"],
    )
    return _zip_bytes(entries)


def write(build_dir: Path, store: Store, others: pd.DataFrame) -> list[Path]:
    """Write the language's release into ``folder(build_dir, lang)``; returns the files written."""
    lang = store.lang
    frames = tables(store, others)
    fields = {n: [{"code": c, **field(lang, n, c)} for c in TABLES[n][0]] for n in TABLES}
    files: dict[str, bytes] = {}
    for n, df in frames.items():
        files[f"{n}.csv"] = _csv(df, fields[n]).encode("utf-8")
    desc = descriptor(lang, fields, {n: len(df) for n, df in frames.items()})
    files["datapackage.json"] = (json.dumps(desc, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
    pub, lic = config.settings()["publication"], config.settings()["publication"]["licence"]
    sheet = lambda n: t(lang, f"opendata.tables.{n}.sheet")  # noqa: E731
    lines = [
        t(lang, "opendata.description"),
        "",
        t(lang, "opendata.cite", citation=edition.citation(lang)),
        t(lang, "opendata.licence", licence=lic["title"][lang], url=lic["url"]),
        t(lang, "opendata.version", version=version()),
        "",
        *(
            t(
                lang,
                "opendata.sheets.csv_only",
                title=t(lang, f"opendata.tables.{n}.title"),
                file=f"{n}.csv",
                rows=i18n.number(len(frames[n]), lang, 0),
            )
            if n in CSV_ONLY
            else f"{t(lang, f'opendata.tables.{n}.title')}: {sheet(n)}"
            for n in frames
        ),
        t(lang, "opendata.sheets.columns_note", sheet=t(lang, "opendata.sheets.columns")),
    ]
    files[f"{name(lang)}.xlsx"] = workbook(
        lang,
        t(lang, "opendata.title", edition=pub["edition"]),
        lines,
        {sheet(n): (frames[n], fields[n]) for n in frames if n not in CSV_ONLY},
    )
    out = folder(build_dir, lang)
    written = []
    for entry, data in {**files, f"{name(lang)}.zip": _zip_bytes(files)}.items():
        workdir.write_bytes(out / entry, data)
        written.append(out / entry)
    return written


def _size(n: int, lang: str) -> str:
    return (
        f"{i18n.number(max(1, round(n / 1024)), lang, 0)} kB"
        if n < 1024 * 1024
        else (f"{i18n.number(n / 1024 / 1024, lang, 1)} MB")
    )


def _csv_link(lang: str, table: str, size: str) -> str:
    return t(lang, "opendata.download.csv", title=t(lang, f"opendata.tables.{table}.title"), size=size)


def page(build_dir: Path, lang: str) -> str:
    """The explorer chapter's section of downloads: on the website the zip, the spreadsheet, each
    CSV and the descriptor, with their sizes (read from the files written by ``write``); in the PDF
    where to find them; in both the suggested citation."""
    out = folder(build_dir, lang)
    href = f"../../build/store/{lang}/opendata"
    licence = config.settings()["publication"]["licence"]
    size = lambda f: _size((out / f).stat().st_size, lang)  # noqa: E731
    lines = [
        '::: {.content-visible when-format="html"}',
        t(lang, "opendata.intro", licence=f"[{licence['title'][lang]}]({licence['url']})"),
        "",
        f"- [{t(lang, 'opendata.download.zip', size=size(f'{name(lang)}.zip'))}]({href}/{name(lang)}.zip)",
        f"- [{t(lang, 'opendata.download.xlsx', size=size(f'{name(lang)}.xlsx'))}]({href}/{name(lang)}.xlsx)",
        *(f"- [{_csv_link(lang, n, size(f'{n}.csv'))}]({href}/{n}.csv)" for n in TABLES),
        f"- [{t(lang, 'opendata.download.datapackage')}]({href}/datapackage.json)",
        ":::",
        "",
        # the PDF cannot link to the site's files: it says where they are
        '::: {.content-visible when-format="typst"}',
        t(lang, "opendata.pdf", licence=licence["title"][lang]),
        ":::",
        "",
        t(lang, "opendata.cite", citation=edition.citation(lang)),
        "",
    ]
    return "\n".join(lines)
