"""Runs workers on one event loop (uvloop when installed), with SIGTERM/SIGINT handling."""
import asyncio
import logging
import signal
import threading
from typing import TYPE_CHECKING, Any, List, Sequence

if TYPE_CHECKING:  # base_worker imports this module when a worker runs
    from service_background.worker.base_worker import BaseWorker

log = logging.getLogger('service-background-worker')


def run_workers(workers: Sequence['BaseWorker[Any]'], install_signals: bool = True,
                use_uvloop: bool = True) -> int:
    """Runs workers on one event loop until stopped; the first SIGTERM/SIGINT stops them gracefully,
    a second one at once. Returns the highest exit code."""
    async def one(worker: 'BaseWorker[Any]') -> int:
        code = await worker.run_async()
        if code:
            for other in workers:
                other.stop(now=True)
        return code

    async def main() -> int:
        loop = asyncio.get_running_loop()
        installed: List[signal.Signals] = []
        if install_signals and threading.current_thread() is threading.main_thread():
            signals_seen: List[int] = []

            def on_signal(signum: int) -> None:
                signals_seen.append(signum)
                log.info('%s received: %s', signal.Signals(signum).name,
                         'stopping gracefully' if len(signals_seen) == 1 else 'stopping now')
                for worker in workers:
                    worker.stop(now=len(signals_seen) > 1)
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, on_signal, signum)
                installed.append(signum)
        try:
            return max(await asyncio.gather(*(one(w) for w in workers)))
        finally:
            for installed_signal in installed:
                loop.remove_signal_handler(installed_signal)

    loop_factory = None
    if use_uvloop:
        try:
            import uvloop
            loop_factory = uvloop.new_event_loop
        except ImportError:
            pass
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(main())
