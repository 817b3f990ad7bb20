"""The package's stages and what each may import, read from the subpackages' own docstrings.

Each ``src/helpers/<stage>/__init__.py`` says, on a line of its docstring, ``May import: a, b.``
That line is the rule: the import test holds every module to it, and the cache keys hash the code
of a stage and of everything it may import (:func:`code_files`), so a new module is covered by the
keys of its stage the moment it exists. Nothing here imports a stage: the docstrings are parsed.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]  # src/helpers
RULE = re.compile(r"^May import:\s*(.*?)\.?\s*$", re.M)
# modules at the package's top level: they may import every stage
TOP = ("__init__", "__main__", "cli", "pipeline")


def names(package: Path | None = None) -> list[str]:
    """The stages: the subpackages of helpers, in the order of their folders' names."""
    return sorted(p.parent.name for p in (package or PACKAGE).glob("*/__init__.py"))


def rule(stage: str, package: Path | None = None) -> tuple[str, ...]:
    """The stages ``stage`` may import (besides itself), as its docstring says."""
    return _rule(stage, package or PACKAGE)


@functools.cache
def _rule(stage: str, package: Path) -> tuple[str, ...]:
    init = package / stage / "__init__.py"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
    m = RULE.search(doc)
    if m is None:
        raise ValueError(f"{init}: its docstring has no line 'May import: …'")
    known = set(names(package))
    return tuple(x.strip() for x in m.group(1).split(",") if x.strip() in known)


def closure(*stages: str, package: Path | None = None) -> list[str]:
    """The stages and everything they may import, transitively, sorted."""
    seen: set[str] = set()
    todo = list(stages)
    while todo:
        s = todo.pop()
        if s not in seen:
            seen.add(s)
            todo += rule(s, package)
    return sorted(seen)


def code_files(*stages: str) -> list[Path]:
    """The Python files of ``stages`` and of every stage they may import: what their outputs depend on."""
    return sorted(
        f for s in closure(*stages) for f in (PACKAGE / s).rglob("*.py") if "__pycache__" not in f.parts
    )


# ---------------------------------------------------------------------- the rules, checked
def modules(package: Path | None = None) -> dict[str, Path]:
    """Every module of the package by its dotted name (``helpers.book.store``)."""
    package = package or PACKAGE
    out = {}
    for f in sorted(package.rglob("*.py")):
        if "__pycache__" in f.parts:
            continue
        parts = f.relative_to(package).with_suffix("").parts
        name = ".".join(["helpers", *parts[:-1]] if parts[-1] == "__init__" else ["helpers", *parts])
        out[name] = f
    return out


def imports(path: Path, known: set[str]) -> list[tuple[int, str]]:
    """The helpers modules a file imports, at the top or inside functions: (line, module)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "helpers"]
        elif (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and node.module
            and node.module.split(".")[0] == "helpers"
        ):
            for a in node.names:  # `from helpers.book import store` imports the module helpers.book.store
                sub = f"{node.module}.{a.name}"
                out.append((node.lineno, sub if sub in known else node.module))
    return out


def stage_of(module: str) -> str | None:
    """``helpers.book.store`` -> ``book``; a top-level module (cli, pipeline) or the package -> None."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] not in TOP) else None


def violations(package: Path | None = None) -> list[str]:
    """Every import that a stage's rule forbids, as ``file:line: module imports what``."""
    package = package or PACKAGE
    mods = modules(package)
    stages_ = set(names(package))
    out = []
    for name, path in mods.items():
        mine = stage_of(name)
        if mine is None:
            continue  # cli and pipeline chain the stages: they may import any
        ok = {mine, *rule(mine, package)}
        for line, target in imports(path, set(mods)):
            theirs = stage_of(target)
            where = f"{path.relative_to(package.parent).as_posix()}:{line}"
            if target == "helpers" or theirs is None:
                out.append(f"{where}: {name} imports {target}, which only the command line may")
            elif theirs not in stages_:
                out.append(f"{where}: {name} imports {target}, which is no stage")
            elif theirs not in ok:
                out.append(
                    f"{where}: {name} imports {target}; {mine} may import only "
                    + ", ".join(sorted(ok - {mine}))
                    if ok - {mine}
                    else f"{where}: {name} imports {target}; {mine} may import nothing of helpers but itself"
                )
    return out


def cycles(package: Path | None = None) -> list[list[str]]:
    """Import cycles between modules (top-level and function-level imports alike)."""
    mods = modules(package)
    graph = {
        m: sorted({t for _, t in imports(p, set(mods)) if t in mods and t != m}) for m, p in mods.items()
    }
    found, state = [], {}  # 1: on the path, 2: done

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for t in graph[m]:
            if state.get(t) == 1:
                found.append(path[path.index(t) :] + [t] if t in path else [m, t])
            elif t not in state:
                visit(t, [*path, t])
        state[m] = 2

    for m in graph:
        if m not in state:
            visit(m, [m])
    return found
