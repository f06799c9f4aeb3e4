"""Which config.yml a process reads (an option, CONFIG_PATH, ./config/config.yml or the one shipped in the
package) and where its data goes, said in one line at start."""
import os
from importlib import resources
from typing import Mapping, Optional

LOCAL_CONFIG = os.path.join('.', 'config', 'config.yml')
OFF = ('', 'false', '0', 'no', 'off')


def packaged_config_path() -> str:
    """The default config.yml that ships inside the package (a file: wheels install unzipped)."""
    return str(resources.files('service_background').joinpath('config', 'config.yml'))


def find_config_path(option: Optional[str] = None, environ: Mapping[str, str] = os.environ) -> str:
    """``-c FILE`` wins, then CONFIG_PATH, then ./config/config.yml of the working folder, then the packaged one."""
    if option:
        return option
    if environ.get('CONFIG_PATH'):
        return environ['CONFIG_PATH']
    if os.path.isfile(LOCAL_CONFIG):
        return LOCAL_CONFIG
    return packaged_config_path()


def data_location(values: Mapping[str, str]) -> str:
    """Where the stores keep their data under the switches in ``values`` (config.yml's parameters)."""
    def on(name: str) -> bool:
        return str(values.get(name) or '').strip().lower() not in OFF

    if on('MEMORY_ENABLED'):
        return 'memory (MEMORY_ENABLED: nothing kept across a restart)'
    if on('MONGO_ENABLED'):
        return 'MongoDB (MONGO_ENABLED)'
    if on('POSTGRES_ENABLED'):
        return (f"PostgreSQL for retries, tasks and cron (POSTGRES_ENABLED), files under "
                f"{os.path.abspath(values.get('DATA_DIR') or './data')} (DATA_DIR) for the rest")
    return f"files under {os.path.abspath(values.get('DATA_DIR') or './data')} (DATA_DIR)"

