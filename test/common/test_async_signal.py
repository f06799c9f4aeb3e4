"""The asyncio waiter registry behind the async long-polls."""
import asyncio
import threading

from service_background.common.concurrency.async_signal import ANY, AsyncWaiters


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 10))


async def _woken(waiters, timeout=0.05):
    return [w for w in waiters if await w.wait(timeout)]


def test_notify_wakes_per_key_and_only_as_many_as_counted():
    async def main():
        registry = AsyncWaiters()
        a = [registry.register('a') for _ in range(5)]
        b = [registry.register('b') for _ in range(3)]
        assert registry.notify('a', 2) == 2
        assert registry.notify('c', 4) == 0  # nobody waits on c
        woken_a = await _woken(a)
        woken_b = await _woken(b)
        assert woken_a == a[:2] and woken_b == []  # oldest first, no other key woken
        assert all(w.woken_by == 'a' for w in woken_a)
        for w in a + b:
            registry.discard(w)
        assert len(registry) == 0 and registry.keys() == []  # empty keys removed
    run(main())


def test_any_waiters_share_wakes_in_registration_order():
    async def main():
        registry = AsyncWaiters()
        first = registry.register(ANY)
        second = registry.register('a')
        third = registry.register(ANY)
        assert registry.notify('a', 2) == 2
        assert await first.wait(0.05) and await second.wait(0.05)
        assert not await third.wait(0.05)
        assert first.woken_by == 'a'
        for w in (first, second, third):
            registry.discard(w)
    run(main())


def test_no_lost_wakeup_when_notified_before_waiting():
    async def main():
        registry = AsyncWaiters()
        waiter = registry.register('a')
        registry.notify('a')  # the job arrived between the take attempt and the wait
        assert await waiter.wait(5)
        registry.discard(waiter)
    run(main())


def test_unused_wake_is_passed_on():
    async def main():
        registry = AsyncWaiters()
        lucky = registry.register('a')
        other = registry.register('a')
        registry.notify('a', 1)
        # the woken waiter got its job some other way and never waits: its wake goes to the next one
        registry.discard(lucky)
        assert await other.wait(1)
        registry.discard(other)
    run(main())


def test_cancelled_waiters_are_skipped_and_pass_on_a_wake_they_got():
    async def main():
        registry = AsyncWaiters()
        cancelled = registry.register('a')
        live = registry.register('a')
        task = asyncio.ensure_future(cancelled.wait(10))
        await asyncio.sleep(0)
        task.cancel()
        await asyncio.sleep(0)
        registry.discard(cancelled)
        assert registry.notify('a', 1) == 1
        assert await live.wait(1)
        registry.discard(live)

        # cancelled after being chosen: the wake moves on
        chosen = registry.register('b')
        nxt = registry.register('b')
        task = asyncio.ensure_future(chosen.wait(10))
        await asyncio.sleep(0)
        registry.notify('b', 1)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        registry.discard(chosen)
        assert await nxt.wait(1)
        registry.discard(nxt)
        assert len(registry) == 0
    run(main())


def test_timed_out_waiters_are_skipped():
    async def main():
        registry = AsyncWaiters()
        stale = registry.register('a')
        assert not await stale.wait(0.01)  # timed out, not yet discarded
        fresh = registry.register('a')
        assert registry.notify('a', 1) == 1
        assert await fresh.wait(1)
        for w in (stale, fresh):
            registry.discard(w)
    run(main())


def test_notify_from_another_thread():
    async def main():
        registry = AsyncWaiters()
        waiters = [registry.register('a') for _ in range(3)]
        thread = threading.Thread(target=lambda: registry.notify('a', 2))
        thread.start()
        thread.join()
        results = await asyncio.gather(*(w.wait(0.3) for w in waiters))
        assert results == [True, True, False]
        for w in waiters:
            registry.discard(w)
    run(main())


def test_waiters_on_two_loops():
    registry = AsyncWaiters()
    ready = threading.Event()
    box = {}

    def other_loop():
        async def main():
            waiter = registry.register('a')
            ready.set()
            box['woken'] = await waiter.wait(5)
            registry.discard(waiter)
        asyncio.run(main())
    thread = threading.Thread(target=other_loop)
    thread.start()
    ready.wait(5)

    async def notify_here():
        registry.notify('a')
    run(notify_here())
    thread.join(5)
    assert box['woken'] is True


def test_notify_all_and_close_wake_everyone():
    async def main():
        registry = AsyncWaiters()
        job = [registry.register('job1') for _ in range(3)]
        other = registry.register('job2')
        assert registry.notify_all('job1') == 3
        assert all([await w.wait(1) for w in job]) and not await other.wait(0.01)
        registry.close()
        late = registry.register('x')
        assert await late.wait(1)  # closed: a new registration comes back woken
        for w in job + [other, late]:
            registry.discard(w)
        assert registry.closed and len(registry) == 0
    run(main())
