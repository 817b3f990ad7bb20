"""The kernel each of the grid's worker processes keeps for all its notebooks.

A worker starts one Jupyter kernel and papermill executes every notebook of that worker on it
(papermill's engine ``helpers-warm``), so pandas, matplotlib and ``helpers`` are imported once per
worker, not once per notebook. Before each notebook the kernel forgets the last one (``%reset``,
and the execution count starts again at 1, so an executed notebook does not depend on which worker
ran it). Papermill still parameterises, executes and hands back each notebook.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing.util
import signal

from helpers.core import config, workdir

KERNEL_START_ATTEMPTS = 3
# its shutdown notices are not the reader's concern; no input history: the count starts again at 1 for
# every notebook, and a history database would then refuse the repeated line numbers (and print so)
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL", "--HistoryManager.enabled=False"]
# Before each notebook the worker's kernel forgets the last one: its variables, and the execution
# count, so every executed notebook numbers its cells from 1 whichever worker ran it.
RESET = "get_ipython().run_line_magic('reset', '-f')\nget_ipython().execution_count = 1"
# what every notebook imports and sets up first, done when the kernel starts (%reset keeps modules)
WARM_UP = (
    "import pyarrow.parquet, helpers.notebook.report, helpers.notebook.figures\n"
    "helpers.notebook.figures.style()"
)


def did_not_start(exc: BaseException) -> bool:
    text = str(exc)
    return "kernel_info" in text or "didn't respond" in text


class Worker:
    """A worker process's one kernel, started once and kept for every notebook the worker runs:
    the kernel's imports (pandas, matplotlib, helpers) are paid once per worker, not per notebook.
    Its client (the ZeroMQ channels to it) is kept too: a new client waits for the kernel to answer
    and then 0.2 s for its output channel to fall silent (jupyter_client's ``wait_for_ready``), a
    fifth of an earlier wave's notebook. Shut down when the worker exits."""

    km = None
    kc = None

    @classmethod
    def kernel(cls):
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        if cls.km is not None and run_sync(cls.km.is_alive)():
            return cls.km
        if cls.km is not None:  # died with the last notebook (a crash in a cell): start afresh
            if cls.kc is not None:
                cls.kc.stop_channels()
                cls.kc = None
            run_sync(cls.km.cleanup_resources)()
        for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
            km = AsyncKernelManager(kernel_name="python3")
            try:
                run_sync(km.start_kernel)(cwd=str(config.ROOT), extra_arguments=KERNEL_ARGUMENTS)
                kc = km.client()
                kc.start_channels()
                try:
                    run_sync(kc.wait_for_ready)(timeout=60)
                    kc.execute(WARM_UP, silent=True, store_history=False)
                except BaseException:
                    kc.stop_channels()
                    raise
                break
            except (RuntimeError, TimeoutError) as exc:
                # Kernels started at once by parallel workers can lose the race for a TCP port that
                # jupyter_client chose for them, and die before running any code: start afresh.
                with contextlib.suppress(Exception):
                    run_sync(km.shutdown_kernel)(now=True)
                if attempt == KERNEL_START_ATTEMPTS:
                    raise RuntimeError(f"kernel_info: the kernel did not start ({exc})") from exc
        cls.km, cls.kc = km, kc
        multiprocessing.util.Finalize(cls, cls.shutdown, exitpriority=10)
        return km

    @classmethod
    def client(cls):
        """The client of the worker's kernel (started with it if it is not running)."""
        cls.kernel()
        return cls.kc

    @classmethod
    def shutdown(cls):
        from jupyter_core.utils import run_sync

        if cls.kc is not None:
            cls.kc.stop_channels()
            cls.kc = None
        if cls.km is not None:
            run_sync(cls.km.shutdown_kernel)(now=True)
            cls.km = None


def start_worker(parent: int | None = None) -> None:
    """A worker's first act: end with the run that started it (``kill -9`` included), then start
    its kernel and import papermill (a failure is reported by the first job, which tries again).

    Ctrl-C reaches every process of the terminal's group: the worker leaves it to the run, which
    stops and says "interrupted" (the worker then ends with it; its kernel, which inherits the
    ignored signal, with the worker), instead of printing a traceback of its own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    workdir.die_with_parent(parent)
    with contextlib.suppress(Exception):
        Worker.kernel()
        warm_engine()


@functools.cache
def warm_engine() -> None:
    """papermill's nbclient engine on the worker's kernel (registered as the "helpers-warm" engine):
    papermill still parameterises, executes and writes every notebook; only the kernel outlives it."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    class Client(PapermillNotebookClient):
        def papermill_execute_cells(self):
            reply = self.wait_for_reply(self.kc.execute(RESET, silent=True, store_history=False))
            if reply["content"]["status"] != "ok":
                raise RuntimeError(f"the kernel could not be reset: {reply['content'].get('evalue')}")
            super().papermill_execute_cells()

    class Engine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man,
            kernel_name,
            log_output=False,
            stdout_file=None,
            stderr_file=None,
            start_timeout=60,
            execution_timeout=None,
            **kwargs,
        ):
            import logging

            client = Client(
                nb_man,
                km=Worker.kernel(),
                kernel_name=kernel_name,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                log=logging.getLogger("papermill"),
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            # the worker's client, connected already, which stays so for its next notebook
            client.kc = Worker.client()
            client.kc.allow_stdin = False
            return client.execute()

    papermill_engines.register("helpers-warm", Engine)
