// Graphile Worker's no-op worker for bench/postgres_peers.py: one node process with the settings of Graphile's
// performance page (concurrentJobs 24, maxPoolSize 25, localQueue 500, completion and failure batching on).
const { run } = require('graphile-worker');
const probe = require('./probe');

(async () => {
  const runner = await run({
    connectionString: process.env.DATABASE_URL,
    concurrency: 24,
    maxPoolSize: 25,
    noHandleSignals: true,
    taskList: { noop: async (payload) => { probe.hit(payload.t); } },
    preset: { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
  });
  process.on('SIGTERM', async () => { await runner.stop(); process.exit(0); });
  await runner.promise;
})().catch((err) => { console.error(err); process.exit(1); });
