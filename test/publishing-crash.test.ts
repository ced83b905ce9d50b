/**
 * Reliability, scaled down (the benchmark runs it at full size): a worker process publishing
 * posts to the Mastodon contract server is killed with SIGKILL at random moments and
 * restarted, again and again. Every post must end up on the channel exactly once, none lost.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { startMastodonServer, type MastodonServer } from './peers/mastodon/server.ts';
import { startTestApp, type TestContext } from './support/app.ts';
import { connectMastodon, publishingCouncil, scheduledPost } from './publishing-fixtures.ts';

export function startWorker(url: string, lease = 3): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/publishing-worker.ts', url, String(lease), '2', '5'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`worker exited with ${String(code)} before it was ready`)));
  });
}

const kill = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

describe('publishing survives a worker killed at random moments', () => {
  let ctx: TestContext;
  let mastodon: MastodonServer;
  const workers: ChildProcess[] = [];

  before(async () => {
    ctx = await startTestApp();
    await ctx.services.jobs.start({ work: false });
    mastodon = await startMastodonServer();
  });
  after(async () => {
    for (const w of workers) await kill(w);
    await ctx.close();
    await mastodon.close();
  });

  it('publishes 20 posts exactly once through 4 SIGKILLs', { timeout: 120_000 }, async () => {
    const c = await publishingCouncil(ctx.services, 'crash');
    const accountId = await connectMastodon(ctx.services, c, mastodon);
    const markers: string[] = [];
    for (let i = 0; i < 20; i += 1) {
      const marker = `crash-marker-${i}-${Math.random().toString(36).slice(2, 8)}`;
      markers.push(marker);
      await scheduledPost(ctx.services, c, {
        title: `Post ${i}`,
        body: `Update ${i} for residents. ${marker}`,
        accounts: [accountId],
      });
    }
    for (let round = 0; round < 4; round += 1) {
      const worker = await startWorker(ctx.db.url);
      workers.push(worker);
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 400));
      await kill(worker);
    }
    const last = await startWorker(ctx.db.url);
    workers.push(last);
    const deadline = Date.now() + 60_000;
    let open = Infinity;
    while (Date.now() < deadline) {
      const rows = await ctx.services.db.system
        .selectFrom('post_variants')
        .select('status')
        .where('council_id', '=', c.councilId)
        .execute();
      open = rows.filter((r) => r.status !== 'published').length;
      if (open === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(open, 0, 'every variant published');
    const counts = markers.map((m) => mastodon.countContaining(m));
    assert.deepEqual(
      counts,
      markers.map(() => 1),
      'each post exactly once on Mastodon',
    );
  });
});
