#!/usr/bin/env python
"""Starts every domain of service-background in one process from a checkout: the `service-background` console
script without installing (`bin/run.py --help`)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src'))

from service_background.container.main import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
