"""Random ids and lease tokens from a pool of ``os.urandom`` bytes: one getrandom call per 256 ids instead of
one per id (a batch of 100 jobs makes 100 ids and 100 lease tokens; under load each call cost microseconds).
The bytes stay the kernel's CSPRNG output, used once each; only the syscall is shared."""
import os
from collections import deque

_VARIANT = {digit: '89ab'[int(digit, 16) & 3] for digit in '0123456789abcdef'}  # RFC 4122: 10xx
_POOL_SIZE = 256
_pools: dict = {}
if hasattr(os, 'register_at_fork'):  # a forked child must not hand out its parent's bytes again
    os.register_at_fork(after_in_child=_pools.clear)


def random_hex(nbytes: int) -> str:
    """``nbytes`` random bytes as hex text. ``deque.popleft`` is atomic, so threads never share a value; two
    threads that find the pool empty at once both refill it, which only wastes a syscall."""
    pool = _pools.get(nbytes)
    if pool is None:
        pool = _pools.setdefault(nbytes, deque())
    try:
        return pool.popleft()
    except IndexError:
        h = os.urandom(nbytes * _POOL_SIZE).hex()
        step = nbytes * 2
        pool.extend(h[i:i + step] for i in range(step, len(h), step))
        return h[:step]


def new_uuid4() -> str:
    h = random_hex(16)
    return f'{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}'
