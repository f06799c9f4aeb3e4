"""Gives the C heap's free pages back to the system after a large transient job (an import), which
glibc otherwise keeps once its mmap threshold has risen past the job's buffers; elsewhere a no-op."""
import ctypes
import ctypes.util

_libc_name = ctypes.util.find_library('c')
try:
    _malloc_trim = ctypes.CDLL(_libc_name).malloc_trim if _libc_name else None
except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim this way
    _malloc_trim = None


def give_back_free_memory():
    """Cheap (a walk over the heap's free lists): call it after big buffers were freed, not per request."""
    if _malloc_trim is not None:
        _malloc_trim(0)
