"""service-background-node: a worker node for REMOTE@ cron jobs."""
import argparse
import logging
import os
import signal
import socket
import sys
import threading

from service_background.cron.node.agent import NodeAgent, Unauthenticated
from service_background.version import package_version


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog='service-background-node',
                                     description='Runs the commands of REMOTE@ cron jobs sent to this node.')
    parser.add_argument('--version', action='version', version=f'%(prog)s {package_version()}')
    parser.add_argument('--url', default=os.environ.get('CRON_URL', 'http://127.0.0.1:8080'),
                        help='the service (env CRON_URL)')
    parser.add_argument('--group', required=True, help='the group to join')
    parser.add_argument('--node-id', default=socket.gethostname().split('.')[0],
                        help='this node in REMOTE@<node_id> (default: the host name)')
    parser.add_argument('--node-secret', '--otp-secret', dest='node_secret',
                        default=os.environ.get('CRON_NODE_SECRET') or os.environ.get('CRON_NODE_OTP_SECRET'),
                        help="the group's node secret, node_secret of register/group; not the HTTP@ otp_secret "
                             "(env CRON_NODE_SECRET)")
    parser.add_argument('--api-token', default=os.environ.get('CRON_API_TOKEN'),
                        help='API token sent as Authorization: Bearer, scope cron or cron:<group> (env CRON_API_TOKEN)')
    parser.add_argument('--token', default=os.environ.get('CRON_NODE_TOKEN'),
                        help='a node token from POST /v1/node/token (env CRON_NODE_TOKEN)')
    parser.add_argument('--allow-exec', action='store_true',
                        help='run the commands sent here with /bin/sh -c (without it every one is refused)')
    parser.add_argument('--heartbeat', type=float, default=5.0, help='seconds between heartbeats (0.2-300)')
    parser.add_argument('--parallel', type=int, default=4, help='commands run at once')
    parser.add_argument('--poll-wait', type=float, default=20.0, help='long-poll seconds (at most 30)')
    parser.add_argument('--host', default=None, help='the host shown in the node list')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(levelname)s %(message)s')
    if not args.node_secret and not args.token:
        logging.error('give --node-secret or --token')
        return 2
    agent = NodeAgent(args.url, args.group, args.node_id, node_secret=args.node_secret, token=args.token,
                      allow_exec=args.allow_exec, heartbeat_s=args.heartbeat, parallel=args.parallel,
                      poll_wait_s=args.poll_wait, host=args.host, api_token=args.api_token)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: agent.stop())
    try:
        agent.run()
    except Unauthenticated as ex:
        logging.error('the service refused this node (401): %s', ex)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
