"""Per-company scoring on a Dask cluster: a build's two phases (scoring.board.summarize_company
and score_summary) run unchanged on the workers, one task per company, and only results and
summaries (aggregates, never rows) come back.

Needs the `dask` extra (`pip install -e '.[dask]'`). Workers of a remote cluster must have
this package installed and see the data folder at the same path, from the same working
directory as publish.py (file names in the results are relative to it).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections.abc import Iterator

from .board import Runner


class DaskMissing(Exception):
    """The dask extra is not installed: a usage error, never a traceback."""


@contextlib.contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None,
                processes: bool = True) -> Iterator:
    """A Dask client of the cluster at `scheduler` (an address such as tcp://10.0.0.5:8786), or
    of a local cluster of `workers` single-threaded workers; while it is open, dask.compute runs
    there (publish.py summarize's dataset path)."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise DaskMissing("Dask is not installed; install the extra: "
                          "pip install -e '.[dask]'") from None
    with contextlib.ExitStack() as stack:
        if scheduler:
            yield stack.enter_context(Client(scheduler))
            return
        cluster = stack.enter_context(LocalCluster(
            n_workers=workers or 1, threads_per_worker=1, processes=processes,
            dashboard_address=None, silence_logs=logging.ERROR))
        yield stack.enter_context(Client(cluster))


@contextlib.contextmanager
def dask_runner(scheduler: str | None = None, workers: int | None = None,
                processes: bool = True) -> Iterator[Runner]:
    """A runner for build_scoreboard on the cluster at `scheduler`, or on a local cluster of
    `workers` single-threaded workers (dask_client). Like process_runner it takes the jobs as
    it needs them, at most two per worker thread waiting or running at once, so that the
    second phase's jobs (each holding a company's summary) are never all in memory."""
    with dask_client(scheduler, workers, processes) as client:
        from dask.distributed import as_completed

        def run(function, jobs):
            waiting = enumerate(jobs)
            position = {}

            def submit(count: int) -> list:
                futures = []
                for index, job in itertools.islice(waiting, count):
                    futures.append(client.submit(function, job, pure=False))
                    position[futures[-1].key] = index
                return futures

            running = as_completed(submit(2 * max(1, sum(client.nthreads().values()))))
            for future in running:
                running.update(submit(1))
                yield position.pop(future.key), future.result()
                future.release()

        yield run
