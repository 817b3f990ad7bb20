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


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs Linux's /proc to list the processes")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "term"])
def test_workers_and_kernels_end_with_the_run(tmp_path, sig):
    env = dict(os.environ, EWCS_BUILD_DIR=str(tmp_path / "build"), PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "helpers", "run", "--waves", "2024", "--langs", "nl", "--jobs", "2"]
    run = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    started: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        for line in run.stdout:
            if line.startswith("notebooks: executing") or time.monotonic() > deadline:
                break
        while time.monotonic() < deadline and len(started) < 4:  # 2 workers and their 2 kernels
            time.sleep(0.5)
            started = descendants(run.pid)
        assert len(started) >= 4, started
        os.kill(run.pid, sig)
        run.wait(timeout=30)
        end = time.monotonic() + 15
        while time.monotonic() < end and any(alive(p) for p in started):
            time.sleep(0.5)
        assert not [p for p in started if alive(p)]
    finally:
        if run.poll() is None:
            run.kill()
        for p in started | descendants(run.pid):  # whatever is left, not to burden the next tests
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs Linux's /proc to list the processes")
def test_ctrl_c_ends_the_run_and_its_processes_with_one_word(tmp_path):
    """Ctrl-C reaches the whole foreground process group: the run says "interrupted" (no
    DeadKernelError traceback before it), exits 130, and leaves no process behind."""
    env = dict(os.environ, EWCS_BUILD_DIR=str(tmp_path / "build"), PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "helpers", "run", "--waves", "2024", "--langs", "nl", "--jobs", "2"]
    run = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    started: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        for line in run.stdout:
            if line.startswith("notebooks: executing") or time.monotonic() > deadline:
                break
        while time.monotonic() < deadline and len(started) < 4:
            time.sleep(0.5)
            started = descendants(run.pid)
        time.sleep(2)  # the notebooks are running
        os.killpg(run.pid, signal.SIGINT)
        rest, _ = run.communicate(timeout=60)
        assert run.returncode == 130, rest
        assert "interrupted" in rest and "Traceback" not in rest, rest
        end = time.monotonic() + 15
        while time.monotonic() < end and any(alive(p) for p in started):
            time.sleep(0.5)
        assert not [p for p in started if alive(p)]
    finally:
        if run.poll() is None:
            run.kill()
        for p in started | descendants(run.pid):
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass


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
    env = dict(os.environ, EWCS_BUILD_DIR=str(tmp_path / "build"))
    build = subprocess.Popen([sys.executable, "-c", code], env=env)
    started: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any("sleep" in cmdline(p) for p in started):
            time.sleep(0.2)
            started = descendants(build.pid)
        assert started, "the stand-in Quarto did not start"
        os.kill(build.pid, signal.SIGKILL)
        build.wait(timeout=30)
        end = time.monotonic() + 10
        while time.monotonic() < end and any(alive(p) for p in started):
            time.sleep(0.2)
        assert not [p for p in started if alive(p)]
    finally:
        for p in started | descendants(build.pid):
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
