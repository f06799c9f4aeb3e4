// pg-boss's producer for bench/postgres_peers.py: `node pgboss_producer.js N` creates its schema and the queue,
// then adds N no-op jobs with its bulk API (insert of 1000); stops after MAX_SECONDS; prints "added N SECONDS".
const PgBoss = require('pg-boss');
const probe = require('./probe');

const n = Number(process.argv[2]);
const maxSeconds = Number(process.env.MAX_SECONDS || 300);

(async () => {
  const boss = new PgBoss({ connectionString: process.env.DATABASE_URL, supervise: false, schedule: false });
  boss.on('error', (err) => console.error(err));
  await boss.start();
  await boss.createQueue('bench');
  await probe.ready();
  const started = probe.now();
  let done = 0;
  while (done < n && probe.now() < started + maxSeconds) {
    const step = Math.min(1000, n - done);
    await boss.insert(Array.from({ length: step }, () => ({ name: 'bench', data: { t: 0 } })));
    done += step;
  }
  console.log(`added ${done} ${probe.now() - started}`);
  await boss.stop({ graceful: false, wait: false });
})().catch((err) => { console.error(err); process.exit(1); });
