"""`service-background`: starts every domain in one process, configured by a config.yml and the environment."""
import argparse
import sys
from typing import List, Optional

from service_background.container.background_process import BackgroundProcess, normalize_switches
from service_background.container.config_files import LOCAL_CONFIG, find_config_path
from service_background.version import package_version

DESCRIPTION = f"""Starts retries, jobs, tasks and cron in one process, serving HTTP on HTTP_HOST:HTTP_PORT
(default 0.0.0.0:8080; with no AUTH_TOKENS it listens on 127.0.0.1 only).

The config file read is the first of: -c FILE, the CONFIG_PATH variable, {LOCAL_CONFIG} of the working
folder, the default shipped in the package. Its switches are environment variables: MEMORY_ENABLED=true keeps
everything in memory, MONGO_ENABLED=true with MONGO_SERVICE_URI uses MongoDB, neither keeps durable files
under DATA_DIR (default ./data of the working folder). The log says at start which file and data are used."""


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog='service-background', description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('-c', '--config', metavar='FILE', help='the config.yml to read')
    parser.add_argument('-p', '--param', '--params', dest='params', action='append', default=[],
                        metavar='NAME=VALUE', help='a config parameter, as an environment variable would set it; '
                                                   'repeatable')
    parser.add_argument('--version', action='version', version=f'%(prog)s {package_version()}')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    normalize_switches()
    # ProcessContainer.run reads -c and -p from sys.argv itself; the path found here is its fallback
    BackgroundProcess(find_config_path(args.config)).run()
    return 0


if __name__ == '__main__':
    sys.exit(main())
