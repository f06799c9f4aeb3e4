#!/usr/bin/env python
"""A worker node for REMOTE@ cron jobs (also the `service-background-node` console script):
    bin/node.py --url http://localhost:8080 --group YM55 --node-id n1 --otp-secret <secret> --allow-exec"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src'))

from service_background.cron.node.cli import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
