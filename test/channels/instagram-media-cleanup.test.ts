/**
 * Public image copies for Instagram are deleted once no network has been handed their address
 * for a day: the `channels.purge-public-media` job, run through pg-boss, removes old copies of
 * every council, keeps fresh ones and ones handed out again, and the deleted copy's public URL
 * then answers 404. Handing the same bytes out after that makes a new copy at a new address.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { TestContext } from '../support/app.ts';
import { tinyJpeg } from './webhook-receiver.ts';
import { startPublicSite } from './instagram-public-site.ts';

const jobName = 'channels.purge-public-media';

/** Distinct valid-looking JPEGs: the copy is per content, so each needs its own bytes. */
const jpeg = (n: number) => ({
  data: new Uint8Array([...tinyJpeg.slice(0, -2), n, 0xff, 0xd9]),
  mimeType: 'image/jpeg',
  altText: `Picture ${n}`,
});

describe('instagram: public image copies are deleted a day after their last use', () => {
  let ctx: TestContext;
  let harbour = '';
  let moor = '';

  before(async () => {
    ({ ctx, harbour, moor } = await startPublicSite());
    await ctx.services.jobs.start({ work: true });
  });
  after(async () => ctx?.close());

  const tokenOf = (url: string) => url.split('/').at(-1)!;
  /** As if the address was last handed out this many hours ago (owner connection, no RLS). */
  const lastUsedHoursAgo = (url: string, hours: number) =>
    sql`UPDATE channel_public_media SET last_used_at = now() - make_interval(hours => ${hours})
        WHERE token = ${tokenOf(url)}`.execute(ctx.services.db.system);
  const copies = async () =>
    (
      await sql<{ token: string }>`SELECT token FROM channel_public_media`.execute(ctx.services.db.system)
    ).rows.map((r) => r.token);

  async function runPurge(): Promise<void> {
    const boss = ctx.services.jobs.boss;
    const id = await boss.send(jobName, {});
    assert.ok(id, 'the job is queued');
    const deadline = Date.now() + 20_000;
    for (;;) {
      const [job] = await boss.findJobs(jobName, { id });
      if (job?.state === 'completed') return;
      assert.notEqual(job?.state, 'failed', 'the purge job did not fail');
      assert.ok(Date.now() < deadline, `the purge job finished in time (state ${job?.state})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('is a cron job of the worker', async () => {
    const [schedule] = await ctx.services.jobs.boss.getSchedules(jobName);
    assert.equal(schedule?.cron, '41 * * * *');
    assert.equal(schedule?.options?.tz, 'Europe/London');
  });

  it('deletes old copies of every council, keeps fresh and re-used ones; the old URL answers 404', async () => {
    const old = await ctx.services.publicMedia.host(harbour, jpeg(1));
    const fresh = await ctx.services.publicMedia.host(harbour, jpeg(2));
    const reused = await ctx.services.publicMedia.host(harbour, jpeg(3));
    const almost = await ctx.services.publicMedia.host(harbour, jpeg(4));
    const otherCouncil = await ctx.services.publicMedia.host(moor, jpeg(1));
    await lastUsedHoursAgo(old, 25);
    await lastUsedHoursAgo(otherCouncil, 30);
    await lastUsedHoursAgo(almost, 23);
    await lastUsedHoursAgo(reused, 25);
    // A retry hands the same image out again: same address, and the copy counts as in use.
    assert.equal(await ctx.services.publicMedia.host(harbour, jpeg(3)), reused);
    assert.equal((await fetch(old)).status, 200, 'served before the purge');

    await runPurge();

    assert.deepEqual(
      (await copies()).sort(),
      [fresh, reused, almost].map(tokenOf).sort(),
      'only the copies used within the day are left',
    );
    assert.equal((await fetch(old)).status, 404);
    assert.equal((await fetch(otherCouncil)).status, 404);
    for (const url of [fresh, reused, almost]) assert.equal((await fetch(url)).status, 200, url);
  });

  it('hands out a new copy at a new address when deleted bytes are needed again', async () => {
    const before = await ctx.services.publicMedia.host(harbour, jpeg(5));
    await lastUsedHoursAgo(before, 48);
    await runPurge();
    assert.equal((await fetch(before)).status, 404);
    const again = await ctx.services.publicMedia.host(harbour, jpeg(5));
    assert.notEqual(again, before);
    const res = await fetch(again);
    assert.equal(res.status, 200);
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), jpeg(5).data);
  });
});
