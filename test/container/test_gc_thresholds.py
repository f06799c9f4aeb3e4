"""GC_THRESHOLDS: the process's garbage-collector thresholds (background_process.py)."""
import os
import subprocess
import sys

import pytest
from pip_services3_commons.errors import ConfigException

from service_background.container.background_process import DEFAULT_GC_THRESHOLDS, gc_thresholds

from ..helpers import CONFIG_PATH, ROOT, free_port


def test_thresholds_come_from_the_environment_or_the_defaults():
    assert gc_thresholds({}) == DEFAULT_GC_THRESHOLDS == (2000, 10, 50)
    assert gc_thresholds({'GC_THRESHOLDS': ' '}) == DEFAULT_GC_THRESHOLDS
    assert gc_thresholds({'GC_THRESHOLDS': '700,10,10'}) == (700, 10, 10)
    for bad in ('1,2', 'a,b,c', '700,10,0', '700,-1,10', '1,2,3,4'):
        with pytest.raises(ConfigException):
            gc_thresholds({'GC_THRESHOLDS': bad})


def test_the_process_refuses_to_start_on_bad_thresholds(tmp_path):
    env = dict(os.environ, GC_THRESHOLDS='700,10', MEMORY_ENABLED='true', HTTP_PORT=str(free_port()),
               HTTP_FUNC_LISTEN=str(free_port()))
    done = subprocess.run([sys.executable, os.path.join(ROOT, 'bin', 'run.py'), '-c', CONFIG_PATH], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert 'GC_THRESHOLDS must be three positive integers' in done.stdout + done.stderr
