/**
 * Drafting from templates and lists in Chromium, through the real forms, with the Content
 * Security Policy enforced: a template chosen in the composer opens the composer prefilled
 * (with JavaScript on, and again with it off); a roadworks list with a mistake is refused with
 * the GOV.UK error summary naming the row and column, and the fixed file drafts the posts; an
 * events list with a weekend event drafts "Saturday 20 to Sunday 21 March" and, once published,
 * the public iCalendar feed ends that event on the Sunday.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import ical from 'node-ical';
import type { Page } from 'playwright-core';
import {
  clickAndLoad,
  demoAdminEmail,
  pathOf,
  signIn,
  startE2e,
  visit,
  type E2e,
} from './support/browser.ts';

async function fillRoadworks(page: Page): Promise<void> {
  await page.getByLabel('Street').fill('Hewlett Road');
  await page.getByLabel('Who is doing the works').fill('Severn Trent Water');
  await page.getByLabel('Road closure').check();
  const first = page.getByRole('group', { name: 'First day of the works' });
  await first.getByLabel('Day').fill('1');
  await first.getByLabel('Month').fill('3');
  await first.getByLabel('Year').fill('2027');
  const last = page.getByRole('group', { name: 'Last day of the works' });
  await last.getByLabel('Day').fill('12');
  await last.getByLabel('Month').fill('3');
  await last.getByLabel('Year').fill('2027');
}

/** Chooses a CSV file on the import page and imports it. */
async function importFile(page: Page, name: string, text: string): Promise<void> {
  await page.getByLabel('CSV file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });
  await clickAndLoad(page, page.getByRole('button', { name: 'Import' }));
}

describe('drafting from templates and lists in Chromium', () => {
  let e2e: E2e;

  before(async () => {
    e2e = await startE2e();
  });
  after(async () => e2e?.close());

  for (const javaScriptEnabled of [true, false]) {
    it(`chooses a template in the composer and opens the composer prefilled (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
      const watched = await e2e.journey({ javaScriptEnabled });
      const { page } = watched;
      await signIn(page, demoAdminEmail);
      await visit(page, '/staff/publishing/new');
      await page.getByLabel('Start from a template').selectOption('roadworks');
      await clickAndLoad(page, page.getByRole('button', { name: 'Use template' }));
      assert.equal(pathOf(page), '/staff/publishing/templates/use?template=roadworks');

      // Nothing filled in: the error summary names each field and the fix.
      await clickAndLoad(page, page.getByRole('button', { name: 'Write the post' }));
      assert.match(await page.title(), /^Error: Roadworks: fill in the template – /u);
      const summary = page.locator('.govuk-error-summary');
      assert.equal(
        await summary.getByRole('link', { name: 'Enter the street' }).getAttribute('href'),
        '#street',
      );
      assert.equal(
        await summary.getByRole('link', { name: 'Enter who is doing the works' }).getAttribute('href'),
        '#promoter',
      );

      await fillRoadworks(page);
      await clickAndLoad(page, page.getByRole('button', { name: 'Write the post' }));
      assert.match(await page.title(), /^New post – /u);
      assert.equal(await page.getByLabel('Title').inputValue(), 'Roadworks: Hewlett Road');
      assert.match(
        await page.getByLabel('Text', { exact: true }).inputValue(),
        /^Roadworks on Hewlett Road from Monday 1 March 2027 to Friday 12 March 2027\. The road will be closed\./u,
      );
      assert.ok(await page.getByLabel('Alert').isChecked());
      await clickAndLoad(page, page.getByRole('button', { name: 'Save draft' }));
      assert.match(pathOf(page), /^\/staff\/publishing\/posts\/[0-9a-f-]{36}\?done=saved$/u);
      watched.assertClean();
    });
  }

  it('refuses a roadworks list with a mistake, then drafts the fixed file', async () => {
    const watched = await e2e.journey();
    const { page } = watched;
    await signIn(page, demoAdminEmail);
    await visit(page, '/staff/publishing/import');
    const good = await readFile('docs/examples/roadworks.csv', 'utf8');
    const bad = good.replace('2027-03-12', '2027-02-12');

    await page.getByLabel('Roadworks').check();
    await importFile(page, 'roadworks.csv', bad);
    assert.match(await page.title(), /^Error: Draft posts from a list – /u);
    const summary = page.locator('.govuk-error-summary');
    const row = summary.getByRole('link', {
      name: /^Row 2, column proposed_end_date: The last day of the works must be/u,
    });
    assert.equal(await row.getAttribute('href'), '#file');
    assert.match(await page.locator('#file-error').innerText(), /Nothing was imported/u);
    assert.equal(await page.locator('#problems tbody tr').count(), 1);

    // The choice is kept; choose the fixed file.
    assert.ok(await page.getByLabel('Roadworks').isChecked());
    await importFile(page, 'roadworks.csv', good);
    assert.match(await page.title(), /^Roadworks list imported – /u);
    assert.match(pathOf(page), /^\/staff\/publishing\/imports\/[0-9a-f-]{36}$/u);
    const drafts = page.locator('tbody tr');
    assert.equal(await drafts.count(), 4);
    // Hewlett Road was already drafted by the demo's own import: it is updated, not doubled.
    assert.equal(
      (await page.locator('tbody tr', { hasText: 'TSR001-0042' }).locator('.govuk-tag').innerText()).trim(),
      'Draft updated',
    );
    await clickAndLoad(page, page.getByRole('link', { name: 'Roadworks: Tewkesbury Road' }));
    assert.match(await page.locator('h1').innerText(), /Roadworks: Tewkesbury Road/u);
    watched.assertClean();
  });

  it('drafts a weekend event with its date range, refuses a last day before the first, and ends it on the Sunday in the iCalendar feed', async () => {
    const watched = await e2e.journey();
    const { page } = watched;
    await signIn(page, demoAdminEmail);
    await visit(page, '/staff/publishing/import');
    const good = await readFile('docs/examples/events.csv', 'utf8');
    const bad = good.replace('2027-03-20,2027-03-21', '2027-03-20,2027-03-19');
    const choose = async (text: string) => {
      await page.getByLabel('Events').check();
      await importFile(page, 'events.csv', text);
    };
    await choose(bad);
    assert.match(await page.title(), /^Error: Draft posts from a list – /u);
    assert.equal(
      await page
        .locator('.govuk-error-summary')
        .getByRole('link', {
          name: 'Row 2, column end_date: The last day must be the same as or after the date',
        })
        .count(),
      1,
    );

    await choose(good);
    assert.match(await page.title(), /^Events list imported – /u);
    await clickAndLoad(page, page.getByRole('link', { name: 'Spring clean-up weekend in Pittville Park' }));
    assert.match(
      await page.locator('main').innerText(),
      /Spring clean-up weekend in Pittville Park: Saturday 20 to Sunday 21 March 2027, 10am to 1pm\./u,
    );

    // Published (as the engine leaves it), the event is in the public feed, ending on the Sunday.
    const { system } = e2e.app.services.db;
    const post = await system
      .selectFrom('posts')
      .select(['id', 'event_start', 'event_end'])
      .where('title', '=', 'Spring clean-up weekend in Pittville Park')
      .executeTakeFirstOrThrow();
    assert.equal(new Date(post.event_end!).toISOString(), '2027-03-21T13:00:00.000Z');
    const past = new Date(Date.now() - 60_000);
    await system
      .updateTable('posts')
      .set({ status: 'published', scheduled_at: past, published_at: past })
      .where('id', '=', post.id)
      .execute();
    const feed = await page.request.get('/events.ics');
    assert.equal(feed.status(), 200);
    const events = Object.values(ical.sync.parseICS(await feed.text())).flatMap((c) =>
      c?.type === 'VEVENT' && String(c.uid).startsWith(post.id) ? [c] : [],
    );
    assert.equal(events.length, 1);
    assert.equal(events[0]!.start.toISOString(), '2027-03-20T10:00:00.000Z', '10am GMT on the Saturday');
    assert.equal(events[0]!.end?.toISOString(), '2027-03-21T13:00:00.000Z', '1pm GMT on the Sunday');
    watched.assertClean();
  });
});
