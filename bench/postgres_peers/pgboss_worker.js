// pg-boss's no-op worker for bench/postgres_peers.py: one node process, WORKERS work() loops (pg-boss's way to
// run more at once) each fetching BATCH_SIZE jobs per poll, polling every 0.5 s (its minimum) when idle.
const PgBoss = require('pg-boss');
const probe = require('./probe');

(async () => {
  const boss = new PgBoss({ connectionString: process.env.DATABASE_URL });
  boss.on('error', (err) => console.error(err));
  await boss.start();
  const options = { batchSize: Number(process.env.BATCH_SIZE || 100), pollingIntervalSeconds: 0.5 };
  for (let i = 0; i < Number(process.env.WORKERS || 4); i += 1) {
    await boss.work('bench', options, async (jobs) => { for (const job of jobs) probe.hit(job.data.t); });
  }
  process.on('SIGTERM', async () => { await boss.stop({ graceful: false, wait: false }); process.exit(0); });
})().catch((err) => { console.error(err); process.exit(1); });
