/**
 * A council meeting in the browser, with the Content Security Policy enforced: a resident asks
 * on the web form, a moderator approves, a viewer's wall shows it live over SSE (no reload),
 * the chair records the answer with its webcast time, the wall shows the answer live, and
 * the archive links the answer to that moment of the recording.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clickAndLoad, signIn, startE2e, visit, type E2e } from './support/browser.ts';

const moderatorEmail = 'grace.moderator@demo.townsquare.test';

describe('journey: a question at a council meeting', () => {
  let e2e: E2e;
  before(async () => {
    e2e = await startE2e();
  });
  after(async () => e2e?.close());

  it('is asked, approved, shown live, answered with a webcast time and archived', async () => {
    const question = 'Can the Sandford Lido stay open until 8pm in August?';

    // A resident asks.
    const resident = await e2e.journey();
    await visit(resident.page, '/meetings');
    await clickAndLoad(resident.page, resident.page.getByRole('link', { name: 'Full Council' }).first());
    const meetingPath = new URL(resident.page.url()).pathname;
    await clickAndLoad(resident.page, resident.page.getByRole('button', { name: 'Ask a question' }));
    await resident.page.getByLabel('Your name').fill('Nia Resident');
    await resident.page.getByLabel('Email address').fill('nia@example.org');
    await resident.page.getByLabel('Your ward or address').fill('College ward');
    await resident.page.getByLabel('Your question').fill(question);
    await clickAndLoad(resident.page, resident.page.getByRole('button', { name: 'Send question' }));
    await resident.page.getByText('Your question has been received').waitFor();
    resident.assertClean();

    // A viewer watches the wall, live.
    const viewer = await e2e.journey();
    await visit(viewer.page, `${meetingPath}/live`);
    await viewer.page.locator('#wall[data-live="open"]').waitFor({ timeout: 10_000 });
    const onWall = viewer.page.locator('.ts-question__text', { hasText: question });
    assert.equal(await onWall.count(), 0);

    // A moderator approves it.
    const moderator = await e2e.journey();
    await signIn(moderator.page, moderatorEmail);
    await visit(moderator.page, `/staff${meetingPath}/moderation`);
    await clickAndLoad(
      moderator.page,
      moderator.page.getByRole('button', { name: 'Approve the question from Nia Resident' }),
    );

    // The wall shows it without a reload.
    await onWall.waitFor({ timeout: 10_000 });
    assert.match(await viewer.page.locator('#wall-announcer').innerText(), /New question from Nia Resident/);

    // The chair records the answer at 42:10 into the webcast.
    await visit(moderator.page, `/staff${meetingPath}/chair`);
    await moderator.page.getByLabel('Answer to the question from Nia Resident').fill('Yes, from 1 August.');
    const item = moderator.page.locator('li', {
      has: moderator.page.getByLabel('Answer to the question from Nia Resident'),
    });
    await item.getByLabel('Time in the webcast').fill('42:10');
    await clickAndLoad(moderator.page, item.getByRole('button', { name: /Record the answer/ }));
    await moderator.page.getByText('Answer: Yes, from 1 August. (at 42:10)').waitFor();

    // The wall shows the answer, still without a reload.
    await viewer.page
      .locator('.ts-question__answer', { hasText: 'Yes, from 1 August.' })
      .waitFor({ timeout: 10_000 });

    // The archive links the answer to its moment in the recording.
    await visit(resident.page, `${meetingPath}/archive`);
    const link = resident.page.getByRole('link', { name: /Watch the answer at 42:10/ });
    assert.equal(
      await link.getAttribute('href'),
      'https://demo.townsquare.test/webcasts/full-council#t=2530',
    );

    // The asker's notice is recorded: the demo council has no email account connected.
    await visit(moderator.page, `/staff${meetingPath}/moderation`);
    await moderator.page.getByText('Asker told (answered, by email)').waitFor();
    for (const w of [resident, viewer, moderator]) w.assertClean();
  });
});
