"""The order the grid hands its jobs to the workers (helpers.grid.runner._Schedule): the edition's
notebooks first, the waves waiting for their gate (the edition's European estimates) giving way to
the others meanwhile, and going first once it opens; a gate that fails runs none of its jobs."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

import pytest

from helpers.grid.jobs import Job
from helpers.grid.runner import _Schedule

JOBS = [Job(theme, wave, "nl") for wave in (2015, 2021, 2024) for theme in ("burnout", "covid_impact")]


class Workers:
    """Two workers that run what they are handed until the test ends a job."""

    def __init__(self):
        self.started: list[Job] = []
        self.futures: dict[Job, Future] = {}

    def start(self, job: Job):
        self.started.append(job)
        self.futures[job] = Future()
        return self.futures[job], Path(f"/staging/{job.theme}-{job.wave}")

    def end(self, job: Job) -> None:
        self.futures[job].set_result({"ok": True, "figures": []})

    def running(self, schedule) -> list[Job]:
        return [job for job, _ in schedule.running.values()]


def test_later_waves_first_and_no_more_jobs_than_workers():
    w = Workers()
    schedule = _Schedule(JOBS, {}, 2, w.start)
    assert [j.wave for j in w.started] == [2024, 2024]
    while schedule:
        w.end(w.started[len(w.started) - len(schedule.running)])
        schedule.finished()
        assert len(schedule.running) <= 2
    assert [j.wave for j in w.started] == [2024, 2024, 2021, 2021, 2015, 2015]


def test_a_wave_waiting_for_its_gate_gives_way_then_goes_first():
    w, gate = Workers(), Future()
    schedule = _Schedule(JOBS, {2024: gate}, 2, w.start)
    assert [j.wave for j in w.started] == [2021, 2021]  # the edition waits for its estimates
    first = w.started[0]
    w.end(first)
    assert [job for job, _, _ in schedule.finished()] == [first]
    assert [j.wave for j in w.started] == [2021, 2021, 2015]
    gate.set_result(None)  # the estimates are there: the edition's jobs go before the 2015 one left
    w.end(w.started[1])
    schedule.finished()
    assert [j.wave for j in w.started] == [2021, 2021, 2015, 2024]
    while schedule:
        for job in w.running(schedule):
            w.end(job)
        schedule.finished()
    assert [j.wave for j in w.started] == [2021, 2021, 2015, 2024, 2024, 2015]
    schedule.check_gates()


def test_a_gate_that_fails_runs_none_of_its_jobs_and_says_why():
    w, gate = Workers(), Future()
    schedule = _Schedule(JOBS, {2024: gate}, 2, w.start)
    gate.set_exception(RuntimeError("European estimates of 2024 failed"))
    while schedule:
        for job in w.running(schedule):
            w.end(job)
        schedule.finished()
    assert sorted({j.wave for j in w.started}) == [2015, 2021] and len(w.started) == 4
    with pytest.raises(RuntimeError, match="European estimates of 2024 failed"):
        schedule.check_gates()
