/**
 * The shared job queue's batch handlers (src/jobs): a definition with `handleBatch` receives
 * the fetched jobs together and settles each on its own, so one failure retries that job only.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defineJob, JobQueue, type AnyJobDefinition } from '../src/jobs/index.ts';
import { createLogger } from '../src/logger.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';

describe('job queue batches', () => {
  let db: TestDatabase;
  let queue: JobQueue;
  const batches: string[][] = [];
  const job = defineJob<{ n: number }>({
    name: 'test.batch',
    retryLimit: 0,
    retryDelaySeconds: 1,
    expireInSeconds: 30,
    concurrency: 10,
    batchSize: 10,
    pollingIntervalSeconds: 0.5,
    handle: async () => {
      throw new Error('the batch handler should run, not this one');
    },
    handleBatch: async (jobs) => {
      batches.push(jobs.map((j) => j.ctx.jobId));
      return jobs.map((j) => (j.data.n === 3 ? new Error('three is refused') : undefined));
    },
  });

  before(async () => {
    db = await createTestDatabase();
    queue = new JobQueue({
      url: db.url,
      log: createLogger('silent'),
      definitions: [job] as unknown as AnyJobDefinition[],
    });
    await queue.start({ work: false });
  });
  after(async () => {
    await queue.stop(1000);
    await db.drop();
  });

  it('runs fetched jobs as one batch and fails only the job whose result is an error', async () => {
    const ids: string[] = [];
    for (let n = 1; n <= 5; n += 1) ids.push((await queue.send(job, { n }))!);
    // Workers start after the jobs exist, so one fetch finds all five.
    const worker = new JobQueue({
      url: db.url,
      log: createLogger('silent'),
      definitions: [job] as unknown as AnyJobDefinition[],
    });
    await worker.start({ work: true });
    try {
      const deadline = Date.now() + 20_000;
      let states: string[] = [];
      while (Date.now() < deadline) {
        const jobs = await queue.boss.findJobs('test.batch');
        states = ids.map((id) => jobs.find((j) => j.id === id)?.state ?? 'missing');
        if (states.every((s) => s === 'completed' || s === 'failed')) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.deepEqual(states, ['completed', 'completed', 'failed', 'completed', 'completed']);
      assert.equal(batches.length, 1, 'one batch');
      assert.deepEqual([...batches[0]!].sort(), [...ids].sort());
    } finally {
      await worker.stop(1000);
    }
  });
});
