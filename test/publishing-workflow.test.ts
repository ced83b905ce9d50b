/**
 * Workflow rules: approval steps by role or named people, nobody approving their own post or
 * two steps, the pre-election extra approval, an approval pending at the scheduled time holding
 * the post, Welsh required where the council is bilingual; and scheduling in Europe/London
 * across the clock changes, with impossible times and recurrences refused.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { withCouncil } from '../src/db/index.ts';
import {
  PublishingError,
  adviseOn,
  expandRecurrence,
  fromLondon,
  parseLocalSchedule,
  readPostForm,
  readability,
} from '../src/modules/publishing/index.ts';
import { startTestApp, type TestContext } from './support/app.ts';
import { publishingCouncil, RecordingQueue } from './publishing-fixtures.ts';

const rejectsWith = async (p: Promise<unknown>, kind: string, message?: RegExp) => {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof PublishingError);
    assert.equal(e.kind, kind);
    if (message) assert.match(e.message, message);
    return true;
  });
};

describe('scheduling in Europe/London', () => {
  it('stores UTC for local times either side of the March clock change', () => {
    // 2026: clocks go forward on Sunday 29 March at 01:00 GMT.
    assert.equal(
      fromLondon({ year: 2026, month: 3, day: 29, hour: 0, minute: 30 })?.toISOString(),
      '2026-03-29T00:30:00.000Z',
    );
    assert.equal(fromLondon({ year: 2026, month: 3, day: 29, hour: 1, minute: 30 }), undefined);
    assert.equal(
      fromLondon({ year: 2026, month: 3, day: 29, hour: 2, minute: 0 })?.toISOString(),
      '2026-03-29T01:00:00.000Z',
    );
  });

  it('takes the first 01:30 on the last Sunday of October', () => {
    // 2026: clocks go back on Sunday 25 October at 02:00 BST.
    assert.equal(
      fromLondon({ year: 2026, month: 10, day: 25, hour: 1, minute: 30 })?.toISOString(),
      '2026-10-25T00:30:00.000Z',
    );
    assert.equal(
      fromLondon({ year: 2026, month: 10, day: 25, hour: 2, minute: 30 })?.toISOString(),
      '2026-10-25T02:30:00.000Z',
    );
  });

  it('refuses a missing time, a past time, and nonsense, naming the field', () => {
    const now = new Date('2026-03-01T12:00:00Z');
    const gap = parseLocalSchedule({ day: '29', month: '3', year: '2026', time: '01:15' }, now);
    assert.deepEqual(gap.ok ? null : gap.field, 'time');
    const past = parseLocalSchedule({ day: '1', month: '2', year: '2026', time: '09:00' }, now);
    assert.ok(!past.ok && /must be in the future/u.test(past.message));
    const bad = parseLocalSchedule({ day: '31', month: '2', year: '2026', time: '09:00' }, now);
    assert.ok(!bad.ok && bad.field === 'date');
    const pm = parseLocalSchedule({ day: '2', month: '3', year: '2026', time: '2.30pm' }, now);
    assert.ok(pm.ok && pm.at.toISOString() === '2026-03-02T14:30:00.000Z');
  });

  it('keeps a weekly post at the same London time across both clock changes', () => {
    const first = fromLondon({ year: 2026, month: 3, day: 22, hour: 9, minute: 0 })!;
    const r = expandRecurrence(first, { frequency: 'weekly', until: new Date('2026-04-06T00:00:00Z') });
    assert.ok(r.ok);
    assert.deepEqual(
      r.dates.map((d) => d.toISOString()),
      ['2026-03-22T09:00:00.000Z', '2026-03-29T08:00:00.000Z', '2026-04-05T08:00:00.000Z'],
    );
    const autumn = expandRecurrence(fromLondon({ year: 2026, month: 10, day: 18, hour: 9, minute: 0 })!, {
      frequency: 'weekly',
      until: new Date('2026-10-26T00:00:00Z'),
    });
    assert.ok(autumn.ok);
    assert.deepEqual(
      autumn.dates.map((d) => d.toISOString()),
      ['2026-10-18T08:00:00.000Z', '2026-10-25T09:00:00.000Z'],
    );
  });

  it('refuses impossible recurrences', () => {
    const on31st = fromLondon({ year: 2026, month: 1, day: 31, hour: 9, minute: 0 })!;
    const monthly = expandRecurrence(on31st, {
      frequency: 'monthly',
      until: new Date('2026-12-31T00:00:00Z'),
    });
    assert.ok(!monthly.ok && /from 1 to 28/u.test(monthly.message));
    const backwards = expandRecurrence(on31st, {
      frequency: 'weekly',
      until: new Date('2026-01-01T00:00:00Z'),
    });
    assert.ok(!backwards.ok && /after the first post/u.test(backwards.message));
    const tooMany = expandRecurrence(on31st, {
      frequency: 'weekly',
      until: new Date('2030-01-01T00:00:00Z'),
    });
    assert.ok(!tooMany.ok && /at most/u.test(tooMany.message));
  });
});

describe('content checks', () => {
  it('scores readability and highlights hard sentences', () => {
    assert.ok(readability('Your bin will be emptied on Friday. Put it out by 7am.').score >= 70);
    const hard = readability(
      'The implementation of the comprehensive organisational transformation programme necessitates considerable interdepartmental collaboration, consultation and administrative reconfiguration. Bins are on Friday.',
    );
    assert.equal(hard.hardSentences.length, 1);
    assert.match(hard.hardSentences[0]!, /^The implementation/u);
  });

  it('names words to avoid, lowercase hashtags, bad links and election mentions', () => {
    const a = adviseOn(
      'We will deliver a robust plan #roadworksupdate see www.example.gov.uk with Cllr Smith of the Labour party',
      { preElectionPeriods: [{ start: '2026-03-20', end: '2026-05-07' }] },
      new Date('2026-04-01T10:00:00Z'),
    );
    assert.deepEqual(
      a.wordsToAvoid.map((w) => w.word),
      ['deliver', 'robust'],
    );
    assert.match(a.hashtags[0] ?? '', /#roadworksupdate in CamelCase/u);
    assert.match(a.links[0] ?? '', /Start the link www\.example\.gov\.uk with https:\/\//u);
    assert.deepEqual(a.election, ['Labour', 'a councillor']);
    assert.deepEqual(adviseOn('Cllr Smith', {}, new Date()).election, []);
  });
});

describe('approval workflow', () => {
  let ctx: TestContext;
  const queue = new RecordingQueue();
  before(async () => {
    ctx = await startTestApp();
    ctx.services.publishing.posts.useQueue(queue);
    ctx.services.publishing.publisher.useQueue(queue);
  });
  after(async () => ctx.close());

  it('refuses self-approval and a second step by the same person, and follows named steps', async () => {
    const c = await publishingCouncil(ctx.services, 'flow');
    const posts = ctx.services.publishing.posts;
    await ctx.services.db.system
      .insertInto('publishing_approval_steps')
      .values([
        { council_id: c.councilId, position: 1, name: 'Team lead', role: 'comms' },
        { council_id: c.councilId, position: 2, name: 'Head of comms', user_ids: [c.admin.id] },
      ])
      .execute();
    const id = await posts.saveDraft(
      c.staff(c.author),
      readPostForm({ title: 'Two steps', body: 'Parks open late.' }),
      {},
    );
    await posts.submit(c.staff(c.author), id, {});
    await rejectsWith(posts.approve(c.staff(c.author), id), 'forbidden', /your own post/u);
    assert.equal(await posts.approve(c.staff(c.approver), id), 'approved');
    await rejectsWith(posts.approve(c.staff(c.approver), id), 'forbidden', /already approved a step/u);
    assert.equal(await posts.approve(c.staff(c.admin), id), 'scheduled');
    assert.equal((await posts.get(c.councilId, id)).status, 'scheduled');
  });

  it('adds a pre-election approval when a post names a party in the period', async () => {
    const c = await publishingCouncil(ctx.services, 'purdah');
    const settings = { preElectionPeriods: [{ start: '2000-01-01', end: '2999-12-31' }] };
    const posts = ctx.services.publishing.posts;
    const id = await posts.saveDraft(
      c.staff(c.author),
      readPostForm({ title: 'Visit', body: 'The Green Party leader visited the depot.' }),
      settings,
    );
    await posts.submit(c.staff(c.author), id, settings);
    const view = await posts.get(c.councilId, id);
    assert.equal(view.needsExtraApproval, true);
    assert.deepEqual(
      view.steps.map((s) => s.name),
      ['Approval', 'Pre-election check'],
    );
    assert.equal(await posts.approve(c.staff(c.approver), id), 'approved');
    assert.equal(await posts.approve(c.staff(c.admin), id), 'scheduled');
  });

  it('holds a post still awaiting approval at its time and alerts the author', async () => {
    const c = await publishingCouncil(ctx.services, 'hold');
    const posts = ctx.services.publishing.posts;
    const id = await posts.saveDraft(
      c.staff(c.author),
      readPostForm({ title: 'Late', body: 'Market moves.' }),
      {},
    );
    await posts.submit(c.staff(c.author), id, {});
    await ctx.services.db.system
      .updateTable('posts')
      .set({ scheduled_at: new Date(Date.now() - 1000) })
      .where('id', '=', id)
      .execute();
    await posts.onDue(c.councilId, id);
    const view = await posts.get(c.councilId, id);
    assert.equal(view.status, 'submitted');
    assert.match(view.heldReason ?? '', /waiting for approval/u);
    const audit = await withCouncil(ctx.services.db.app, c.councilId, (tx) =>
      tx.selectFrom('audit_events').selectAll().where('action', '=', 'publishing.post_held').execute(),
    );
    assert.equal(audit.length, 1);
  });

  it('will not submit a bilingual council’s post without Welsh', async () => {
    const c = await publishingCouncil(ctx.services, 'cymru');
    const posts = ctx.services.publishing.posts;
    const id = await posts.saveDraft(
      c.staff(c.author),
      readPostForm({ title: 'Bins', body: 'Bins on Friday.' }),
      { isBilingual: true },
    );
    await assert.rejects(posts.submit(c.staff(c.author), id, { isBilingual: true }), (e: unknown) => {
      assert.ok(e instanceof PublishingError);
      assert.match(e.fieldErrors.bodyCy ?? '', /Enter the Welsh text/u);
      return true;
    });
  });

  it('creates each repeat of a recurring post when it is approved', async () => {
    const c = await publishingCouncil(ctx.services, 'repeat');
    const posts = ctx.services.publishing.posts;
    const next = new Date(Date.now() + 86_400_000);
    const until = new Date(next.getTime() + 20 * 86_400_000);
    const f = (d: Date, p: string) => ({
      [`${p}-day`]: String(d.getUTCDate()),
      [`${p}-month`]: String(d.getUTCMonth() + 1),
      [`${p}-year`]: String(d.getUTCFullYear()),
    });
    const id = await posts.saveDraft(
      c.staff(c.author),
      readPostForm({
        title: 'Weekly',
        body: 'Garden waste this week.',
        ...f(next, 'schedule'),
        'schedule-time': '10:00',
        repeat: 'weekly',
        ...f(until, 'repeatUntil'),
      }),
      {},
    );
    await posts.submit(c.staff(c.author), id, {});
    await posts.approve(c.staff(c.approver), id);
    const all = await posts.list(c.councilId, { status: 'scheduled' });
    assert.equal(all.length, 3);
  });
});
