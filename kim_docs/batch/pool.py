"""The process pool: chunks of cases to the workers, a crashed worker's chunk retried
once, and every worker stopped at once on Ctrl-C or kill."""
from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from . import worker
from .options import BatchOptions
from .plan import Kontext, Plan
from .worker import Auftrag, Erledigt

OnDone = Callable[[list[Plan], list[Erledigt]], None]


def chunks(plans: list[Plan], options: BatchOptions) -> list[list[Plan]]:
    """Chunks of cases per worker task. With PDF a chunk is one LibreOffice process: its
    start (about 1.5 s) is paid once per chunk, so chunks are large, but small enough to
    keep every worker busy and to record progress often."""
    if options.chunk:
        size = options.chunk
    elif "pdf" in options.formats:
        size = max(1, min(40, -(-len(plans) // (options.worker_count(len(plans)) * 2))))
    else:
        size = max(1, min(10, -(-len(plans) // (options.worker_count(len(plans)) * 4))))
    return [plans[i:i + size] for i in range(0, len(plans), size)]


def run_pool(chunks: list[list[Plan]], ctx: Kontext, on_done: OnDone) -> None:
    """Run the chunks in worker processes; a crashed worker (broken pool) gets its chunks
    retried once in a new pool, then they fail."""
    pending = {i: 0 for i in range(len(chunks))}   # chunk -> times its pool broke
    while pending:
        executor = _executor(ctx, len(pending))
        try:
            futures = {executor.submit(worker.work, [_auftrag(p) for p in chunks[i]]): i for i in pending}
            broken = _collect(futures, chunks, pending, on_done)
        except BaseException:
            _stop(executor)
            raise
        executor.shutdown(wait=True)
        for i in broken:
            pending[i] += 1
            if pending[i] > 1:
                on_done(chunks[i], [Erledigt(p.bericht.fall_id, "Arbeitsprozess ist abgestürzt")
                                    for p in chunks[i]])
                del pending[i]


def _auftrag(plan: Plan) -> Auftrag:
    assert plan.bericht.ergebnis is not None
    return Auftrag(plan.bericht.fall_id, plan.bericht.ergebnis.fall, plan.arten, plan.bekannt, plan.ziele)


def _executor(ctx: Kontext, tasks: int) -> ProcessPoolExecutor:
    import multiprocessing

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(max_workers=ctx.options.worker_count(tasks),
                               mp_context=multiprocessing.get_context(method),
                               initializer=worker.init, initargs=(str(ctx.out_dir), ctx.options))


def _collect(futures: dict[Future, int], chunks: list[list[Plan]], pending: dict[int, int],
             on_done: OnDone) -> list[int]:
    """Wait for the chunks; returns those whose worker crashed (the pool is then broken)."""
    broken = []
    waiting = set(futures)
    while waiting:
        finished, waiting = wait(waiting, return_when=FIRST_COMPLETED)
        for future in finished:
            index = futures[future]
            try:
                result = future.result()
            except BrokenProcessPool:
                broken.append(index)
                continue
            except Exception as exc:
                message = worker.batch_failures().message(exc)
                result = [Erledigt(p.bericht.fall_id, message) for p in chunks[index]]
            del pending[index]
            on_done(chunks[index], result)
    return broken


def _stop(executor: ProcessPoolExecutor) -> None:
    """Stop the workers now (Ctrl-C, kill): SIGTERM makes each kill its LibreOffice and
    remove its work files."""
    from .._compat import pool_processes

    processes = pool_processes(executor)
    for process in processes:
        if process.is_alive():
            process.terminate()
    executor.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + 15
    for process in processes:
        process.join(max(0.1, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
