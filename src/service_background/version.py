"""The installed distribution's version, for the console scripts' --version (light: no service imports)."""
from importlib import metadata


def package_version() -> str:
    try:
        return metadata.version('service-background')
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return 'unknown (not installed)'
