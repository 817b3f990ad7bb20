"""The project's command line: ``python -m helpers <command>``."""

from __future__ import annotations

import argparse
import os
import sys

from helpers.core.errors import PipelineError
from helpers.metadata import settings as settings_mod


def _waves(p):
    p.add_argument("--waves", nargs="+", metavar="WAVE", help="survey waves (default: all in the codebook)")


def cmd_synth(args) -> int:
    from helpers.ingest import synth

    synth.synth(
        args.waves, out_dir=args.out, scale=args.scale, seed=args.seed, user_missing=args.user_missing
    )
    return 0


def cmd_ingest(args) -> int:
    from helpers.ingest import writer

    writer.ingest(args.waves, raw_dir=args.raw, out_dir=args.out, force=not args.if_needed)
    return 0


def _jobs(p, what="notebooks executed at once"):
    p.add_argument("--jobs", type=int, default=None, help=f"{what} (default: cores)")


def _grid_args(p):
    _waves(p)
    p.add_argument("--langs", nargs="+", metavar="LANG", help="languages (default: nl fr)")
    p.add_argument("--themes", nargs="+", metavar="THEME", help="themes, or source notebooks (default: all)")
    _jobs(p)
    p.add_argument("--force", action="store_true", help="execute even the jobs that are up to date")


def cmd_run(args) -> int:
    from helpers import pipeline

    pipeline.run(args.waves, args.langs, args.themes, jobs=args.jobs, force=args.force)
    return 0


def cmd_prepare(args) -> int:
    from helpers.publish.render import PREPARED

    if os.environ.get(PREPARED) == "1":
        print("prepare: already done (by `python -m helpers build` or `preview`)")
        return 0
    from helpers import pipeline

    pipeline.prepare(jobs=args.jobs)
    return 0


def cmd_check(args) -> int:
    from helpers.publish import check

    problems, stats = check.check()
    for p in problems:
        print(f"check: {p}", file=sys.stderr)
    if problems:
        print(f"check: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    rendered = f"; {stats['pages']} rendered pages and both PDFs" if stats["pages"] else ""
    print(
        f"check: OK ({stats['embeds']} embeds, {stats['references']} cross-references, "
        f"{stats['variables']} quoted numbers ({stats['quoted']} of them found in the figures their "
        f"sentences cite), {stats['downloads']} CSV links in both languages{rendered})"
    )
    return 0


def cmd_postrender(args) -> int:
    from helpers.publish import postrender

    pages = postrender.from_environment()
    print(f"postrender: linked {pages} pages to the other language")
    return 0


def cmd_build(args) -> int:
    from helpers import pipeline

    return pipeline.build(no_render=args.no_render, force=args.force, jobs=args.jobs)


def cmd_preview(args) -> int:
    from helpers import pipeline

    return pipeline.preview(args.lang, port=args.port, browser=args.browser, jobs=args.jobs)


def cmd_publish(args) -> int:
    from helpers.publish import editions

    editions.publish(args.dest, url=args.site_url, replace=args.replace)
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse, with a wrong argument reported in one line (usage stays one --help away)."""

    def error(self, message):
        self.exit(2, f"error: {self.prog}: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m helpers", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("synth", help="write synthetic .sav files into data/raw/")
    _waves(p)
    p.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply the Belgian sample sizes (16 gives files of EU size)",
    )
    p.add_argument("--seed", type=int, default=None, help="random seed (default: data/synth/story.yaml)")
    p.add_argument("--out", default=None, help="output folder (default data/raw)")
    p.add_argument(
        "--user-missing",
        dest="user_missing",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="declare missing codes as SPSS user-missing (default: as waves.yaml says)",
    )
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("ingest", help="validate and harmonise data/raw/*.sav into data/processed/")
    _waves(p)
    p.add_argument("--raw", default=None, help="folder of the .sav files (default data/raw)")
    p.add_argument("--out", default=None, help="output folder (default data/processed)")
    p.add_argument("--if-needed", action="store_true", help="skip waves whose inputs did not change")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("run", help="execute the theme notebooks for every wave and language (cached)")
    _grid_args(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser(
        "prepare", help="Quarto's pre-render: pipeline (cached), then the book's numbers and figure blocks"
    )
    _jobs(p)
    p.set_defaults(func=cmd_prepare)

    p = sub.add_parser("check", help="structural check of the Quarto book, without Quarto")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("postrender", help="Quarto's post-render: link the language editions")
    p.set_defaults(func=cmd_postrender)

    p = sub.add_parser("build", help="everything: synthetic data if needed, ingest, notebooks, report")
    p.add_argument("--no-render", action="store_true", help="stop after the notebooks (no Quarto needed)")
    p.add_argument(
        "--force",
        action="store_true",
        help="render both languages even when nothing they are made from changed",
    )
    _jobs(p, "notebooks executed, and languages rendered, at once")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("preview", help="Quarto's live preview of one language, the pipeline kept current")
    p.add_argument("--lang", default=None, help="the language previewed (default: the first, nl)")
    p.add_argument("--port", type=int, default=None, help="the loopback port (default: a free one)")
    p.add_argument(
        "--browser",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="open a browser (default: when there is a display)",
    )
    _jobs(p)
    p.set_defaults(func=cmd_preview)

    p = sub.add_parser(
        "publish", help="put the built edition into a publication folder, beside the editions there"
    )
    p.add_argument("dest", metavar="DEST", help="the publication folder (DEST/<edition>/<lang>/...)")
    p.add_argument("--site-url", default=None, help="its web address (default: publication.site_url)")
    p.add_argument(
        "--replace",
        action="store_true",
        help="correct an edition already published there (same addresses; other editions untouched)",
    )
    p.set_defaults(func=cmd_publish)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings_mod.check_environment()
        return args.func(args)
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a folder that cannot be written or read, a full disk, ...
        where = exc.filename or "a file of the pipeline"
        hint = "; expected a folder this user may write to" if isinstance(exc, PermissionError) else ""
        print(f"error: {where}: {exc.strerror or exc}{hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
