// Graphile Worker's producer for bench/postgres_peers.py: `node graphile_producer.js N` migrates the schema,
// then adds N no-op jobs with its bulk API (addJobs of 1000); stops after MAX_SECONDS; prints "added N SECONDS".
const { makeWorkerUtils } = require('graphile-worker');
const probe = require('./probe');

const n = Number(process.argv[2]);
const maxSeconds = Number(process.env.MAX_SECONDS || 300);

(async () => {
  const utils = await makeWorkerUtils({ connectionString: process.env.DATABASE_URL });
  await utils.migrate();
  await probe.ready();
  const started = probe.now();
  let done = 0;
  while (done < n && probe.now() < started + maxSeconds) {
    const step = Math.min(1000, n - done);
    await utils.addJobs(Array.from({ length: step }, () => ({ identifier: 'noop', payload: { t: 0 } })));
    done += step;
  }
  console.log(`added ${done} ${probe.now() - started}`);
  await utils.release();
})().catch((err) => { console.error(err); process.exit(1); });
