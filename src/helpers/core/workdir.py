"""One command at a time in a working folder (data/processed/, build/), and no leftovers.

``exclusive(folder)`` takes an advisory lock (``flock``) on the folder itself, not on a file in it:
it needs no write permission and ends with the process that held it, so a killed run never leaves
a lock behind. A second command that wants the folder while another holds it stops at once with one
message. The lock is re-entrant within a process (``build`` ingests inside ``run``).

Once the lock is held, ``.staging-*`` folders in it can only be left over from a run that was
killed: they are removed.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from helpers.core import config
from helpers.core.errors import PipelineError

STAGING_PREFIX = ".staging-"
_held: dict[Path, list] = {}  # folder -> [file descriptor, depth]


def _display(folder: Path) -> str:
    try:
        return str(folder.resolve().relative_to(config.ROOT)) + "/"
    except ValueError:
        return str(folder) + "/"


@contextlib.contextmanager
def exclusive(folder: Path, log=print):
    folder = Path(folder).resolve()
    if folder in _held:
        _held[folder][1] += 1
        try:
            yield folder
        finally:
            _held[folder][1] -= 1
        return
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise PipelineError(
            "another `python -m helpers` command (run, ingest, prepare or build) is working "
            "in this folder; wait until it has finished, then run this one again",
            file=_display(folder),
        ) from None
    _held[folder] = [fd, 1]
    try:
        stale = sorted(p for p in folder.glob(STAGING_PREFIX + "*") if p.is_dir())
        for p in stale:
            shutil.rmtree(p)
        if stale:
            log(
                f"removed {len(stale)} unfinished staging folder(s) left in {_display(folder)} by an "
                f"interrupted run"
            )
        yield folder
    finally:
        del _held[folder]
        os.close(fd)  # closing the descriptor releases the lock


def die_with_parent(parent: int | None = None) -> None:
    """Ask Linux to end this process (SIGTERM) when the process that started it ends, however it
    ends (``kill -9`` included): a notebook worker must not outlive the run that started it, nor
    keep its kernel alive (a kernel ends with its worker: ipykernel watches its parent). Nothing
    where ``prctl`` is not available. ``parent``: the pid expected, to catch a parent already gone."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if parent is not None and os.getppid() != parent:  # it ended before the request was made
        os.kill(os.getpid(), signal.SIGTERM)


def staging(folder: Path) -> Path:
    """A new staging folder in ``folder`` (hold ``exclusive(folder)``); the caller removes it."""
    try:
        return Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=folder))
    except PermissionError:
        raise PipelineError(
            "cannot be written (permission denied)",
            file=_display(Path(folder)),
            expected="a folder the user running the pipeline may write to",
        ) from None


def write_text(path: Path, text: str) -> None:
    """Write ``text`` atomically, and only when it changed: an unchanged file keeps its time stamp
    (Quarto's freshness checks read them) and a reader never sees half a file."""
    write_bytes(path, text.encode("utf-8"))


def write_bytes(path: Path, data: bytes) -> None:
    """``write_text`` for bytes: atomically, and only when they changed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_bytes() == data:
        return
    tmp = path.with_name(f".{path.name}.tmp")
    with naming(path):
        tmp.write_bytes(data)
        os.replace(tmp, path)


@contextlib.contextmanager
def naming(path: Path):
    """An OS error raised while writing ``path`` names it: a write that fails (a full disk) raises
    an error without a file name, which the command line could only report as "a file of the
    pipeline"."""
    try:
        yield
    except OSError as exc:
        if exc.filename:
            raise
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc


def sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


PACKAGE = Path(__file__).resolve().parent.parent  # src/helpers of the code running


def project_name(path: Path) -> str:
    """A file's name in a cache key: its path in the project, or its name for a file elsewhere (a
    test's temporary folder), so a key does not depend on where the project was cloned. The code
    of the package is ``src/helpers/...`` wherever it is installed from: a copy of the project run
    with another clone's package (the tests' copies) keeps the keys its own code would give."""
    p = Path(path).resolve()
    if p.is_relative_to(PACKAGE):
        return (Path("src/helpers") / p.relative_to(PACKAGE)).as_posix()
    return p.relative_to(config.ROOT).as_posix() if p.is_relative_to(config.ROOT) else p.name


def hash_files(files, *, name=lambda p: Path(p).name) -> str:
    """One SHA-256 over files, each by its ``name`` and bytes, in the order of their names: the
    cache keys' way of saying "what these files hold"."""
    h = hashlib.sha256()
    for f in sorted(files, key=lambda p: str(name(p))):
        h.update(str(name(f)).encode() + b"\0")
        h.update(Path(f).read_bytes())
    return h.hexdigest()
