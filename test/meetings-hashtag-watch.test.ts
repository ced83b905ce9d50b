/**
 * A meeting's hashtag reaches every process at once. Two watchers on one database stand for two
 * processes: the app's own (told by the meetings service when a meeting is saved) and a second
 * one with its own connections and a ten-minute cache, so only the NOTIFY can explain it seeing
 * a change within a second. Then the fallback: with its listening connection killed by the
 * server, a watcher still catches up by its cache refresh, and one that listens again hears the
 * next change at once.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabases, sql, type Databases } from '../src/db/index.ts';
import { createLogger } from '../src/logger.ts';
import type { StaffUser } from '../src/modules/accounts/index.ts';
import { MeetingTagWatch, tagsChannel, type Meeting } from '../src/modules/meetings/index.ts';
import { createCouncilWithStaff, startTestApp, type TestContext } from './support/app.ts';

const day = 86400_000;
const log = createLogger('silent');

/** Polls `check` every 10 ms; resolves with the milliseconds it took, or fails after `withinMs`. */
async function within(
  withinMs: number,
  what: string,
  check: () => Promise<boolean> | boolean,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > withinMs) assert.fail(`${what}: not within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('meeting hashtags across processes', () => {
  let ctx: TestContext;
  let other: Databases;
  let councilId: string;
  let admin: StaffUser;
  let meeting: Meeting;
  const watchers: MeetingTagWatch[] = [];
  const actor = () => ({ councilId, userId: admin.id, label: admin.email });

  const retag = (hashtag: string) =>
    ctx.services.meetings.meetings.updateMeeting(actor(), meeting.id, {
      title: meeting.title,
      committeeId: null,
      startsAt: meeting.startsAt,
      location: null,
      attendance: 'hybrid',
      streamUrl: null,
      recordingUrl: null,
      hashtag,
      questionKeyword: null,
    });

  /** A watcher as another process has it: its own pool and its own listening connection. */
  async function otherProcess(opts: { refreshMs: number; reconnectMs?: number }): Promise<MeetingTagWatch> {
    const watch = new MeetingTagWatch({ db: other.app, url: other.url, log, ...opts });
    watchers.push(watch);
    await watch.start();
    assert.equal(watch.isListening, true);
    return watch;
  }

  before(async () => {
    ctx = await startTestApp();
    other = createDatabases(ctx.db.url);
    const made = await createCouncilWithStaff(ctx.services, 'tagwatch', [
      { email: 'admin@tagwatch.test', role: 'admin' },
    ]);
    councilId = made.councilId;
    admin = made.users[0]!;
    meeting = await ctx.services.meetings.meetings.createMeeting(actor(), {
      title: 'Full Council',
      committeeId: null,
      startsAt: new Date(Date.now() + 5 * day),
      location: null,
      attendance: 'hybrid',
      streamUrl: null,
      recordingUrl: null,
      hashtag: 'FullCouncil',
      questionKeyword: null,
    });
    // The app's own watcher starts listening in the background when the module is built.
    await within(5000, 'the app’s watcher listens', () => ctx.services.meetings.hashtags.isListening);
  });

  after(async () => {
    for (const w of watchers) await w.stop();
    await other?.close();
    await ctx?.close();
  });

  it('shows a hashtag changed through one process in the other within a second', async () => {
    const b = await otherProcess({ refreshMs: 10 * 60_000 });
    const told: string[] = [];
    b.onChange((id) => told.push(id));
    assert.deepEqual([...(await b.hashtagsFor(councilId))], ['fullcouncil']);

    await retag('BudgetQuestions');
    const ms = await within(1000, 'the other process sees #BudgetQuestions', async () =>
      (await b.hashtagsFor(councilId)).has('budgetquestions'),
    );
    assert.ok(ms < 1000, `took ${ms} ms`);
    assert.equal((await b.hashtagsFor(councilId)).has('fullcouncil'), false);
    // Subscribers (the inbox filter's cache) were told, with the council's id.
    assert.ok(told.includes(councilId), `told ${JSON.stringify(told)}`);
    // The process that made the change sees it at once too.
    assert.deepEqual([...(await ctx.services.meetings.hashtags.hashtagsFor(councilId))], ['budgetquestions']);
  });

  it('hears a change announced on any connection, naming the council', async () => {
    const b = await otherProcess({ refreshMs: 10 * 60_000 });
    const told: string[] = [];
    b.onChange((id) => told.push(id));
    await sql`SELECT pg_notify(${tagsChannel}, ${'00000000-0000-4000-8000-000000000000'})`.execute(other.app);
    await within(1000, 'the notification arrives', () => told.length > 0);
    assert.deepEqual(told, ['00000000-0000-4000-8000-000000000000']);
  });

  it('falls back to refreshing when the listening connection drops, and listens again', async () => {
    // Refreshes every 300 ms, and waits a long time before listening again.
    const slow = await otherProcess({ refreshMs: 300, reconnectMs: 60_000 });
    // Trusts its cache for ten minutes, and listens again after 200 ms.
    const quick = await otherProcess({ refreshMs: 10 * 60_000, reconnectMs: 200 });
    await slow.hashtagsFor(councilId);
    await quick.hashtagsFor(councilId);

    // The server ends every listening connection (a failover, a restart, an administrator).
    await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = current_database() AND query = ${`LISTEN ${tagsChannel}`}`.execute(ctx.db.system);
    await within(2000, 'the watchers notice', () => !slow.isListening);

    await retag('ParksQuestions');
    // Not listening, the slow one still catches up by its refresh.
    await within(2000, 'the refresh brings #ParksQuestions', async () =>
      (await slow.hashtagsFor(councilId)).has('parksquestions'),
    );
    assert.equal(slow.isListening, false);

    // The quick one listens again (and rereads what it missed while it was not listening)...
    await within(3000, 'listening again', () => quick.isListening);
    await within(1000, 'the reconnected process sees #ParksQuestions', async () =>
      (await quick.hashtagsFor(councilId)).has('parksquestions'),
    );
    // ...and hears the next change at once, though its cache would last ten minutes.
    await retag('LibraryQuestions');
    await within(1000, 'the reconnected process sees #LibraryQuestions', async () =>
      (await quick.hashtagsFor(councilId)).has('libraryquestions'),
    );
  });
});
