"""Each figure and table of the edition, portable: its downloads and how to cite it.

For every figure and table of the edition's wave, ``build/store/<lang>/figures/`` holds

* ``<label>-<wave>.csv``: the numbers behind it, as the notebook published them (UTF-8);
* ``<label>-<wave>.json``: the CSV's metadata sidecar, a Frictionless Data Resource (what it shows,
  a table schema whose fields carry titles and descriptions in the language, the licence, the
  suggested citation of the figure, the version);
* ``<label>-<wave>.xlsx``: the same numbers for a spreadsheet (a Belgian Excel shows them with a
  decimal comma), after a read-me sheet with the citation and the licence;
* ``<label>-<wave>.svg`` and ``.png`` (figures): the image the page shows, the citation and licence
  in its metadata (SVG ``<metadata>``, PNG text chunks).

The figure's block (helpers.book.blocks) links them under the figure with its own address and a
"cite this figure" text. Every file carries the build date, never the clock's.
"""

from __future__ import annotations

import html
import json
import re
import struct
import zlib
from pathlib import Path

import pandas as pd

from helpers.book import edition, opendata
from helpers.core import config, layout, schema, workdir
from helpers.core.i18n import t

IMAGES = ("svg", "png")


def folder(build_dir: Path, lang: str) -> Path:
    return layout.store_dir(build_dir) / lang / "figures"


def captions(build_dir: Path, lang: str, theme: str, wave: int) -> dict[str, str]:
    """The caption of every figure and table of a theme's executed notebook (its cells' options)."""
    nb = json.loads(layout.executed(build_dir, wave, lang, theme).read_text(encoding="utf-8"))
    out = {}
    for cell in nb.get("cells", []):
        opts = schema.cell_options("".join(cell.get("source", "")))
        if "label" in opts:
            out[opts["label"]] = opts.get("fig-cap") or opts.get("tbl-cap") or opts["label"]
    return out


def _table(columns: list[str]) -> str:
    """Which of the open data's tables a figure's CSV has the columns of (their descriptions)."""
    if "wave_before" in columns:
        return "changes"
    if "measure" in columns:
        return "reference"
    if "country" in columns:
        return "europe"
    return "figure"


def fields(lang: str, columns: list[str]) -> list[dict]:
    """The Table Schema fields of a figure's CSV: its headers stay codes, titles are in the language."""
    table = _table(columns)
    out = []
    for code in columns:
        f = {**opendata.field(lang, table, code), "name": code, "code": code}
        if f["type"] == "boolean":  # the notebooks write pandas' True and False
            f.update(trueValues=["True"], falseValues=["False"])
        out.append(f)
    return out


def citation(lang: str, caption: str, address: str | None) -> str:
    """The suggested citation of one figure: the edition's, with the figure's caption and, once the
    site's address is known, the figure's own."""
    return t(
        lang,
        "downloads.citation",
        citation=edition.citation(lang),
        caption=caption,
        address=f". {address}" if address else "",
    )


def address(lang: str, page: str | None, label: str) -> str | None:
    """A figure's stable address, its anchor on its chapter's page in the published edition
    (``publication.site_url``/<edition>/<lang>/, where ``python -m helpers publish`` puts it); None
    while the site's address is not set."""
    pub = config.settings()["publication"]
    if not pub.get("site_url") or not page:
        return None
    return f"{pub['site_url'].rstrip('/')}/{pub['edition']}/{lang}/{page}#{label}"


def _licence(lang: str) -> str:
    lic = config.settings()["publication"]["licence"]
    return t(lang, "opendata.licence", licence=lic["title"][lang], url=lic["url"])


def _svg(svg: str, title: str, cite: str, licence: str) -> str:
    """The figure's SVG with its title, citation and licence in ``<metadata>`` (Dublin Core)."""
    esc = html.escape
    meta = (
        '<metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><rdf:Description>'
        f"<dc:title>{esc(title)}</dc:title><dc:source>{esc(cite)}</dc:source>"
        f"<dc:rights>{esc(licence)}</dc:rights></rdf:Description></rdf:RDF></metadata>"
    )
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, count=1, flags=re.S)
    return re.sub(r"(<svg\b[^>]*>)", lambda m: m.group(1) + "\n " + meta, svg, count=1)


def _png(png: bytes, text: dict[str, str]) -> bytes:
    """The PNG with ``text`` as international text chunks (iTXt, UTF-8) after its header chunk."""
    chunks = b""
    for key, value in text.items():
        data = key.encode("latin-1") + b"\0\0\0\0\0" + value.encode("utf-8")
        chunks += struct.pack(">I", len(data)) + b"iTXt" + data
        chunks += struct.pack(">I", zlib.crc32(b"iTXt" + data) & 0xFFFFFFFF)
    end_of_header = 8 + 4 + 4 + 13 + 4  # signature, IHDR's length, type, data and CRC
    return png[:end_of_header] + chunks + png[end_of_header:]


def _resource(lang: str, label: str, wave: int, caption: str, cols: list[dict], cite: str) -> dict:
    """The CSV's metadata sidecar, built by frictionless."""
    import frictionless

    pub = config.settings()["publication"]
    lic = pub["licence"]
    schema_ = frictionless.Schema.from_descriptor(
        {"fields": [{k: v for k, v in f.items() if k != "code"} for f in cols], "missingValues": [""]}
    )
    resource = frictionless.Resource(
        name=f"{label}-{wave}",
        path=f"{label}-{wave}.csv",
        title=caption,
        description=t(lang, "downloads.description", caption=caption, wave=wave),
        scheme="file",
        format="csv",
        mediatype="text/csv",
        encoding="utf-8",
        schema=schema_,
        licenses=[{"name": lic["id"], "path": lic["url"], "title": lic["title"][lang]}],
        sources=[{"title": edition.citation(lang), "path": pub.get("site_url") or pub["website"][lang]}],
    )
    out = resource.to_descriptor()
    out["citation"] = cite  # not in the standard's vocabulary: a custom property
    out["version"] = opendata.version()
    return out


def write(
    build_dir: Path, lang: str, theme: str, wave: int, caps: dict[str, str], pages: dict[str, str]
) -> list[Path]:
    """Write the downloads of every figure and table of ``theme`` in ``wave``; ``caps`` maps a label
    to its caption (:func:`captions`), ``pages`` to the chapter page that shows it. Returns the
    files written."""
    out = folder(build_dir, lang)
    licence = _licence(lang)
    written = []
    for label, caption in caps.items():
        src = layout.figure_csv(build_dir, wave, lang, theme, label)
        if not src.exists():
            continue  # a figure that does not apply to this wave
        data = pd.read_csv(src, keep_default_na=False, na_values=[""])
        cols = fields(lang, list(data.columns))
        cite = citation(lang, caption, address(lang, pages.get(label), label))
        stem = f"{label}-{wave}"
        files: dict[str, bytes] = {
            f"{stem}.csv": src.read_bytes(),
            f"{stem}.json": (
                json.dumps(_resource(lang, label, wave, caption, cols, cite), indent=1, ensure_ascii=False)
                + "\n"
            ).encode("utf-8"),
            f"{stem}.xlsx": opendata.workbook(
                lang,
                caption,
                [
                    t(lang, "opendata.cite", citation=cite),
                    licence,
                    t(lang, "opendata.version", version=opendata.version()),
                ],
                {t(lang, "opendata.sheets.data"): (data, cols)},
            ),
        }
        svg, png = src.with_suffix(".svg"), src.with_suffix(".png")
        if svg.exists() and png.exists():
            files[f"{stem}.svg"] = _svg(svg.read_text(encoding="utf-8"), caption, cite, licence).encode(
                "utf-8"
            )
            files[f"{stem}.png"] = _png(
                png.read_bytes(), {"Title": caption, "Source": cite, "Copyright": licence}
            )
        for name, content in files.items():
            workdir.write_bytes(out / name, content)
            written.append(out / name)
    return written


def links(
    build_dir: Path, lang: str, label: str, wave: int, caption: str, page: str | None, href: str
) -> str:
    """Under a figure on the website, folded: its downloads (those written for it), its address and
    the text to cite it. ``href`` is the downloads folder as the chapter links it."""
    out = folder(build_dir, lang)
    stem = f"{label}-{wave}"
    kinds = [k for k in ("svg", "png", "csv", "json", "xlsx") if (out / f"{stem}.{k}").exists()]
    items = " · ".join(
        f"[{t(lang, f'downloads.kinds.{k}')}]({href}/{stem}.{k}){{.download-{k}}}" for k in kinds
    )
    cite = citation(lang, caption, address(lang, page, label))
    link = f"[{t(lang, 'downloads.link')}](#{label}){{.figure-link}}"
    # folded: one line under each figure until a reader asks for them
    summary = html.escape(t(lang, "downloads.summary"))
    return (
        f"::: {{.figure-downloads}}\n```{{=html}}\n<details><summary>{summary}</summary>\n```\n\n"
        f"{t(lang, 'downloads.label', items=items + ' · ' + link)}\n\n"
        f"{t(lang, 'downloads.cite', citation=cite)}\n\n```{{=html}}\n</details>\n```\n:::\n"
    )
