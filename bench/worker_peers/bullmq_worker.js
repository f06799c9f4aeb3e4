// BullMQ's no-op worker for bench/worker_peers.py: one node process, concurrency CONCURRENCY (50).
const { Worker } = require('bullmq');
const IORedis = require('ioredis');
const dgram = require('dgram');

const probe = dgram.createSocket('udp4');
const probePort = Number(process.env.PROBE_PORT);
const connection = new IORedis({ host: '127.0.0.1', port: Number(process.env.REDIS_PORT), maxRetriesPerRequest: null });
const now = () => Number(process.hrtime.bigint()) / 1e9;  // CLOCK_MONOTONIC, as the other probes
const worker = new Worker('bench', async (job) => {
  probe.send(`${job.data.t} ${now()}\n`, probePort, '127.0.0.1');
}, { connection, concurrency: Number(process.env.CONCURRENCY || 50) });
worker.on('error', (err) => console.error(err));
process.on('SIGTERM', async () => { await worker.close(); process.exit(0); });
