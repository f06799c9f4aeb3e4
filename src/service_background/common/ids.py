"""Random ids in the uuid4 text form, at a third of ``str(uuid.uuid4())``'s cost (every added job
makes one; the UUID object in between is never used)."""
import os

_VARIANT = {digit: '89ab'[int(digit, 16) & 3] for digit in '0123456789abcdef'}  # RFC 4122: 10xx


def new_uuid4() -> str:
    h = os.urandom(16).hex()
    return f'{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}'
