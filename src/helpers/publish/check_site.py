"""The check of the rendered site (``python -m helpers check`` when ``_site/`` exists): the
editions as a reader gets them, web pages and PDFs."""

from __future__ import annotations

import html
import re

from helpers.metadata import sources
from helpers.publish import words
from helpers.publish.postrender import edition_pdf


def check_rendered(checker, lang: str, conf: dict) -> None:
    """The rendered edition, as a reader gets it: every page titled, the PDF's first chapter
    titled with the home page's title, and no words of the other language in the text of the
    pages or of the PDF (a profile block of the other language that leaked into this one)."""
    edition = checker.root / "_site" / lang
    foreign = words.foreign_pattern(lang)
    cited = _cited_texts()
    for page in sorted(edition.rglob("*.html")):
        where = f"{lang}: _site/{lang}/{page.relative_to(edition).as_posix()}"
        text = page.read_text(encoding="utf-8")
        checker.stats["pages"] += 1
        title = re.search(r"<title>(.*?)</title>", text, re.S)
        if not title or not title.group(1).strip() or ".html" in title.group(1):
            checker.problem(
                f"{where} has no title of its own (found {title.group(1).strip() if title else None!r})"
            )
        m = foreign.search(_without(cited, _visible_text(text, lang))) if foreign else None
        if m:
            checker.problem(f"{where} contains {m.group(0)!r} from the other language's catalogue")
    pdf = edition / edition_pdf(lang)
    if not pdf.exists():
        checker.problem(f"{lang}: the PDF {pdf.name} is missing from _site/{lang}/")
        return
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    outline = [o for o in reader.outline if not isinstance(o, list)]
    home = str(conf.get("home-title", ""))
    first = next((o.title for o in outline if re.match(r"^\W*\d", o.title) or home in o.title), None)
    if first is None or home not in first:
        checker.problem(f"{lang}: the PDF's first chapter is {first!r}, not the home page's title {home!r}")
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    m = foreign.search(_without(cited, re.sub(r"\s+", " ", text))) if foreign else None
    if m:
        checker.problem(
            f"{lang}: the PDF {pdf.name} contains {m.group(0)!r} from the other language's catalogue"
        )


def _squash(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'")


def _cited_texts() -> list[str]:
    """The titles and addresses of the pages other sources' values were read on: printed as they
    are, in their own language (a French newspaper's headline in the Dutch edition)."""
    out = []
    for src in sources.load_all().values():
        for c in src.meta["citations"].values():
            out += [_squash("".join(x.split())) for x in (c.get("title"), c["url"]) if x]
    return out


def _without(cited: list[str], text: str) -> str:
    """``text`` with the cited titles and addresses blanked, found across the line breaks, spaces,
    soft hyphens and lost hyphens a page or a PDF's text puts into them."""
    keep = [i for i, ch in enumerate(text) if not ch.isspace() and ch != "\u00ad"]
    squashed = _squash("".join(text[i] for i in keep))
    blank = bytearray(len(text))
    for c in cited:
        # a PDF's text loses the hyphen where an address breaks across lines at one
        for m in re.finditer(re.escape(c).replace("\\-", "-?"), squashed):
            blank[keep[m.start()] : keep[m.end() - 1] + 1] = b"\1" * (keep[m.end() - 1] + 1 - keep[m.start()])
    return "".join(" " if blank[i] else ch for i, ch in enumerate(text))


def _visible_text(page: str, lang: str) -> str:
    """A page's text as a reader sees it: no scripts, styles or tags, and not the parts marked as
    another language (the link to the other edition carries its own lang attribute)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(
        rf"<(a|span|p|div)\b[^>]*\blang=\"(?!{lang}\b)[^\"]*\"[^>]*>.*?</\1>", " ", page, flags=re.S | re.I
    )
    page = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(page))
