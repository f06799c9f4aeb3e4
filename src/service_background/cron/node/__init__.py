"""The worker node of REMOTE@ jobs (bin/node.py, console script service-background-node)."""
from .agent import NodeAgent, Unauthenticated
from .shell import ShellResult, run_shell

__all__ = ['NodeAgent', 'Unauthenticated', 'ShellResult', 'run_shell']
