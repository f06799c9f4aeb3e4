from .background_process import BackgroundProcess, normalize_switches


def main():
    normalize_switches()
    BackgroundProcess().run()
