"""Threads, signals and timers shared by the domains, and giving free memory back."""
