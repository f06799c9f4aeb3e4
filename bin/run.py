#!/usr/bin/env python
"""Starts every domain of service-background in one process (see config/config.yml)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src'))

from service_background.container import BackgroundProcess, normalize_switches  # noqa: E402

if __name__ == '__main__':
    normalize_switches()
    BackgroundProcess().run()
