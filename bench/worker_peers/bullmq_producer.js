// BullMQ's producer for bench/worker_peers.py: `node bullmq_producer.js bulk|single N RATE` with its own client
// (queue.add awaited one by one; bulk: addBulk of 1000, unstamped); prints "ready" once connected and starts at
// a line on stdin; stops after MAX_SECONDS.
const { Queue } = require('bullmq');
const IORedis = require('ioredis');

const [mode, n, rate] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const maxSeconds = Number(process.env.MAX_SECONDS || 300);
const now = () => Number(process.hrtime.bigint()) / 1e9;
const sleep = (s) => new Promise((resolve) => setTimeout(resolve, s * 1000));

(async () => {
  const connection = new IORedis({ host: '127.0.0.1', port: Number(process.env.REDIS_PORT), maxRetriesPerRequest: null });
  const queue = new Queue('bench', { connection });
  await queue.waitUntilReady();
  console.log('ready');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  process.stdin.pause();
  const started = now();
  const deadline = started + maxSeconds;
  let done = 0;
  while (done < n && now() < deadline) {
    if (mode === 'bulk') {
      const step = Math.min(1000, n - done);
      await queue.addBulk(Array.from({ length: step }, () => ({ name: 'noop', data: { t: 0 } })));
      done += step;
      continue;
    }
    if (rate > 0) {
      const delay = started + done / rate - now();
      if (delay > 0) await sleep(delay);
    }
    await queue.add('noop', { t: now() });
    done += 1;
  }
  console.log(`added ${done} ${now() - started}`);
  await queue.close();
  connection.disconnect();
})().catch((err) => { console.error(err); process.exit(1); });
