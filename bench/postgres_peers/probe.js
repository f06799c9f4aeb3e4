// The node side of bench/worker_peers/probe.py for bench/postgres_peers.py's workers: one UDP datagram per
// handler run to 127.0.0.1:PROBE_PORT, "<enqueue stamp> <handler start stamp>" (CLOCK_MONOTONIC seconds).
const dgram = require('dgram');

const socket = dgram.createSocket('udp4');
const port = Number(process.env.PROBE_PORT);
const now = () => Number(process.hrtime.bigint()) / 1e9;

exports.now = now;
exports.hit = (enqueued) => socket.send(`${Number(enqueued) || 0} ${now()}\n`, port, '127.0.0.1');
// a producer's common shape: prints "ready" once set up, then waits for a line on stdin
exports.ready = async () => {
  console.log('ready');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  process.stdin.pause();
};
