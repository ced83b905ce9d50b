/**
 * The content calendar in Chromium with the Content Security Policy enforced: dragging a post
 * onto an hour of the week view moves it to that time (each hour showing the time it means
 * while dragging), the same move made with the keyboard alone through the post's "Move" form
 * (the non-drag alternative WCAG 2.2's 2.5.7 asks for), nothing to drag without JavaScript, and
 * axe finding nothing serious with the hours on show mid-drag.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toFields } from '../src/modules/publishing/index.ts';
import { describeViolations, scanWithAxe } from './support/axe.ts';
import {
  clickAndLoad,
  demoAdminEmail,
  signIn,
  startE2e,
  visit,
  type E2e,
  type WatchedContext,
} from './support/browser.ts';

const keyOf = (at: Date) => {
  const f = toFields(at);
  return `${f.year}-${f.month.padStart(2, '0')}-${f.day.padStart(2, '0')}`;
};

describe('content calendar in Chromium', () => {
  let e2e: E2e;

  before(async () => {
    e2e = await startE2e();
    // A move queues the post's jobs for its new time; nothing here needs them to run.
    await e2e.app.services.jobs.start({ work: false });
  });
  after(async () => e2e?.close());

  /** A demo post (scheduled, or a draft with a time) and the London day it is on. */
  async function demoPost(title: string) {
    const row = await e2e.app.services.db.system
      .selectFrom('posts')
      .select(['id', 'scheduled_at'])
      .where('title', '=', title)
      .executeTakeFirstOrThrow();
    return { id: row.id, dayKey: keyOf(new Date(row.scheduled_at!)) };
  }

  /** Signs in as the demo admin and opens the week with a demo post in it. */
  async function openWeekOf(watched: WatchedContext, title: string) {
    await signIn(watched.page, demoAdminEmail);
    const post = await demoPost(title);
    await visit(watched.page, `/staff/publishing/calendar?view=week&date=${post.dayKey}`);
    return { ...post, item: watched.page.locator(`#post-${post.id}`) };
  }
  const londonTimeOf = async (id: string) => {
    const row = await e2e.app.services.db.system
      .selectFrom('posts')
      .select('scheduled_at')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const f = toFields(new Date(row.scheduled_at!));
    return `${keyOf(new Date(row.scheduled_at!))} ${f.time}`;
  };

  it('drags a post onto an hour of the week view, moving it to that time and keeping its minutes', async () => {
    const watched = await e2e.journey();
    const { page } = watched;
    // Seeded three days ahead at 07:30.
    const { item, ...post } = await openWeekOf(watched, 'Road closure: Hales Road resurfacing');
    assert.equal(await item.getAttribute('draggable'), 'true');
    assert.match(await page.locator('#calendar-help').innerText(), /onto an hour of a day/);
    const cell = page.locator(`td[data-drop-date="${post.dayKey}"]`);
    const strip = cell.locator('[data-slots]');
    assert.equal(await strip.isVisible(), false, 'the hours show only while dragging');

    // Pick the post up, as a mouse does: press, then move a little. The mouse works in the
    // viewport, so the post is scrolled to its top first, leaving room for the hours below it.
    await item.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    const box = (await item.boundingBox())!;
    await page.mouse.move(box.x + 20, box.y + 10);
    await page.mouse.down();
    await page.mouse.move(box.x + 40, box.y + 30, { steps: 5 });
    await strip.waitFor({ state: 'visible' });
    const slot = cell.locator('[data-drop-hour="14"]');
    assert.equal((await slot.innerText()).trim(), '14:30', 'each hour says the time it means');
    const past = await cell.locator('[data-drop-hour][data-past]').count();
    assert.equal(past, 0, 'three days ahead, no hour has gone');
    const target = (await slot.boundingBox())!;
    assert.ok(target.y + target.height < page.viewportSize()!.height, 'the hour is in view to drop on');
    const navigated = page.waitForURL(/done=moved/);
    await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 10 });
    await page.mouse.up();
    await navigated;

    assert.match(
      await page.locator('.govuk-notification-banner--success').innerText(),
      /The post has been moved/,
    );
    assert.match(
      await page.locator(`td[data-drop-date="${post.dayKey}"]`).innerText(),
      /14:30\s+Road closure: Hales Road resurfacing/,
    );
    assert.equal(await londonTimeOf(post.id), `${post.dayKey} 14:30`);
    const audit = await e2e.app.services.db.system
      .selectFrom('audit_events')
      .select('action')
      .where('entity_id', '=', post.id)
      .where('action', '=', 'publishing.post_rescheduled')
      .execute();
    assert.equal(audit.length, 1, 'the move is audited');
    watched.assertClean();
  });

  it('moves a post to another time with the keyboard alone, through its Move form', async () => {
    const watched = await e2e.journey();
    const { page } = watched;
    // A draft seeded five days ahead at midday.
    const { item, ...post } = await openWeekOf(watched, 'Full Council meets on Wednesday');
    await item.locator('summary').focus();
    await page.keyboard.press('Enter');
    const time = item.getByLabel('New time');
    assert.ok(await time.isVisible(), 'Enter opens the form');
    await time.focus();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('16:15');
    const navigated = page.waitForURL(/done=moved/);
    await page.keyboard.press('Enter');
    await navigated;
    await page.waitForLoadState('load');
    assert.equal(await londonTimeOf(post.id), `${post.dayKey} 16:15`);
    assert.match(
      await page.locator(`td[data-drop-date="${post.dayKey}"]`).innerText(),
      /16:15\s+Full Council meets on Wednesday/,
    );
    watched.assertClean();
  });

  it('offers nothing to drag without JavaScript, and the form still moves a post', async () => {
    const watched = await e2e.journey({ javaScriptEnabled: false });
    const { page } = watched;
    const { item, ...post } = await openWeekOf(watched, 'Half-term craft sessions at the central library');
    assert.equal(await item.getAttribute('draggable'), null);
    assert.equal(await page.locator('[data-slots]').first().isVisible(), false);
    assert.equal(await page.locator('[data-drag-help]').isVisible(), false);
    await item.locator('summary').click();
    await item.getByLabel('New time').fill('11:45');
    await clickAndLoad(page, item.getByRole('button', { name: 'Move post' }));
    assert.match(page.url(), /done=moved/);
    assert.equal(await londonTimeOf(post.id), `${post.dayKey} 11:45`);
    watched.assertClean();
  });

  it('passes axe with the hours on show, as they are mid-drag', async () => {
    const watched = await e2e.scan();
    const { page } = watched;
    await openWeekOf(watched, 'Road closure: Hales Road resurfacing');
    await page.locator('[data-slots]').evaluateAll((strips) => {
      for (const strip of strips) strip.removeAttribute('hidden');
    });
    assert.ok(await page.locator('[data-drop-hour]').first().isVisible());
    const findings = await scanWithAxe(page);
    assert.equal(findings.failing.length, 0, describeViolations(findings.failing));
    await watched.context.close();
  });
});
