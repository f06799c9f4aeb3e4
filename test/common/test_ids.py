import uuid

from service_background.common.data.ids import new_uuid4


def test_ids_are_random_uuid4_text():
    ids = [new_uuid4() for _ in range(20000)]
    assert len(set(ids)) == len(ids)
    for text in ids[:2000]:
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 4 and parsed.variant == uuid.RFC_4122
    assert {text[19] for text in ids} == set('89ab'), 'every variant digit occurs'


def test_lease_tokens_are_unique_hex_across_threads():
    import threading

    from service_background.common.data.ids import random_hex
    seen, lock = [], threading.Lock()

    def draw():
        mine = [random_hex(12) for _ in range(5000)]
        with lock:
            seen.extend(mine)

    threads = [threading.Thread(target=draw) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(seen) == 20000 and len(set(seen)) == 20000, 'a pooled value was handed out twice'
    assert all(len(h) == 24 and int(h, 16) >= 0 for h in seen)
    assert len({random_hex(4) for _ in range(600)}) == 600, 'a second size has its own pool'


def test_a_forked_child_never_draws_its_parents_pooled_bytes():
    import os

    from service_background.common.data.ids import random_hex
    random_hex(16)  # the parent's pool now holds 255 values
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next 10 values, then out without running the parent's code
        os.close(read_end)
        os.write(write_end, ','.join(random_hex(16) for _ in range(10)).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        child = pipe.read().split(',')
    os.waitpid(pid, 0)
    parent = [random_hex(16) for _ in range(10)]
    assert len(child) == 10 and not set(child) & set(parent), 'parent and child drew the same pooled value'
