"""The command line as a new user meets it: one line for every expected failure, never a traceback.

Read-only folders are real: as root (CI), the commands run under ``setpriv`` without the
capabilities that let root write anywhere, so the folders' permission bits apply.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import sys

import pytest

from helpers import pipeline
from helpers.core import config, workdir
from helpers.core.errors import PipelineError
from helpers.ingest import writer as ingest


def helpers_cmd(*args, env=None, unprivileged=False, timeout=600):
    cmd = [sys.executable, "-m", "helpers", *map(str, args)]
    if unprivileged and os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv (util-linux): a read-only folder cannot be tested")
        cmd = [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner", *cmd]
    return subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=config.ROOT,
        timeout=timeout,
    )


def one_line_error(r, *words):
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    err = r.stderr.strip()
    assert "Traceback" not in err, err
    assert err.count("\n") == 0, err
    assert err.startswith("error: "), err
    for w in words:
        assert w in err, (w, err)
    return err


@pytest.fixture
def dirs(tmp_path):
    """Empty raw, processed and build folders for a command run as on a fresh clone."""
    d = {k: tmp_path / k for k in ("raw", "processed", "build")}
    env = {
        "EWCS_RAW_DIR": str(d["raw"]),
        "EWCS_PROCESSED_DIR": str(d["processed"]),
        "EWCS_BUILD_DIR": str(d["build"]),
    }
    return d, env


# ---------------------------------------------------------------------- arguments
@pytest.mark.parametrize(
    "args,words",
    [
        (["synth", "--scale", "-1"], ["scale -1.0", "above 0"]),
        (["synth", "--scale", "nan"], ["scale nan"]),
        (["synth", "--scale", "0"], ["scale 0.0"]),
        (["synth", "--seed", "-1"], ["seed -1"]),
        (["synth", "--scale", "abc"], ["--scale", "invalid float value"]),
        (["run", "--jobs", "0"], ["--jobs 0", "1 or more"]),
        (["run", "--jobs", "-1"], ["--jobs -1"]),
        (["build", "--jobs", "0", "--no-render"], ["--jobs 0"]),
        (["run", "--waves", "2019"], ["unknown wave '2019'"]),
        (["run", "--langs", "en"], ["en"]),
        (["ingest", "--nonsense"], ["unrecognized arguments: --nonsense"]),
    ],
)
def test_bad_arguments_give_one_line(dirs, args, words):
    d, env = dirs
    one_line_error(helpers_cmd(*args, env=env), *words)
    assert not d["raw"].exists() or not any(d["raw"].iterdir())  # nothing was written


# ---------------------------------------------------------------------- folders
def test_read_only_processed_folder_gives_one_line(dirs, raw_dir):
    d, env = dirs
    shutil.copytree(raw_dir, d["raw"])
    d["processed"].mkdir()
    d["processed"].chmod(0o555)
    try:
        one_line_error(
            helpers_cmd("ingest", env=env, unprivileged=True), str(d["processed"]), "permission denied"
        )
    finally:
        d["processed"].chmod(0o755)


def test_read_only_build_folder_up_to_date_runs_and_otherwise_says_so(dirs, raw_dir, processed_dir):
    d, env = dirs
    shutil.copytree(raw_dir, d["raw"])
    args = ("run", "--themes", "burnout", "--waves", "2024", "--langs", "nl")
    first = helpers_cmd(*args, env=env)
    assert first.returncode == 0, first.stderr
    modes = {}
    for p in [d["build"], *d["build"].rglob("*"), d["processed"], *d["processed"].rglob("*")]:
        if p.is_dir():
            modes[p] = p.stat().st_mode
            p.chmod(0o555)
    try:
        again = helpers_cmd(*args, env=env, unprivileged=True)
        assert again.returncode == 0, again.stderr  # nothing to do: nothing to write
        assert "all 1 up to date" in again.stdout
        forced = helpers_cmd(*args, "--force", env=env, unprivileged=True)
        one_line_error(forced, str(d["build"]), "permission denied")
    finally:
        for p, mode in modes.items():
            p.chmod(stat.S_IMODE(mode))


# ---------------------------------------------------------------------- a fresh clone
def test_run_on_a_fresh_clone_writes_the_synthetic_default(dirs):
    d, env = dirs
    r = helpers_cmd("run", "--themes", "burnout", "--waves", "2024", "--langs", "nl", env=env)
    assert r.returncode == 0, r.stderr
    assert "holds no survey file: writing the synthetic default" in r.stdout
    assert (d["build"] / "executed" / "2024" / "nl" / "burnout.ipynb").exists()


def test_run_stops_before_any_notebook_when_a_wave_has_no_file(dirs, raw_dir):
    d, env = dirs
    shutil.copytree(raw_dir, d["raw"])
    (d["raw"] / "ewcs_2015_synthetic.sav").unlink()
    r = helpers_cmd("run", "--themes", "burnout", "--langs", "nl", env=env)
    one_line_error(r, "no processed data for wave(s) 2015", "--waves")
    assert not (d["build"] / "executed").exists()


def test_removed_raw_file_drops_its_processed_wave(raw_copy, tmp_path):
    out = tmp_path / "processed"
    ingest.ingest(raw_dir=raw_copy, out_dir=out, log=lambda *_: None)
    (raw_copy / "ewcts_2021_synthetic.sav").unlink()
    log = []
    ingest.ingest(raw_dir=raw_copy, out_dir=out, force=False, log=log.append)
    assert not [p for p in out.iterdir() if p.name.startswith("2021")]
    assert any("wave 2021: its raw file is gone" in line for line in log)


def test_replaced_raw_file_is_ingested_again(raw_copy, tmp_path):
    from helpers.ingest import synth

    out = tmp_path / "processed"
    ingest.ingest(raw_dir=raw_copy, out_dir=out, log=lambda *_: None)
    before = (out / "2015.parquet").read_bytes()
    synth.synth([2015], out_dir=raw_copy, seed=5, log=lambda *_: None)
    log = []
    ingest.ingest(raw_dir=raw_copy, out_dir=out, force=False, log=log.append)
    assert (out / "2015.parquet").read_bytes() != before
    assert not any(line.startswith("wave 2015: up to date") for line in log)


# ---------------------------------------------------------------------- raw files named oddly
def test_folder_named_like_a_wave_file_is_named(raw_copy, tmp_path):
    (raw_copy / "ewcs_2015_synthetic.sav").unlink()
    (raw_copy / "ewcs_2015_synthetic.sav").mkdir()
    with pytest.raises(PipelineError) as err:
        ingest.ingest([2015], raw_dir=raw_copy, out_dir=tmp_path, log=lambda *_: None)
    assert "ewcs_2015_synthetic.sav" in str(err.value) and "is a folder" in str(err.value)
    assert "wave 2015" in str(err.value)


def test_link_to_nothing_named_like_a_wave_file_is_named(raw_copy, tmp_path):
    (raw_copy / "ewcs_2015_synthetic.sav").unlink()
    (raw_copy / "ewcs_2015_synthetic.sav").symlink_to(tmp_path / "gone.sav")
    with pytest.raises(PipelineError, match="ewcs_2015_synthetic.sav.*not a regular file"):
        ingest.ingest(raw_dir=raw_copy, out_dir=tmp_path / "out", log=lambda *_: None)


def test_named_wave_without_its_file_says_what_the_folder_holds(raw_copy, tmp_path):
    (raw_copy / "ewcs_2015_synthetic.sav").unlink()
    with pytest.raises(PipelineError) as err:
        ingest.ingest([2015], raw_dir=raw_copy, out_dir=tmp_path, log=lambda *_: None)
    msg = str(err.value)
    assert "no file for wave 2015" in msg and "ewcs6_2015*.sav" in msg
    assert "ewcs_2010_synthetic.sav" in msg  # what is there
    assert "holds no survey file" not in msg


def test_sav_matching_no_wave_stops_ingest_naming_it(raw_copy, tmp_path):
    """An SPSS file that no wave's names match is survey data that would not be read: ingest stops
    and names it (it used to be a notice, and the report went on without it)."""
    shutil.copy(raw_copy / "ewcs_2015_synthetic.sav", raw_copy / "EWCS2015_belgium_extract.sav")
    out = tmp_path / "processed"
    with pytest.raises(PipelineError) as err:
        ingest.ingest(raw_dir=raw_copy, out_dir=out, log=lambda *_: None)
    assert "EWCS2015_belgium_extract.sav" in str(err.value) and "matches no wave" in str(err.value)
    assert not out.exists()  # nothing written


# ---------------------------------------------------------------------- one run at a time
@contextlib.contextmanager
def held(folder):
    """``folder`` locked by another process (as another `python -m helpers` command would)."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys, time\nfrom helpers.core import workdir\n"
                f"with workdir.exclusive({str(folder)!r}):\n    print('held', flush=True)\n    "
                f"time.sleep(60)\n"
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.kill()
        holder.wait()


def test_second_run_in_the_same_build_folder_stops_with_a_message(tmp_path):
    build = tmp_path / "build"
    with held(build), pytest.raises(PipelineError, match="another `python -m helpers` command"):
        pipeline.run(
            themes=["burnout"],
            waves=[2024],
            langs=["nl"],
            build_dir=build,
            ingest_first=False,
            log=lambda *_: None,
            progress=False,
        )
    # the lock died with its holder: the folder is free again
    with workdir.exclusive(build):
        pass


def test_a_run_does_not_start_while_another_command_holds_the_processed_data(tmp_path, processed_dir):
    """Issue 27, item 6: `ingest` (which holds data/processed/) while `run` executes notebooks used
    to rewrite the data under them; now the run holds the processed folder too, so one waits for
    the other's message instead."""
    out = tmp_path / "processed"
    shutil.copytree(processed_dir, out)
    with held(out), pytest.raises(PipelineError, match="another `python -m helpers` command") as err:
        pipeline.run(
            themes=["burnout"],
            waves=[2024],
            langs=["nl"],
            build_dir=tmp_path / "build",
            processed_dir=out,
            ingest_first=False,
            log=lambda *_: None,
            progress=False,
        )
    assert "processed" in str(err.value)
    assert not (tmp_path / "build" / "executed").exists()


def test_staging_left_by_a_killed_run_is_removed(tmp_path):
    build = tmp_path / "build"
    (build / ".staging-abc123" / "burnout-2024-nl").mkdir(parents=True)
    (build / "executed").mkdir()
    log = []
    with workdir.exclusive(build, log=log.append):
        pass
    assert not list(build.glob(".staging-*"))
    assert (build / "executed").exists()
    assert any("removed 1 unfinished staging folder" in line for line in log)


def test_lock_is_reentrant_within_a_process(tmp_path):
    with workdir.exclusive(tmp_path / "b"):
        with workdir.exclusive(tmp_path / "b"):
            pass
        with workdir.exclusive(tmp_path / "b"):
            pass
