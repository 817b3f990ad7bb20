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
