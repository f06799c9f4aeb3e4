"""The worker node of REMOTE@ jobs (bin/node.py, console script service-background-node)."""
from service_background.cron.node.agent import NodeAgent, Unauthenticated
from service_background.cron.node.shell import ShellResult, run_shell

__all__ = ['NodeAgent', 'Unauthenticated', 'ShellResult', 'run_shell']
