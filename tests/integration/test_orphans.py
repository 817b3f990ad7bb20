"""No process outlives the command that started it (issue 27, item 7): after `kill -9` or TERM of
`run` while its notebooks execute, its pool workers and their kernels end within seconds (they
used to run on for more than 100 s, and a leftover worker could recreate a staging folder after
the next run had removed it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import as_from_a_terminal


def _children() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            out.setdefault(ppid, []).append(int(d.name))
    return out


def descendants(pid: int) -> set[int]:
    tree, found, todo = _children(), set(), [pid]
    while todo:
        for c in tree.get(todo.pop(), []):
            if c not in found:
                found.add(c)
                todo.append(c)
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def gone(pids: set[int], seconds: float) -> list[int]:
    """The processes of ``pids`` still alive after waiting up to ``seconds`` for them to end."""
    end = time.monotonic() + seconds
    while time.monotonic() < end and any(alive(p) for p in pids):
        time.sleep(0.2)
    return [p for p in pids if alive(p)]


class Started:
    """A command of ours started in the background, and every process it started (recorded while
    it runs: once it is killed, its orphans are no longer its descendants)."""

    def __init__(self, cmd: list[str], env: dict, **popen):
        self.proc = subprocess.Popen(cmd, env=env, **popen)
        self.pids: set[int] = set()

    def wait_for(self, enough, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not enough(self.pids):
            time.sleep(0.2)
            self.pids = descendants(self.proc.pid)

    def clean_up(self) -> None:
        """Whatever is left, not to burden the next tests."""
        if self.proc.poll() is None:
            self.proc.kill()
        for p in self.pids | descendants(self.proc.pid):
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass


@pytest.fixture
def run_started(tmp_path):
    """`python -m helpers run` of one wave and language on two workers, once its notebooks execute
    and its two workers and their two kernels are up."""
    env = dict(os.environ, EWCS_BUILD_DIR=str(tmp_path / "build"), PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "helpers", "run", "--waves", "2024", "--langs", "nl", "--jobs", "2"]
    run = Started(
        cmd,
        env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=as_from_a_terminal,
    )
    try:
        for line in run.proc.stdout:
            if line.startswith("notebooks: executing"):
                break
        run.wait_for(lambda pids: len(pids) >= 4)  # 2 workers and their 2 kernels
        assert len(run.pids) >= 4, run.pids
        yield run
    finally:
        run.clean_up()


needs_proc = pytest.mark.skipif(
    not Path("/proc").is_dir(), reason="needs Linux's /proc to list the processes"
)


@needs_proc
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "term"])
def test_workers_and_kernels_end_with_the_run(run_started, sig):
    os.kill(run_started.proc.pid, sig)
    run_started.proc.wait(timeout=30)
    assert not gone(run_started.pids, 15)


@needs_proc
def test_ctrl_c_ends_the_run_and_its_processes_with_one_word(run_started):
    """Ctrl-C reaches the whole foreground process group: the run says "interrupted" (no
    DeadKernelError traceback before it), exits 130, and leaves no process behind."""
    time.sleep(2)  # the notebooks are running
    os.killpg(run_started.proc.pid, signal.SIGINT)
    rest, _ = run_started.proc.communicate(timeout=60)
    assert run_started.proc.returncode == 130, rest
    assert "interrupted" in rest and "Traceback" not in rest, rest
    assert not gone(run_started.pids, 15)


@needs_proc
def test_quarto_ends_with_the_build_that_started_it(tmp_path):
    """`kill -9` of a build while Quarto renders: Quarto (a stand-in that renders for a minute) ends
    with it, instead of rendering on into the folder the next build uses."""
    stand_in = tmp_path / "bin" / "quarto"
    stand_in.parent.mkdir()
    stand_in.write_text('#!/bin/sh\n[ "$1" = --version ] && { echo 1.10.18; exit 0; }\nexec sleep 60\n')
    stand_in.chmod(0o755)
    code = (
        "from helpers.publish import render\n"
        f"render.render({str(stand_in)!r}, ['nl'], force=True, log=lambda *_: None)\n"
    )
    build = Started([sys.executable, "-c", code], dict(os.environ, EWCS_BUILD_DIR=str(tmp_path / "build")))
    try:
        build.wait_for(lambda pids: any("sleep" in cmdline(p) for p in pids), 60)
        assert build.pids, "the stand-in Quarto did not start"
        os.kill(build.proc.pid, signal.SIGKILL)
        build.proc.wait(timeout=30)
        assert not gone(build.pids, 10)
    finally:
        build.clean_up()
