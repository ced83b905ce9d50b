/**
 * Issue 6's "done", in Chromium with the Content Security Policy enforced: a resident asks on
 * the web form and another by posting the meeting's hashtag on a real local Bluesky PDS; the
 * inbox picks the post up and files it as a question; a moderator merges the two, approves
 * and links them to an agenda item; a viewer's wall updates live; the chair records the answer
 * with its webcast time; both askers are told on their own channel (a reply post in the
 * resident's Bluesky thread, read back from the PDS with com.atproto.repo.listRecords, and an
 * email at the SMTP sink); the archive shows it. The page for filing a conversation by hand
 * passes axe.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AtpAgent } from '@atproto/api';
import type { BlueskyPeer, PeerAccount } from '../test/peers/bluesky/index.ts';
import type { SmtpSink } from '../test/peers/smtp-sink.ts';
import { describeViolations, scanWithAxe } from './support/axe.ts';
import { clickAndLoad, demoAdminEmail, signIn, visit, type E2e } from './support/browser.ts';
import { startCouncilWithChannels, type CouncilWithChannels } from './support/council-with-channels.ts';
import { until } from './support/until.ts';

const moderatorEmail = 'grace.moderator@demo.townsquare.test';

/** The stream, the worker and the notices each take their time: wait up to 20 s for them. */
const patiently = { timeoutMs: 20_000 };

describe('journey: questions from the web and Bluesky at a council meeting', () => {
  let town: CouncilWithChannels;
  let e2e: E2e;
  let pds: BlueskyPeer;
  let sink: SmtpSink;
  let council: PeerAccount;
  let resident: PeerAccount;

  before(async () => {
    town = await startCouncilWithChannels({
      // The worker reads the PDS's repo-event stream for posts carrying a meeting's hashtag.
      env: ({ pds }) => ({
        TOWNSQUARE_BLUESKY_STREAM_URL: pds.pdsUrl,
        TOWNSQUARE_BLUESKY_PLC_URL: pds.plcUrl,
      }),
    });
    ({ e2e, bluesky: council } = town);
    ({ pds, smtp: sink } = town.peers);
    resident = await pds.createAccount('resident.test');
    // Connected as the console would (issue 4's journey covers the forms themselves).
    await town.connect({ kind: 'bluesky', name: 'Council Bluesky', watchHashtags: true });
    await town.connect({ kind: 'email', name: 'Council email', address: 'contact@demo.townsquare.test' });
    // What the worker does at start (runtime.ts): open the stream for the watching account.
    await e2e.app.services.blueskyTags.start();
  });
  after(async () => {
    await e2e?.app.services.blueskyTags.stop();
    await town?.close();
  });

  it('is asked on two channels, merged, approved, linked, answered live and told to both askers', async () => {
    const { services } = e2e.app;
    const webText = 'Can the Sandford Lido stay open until 8pm in August?';
    const blueskyText = 'Could the Sandford Lido open later on summer evenings, until 8pm?';

    // A resident asks on the web form.
    const web = await e2e.journey();
    await visit(web.page, '/meetings');
    await clickAndLoad(web.page, web.page.getByRole('link', { name: 'Full Council' }).first());
    const meetingPath = new URL(web.page.url()).pathname;
    const meetingId = meetingPath.split('/').pop()!;
    assert.match(await web.page.locator('main').innerText(), /#ValeCouncil/);
    await clickAndLoad(web.page, web.page.getByRole('button', { name: 'Ask a question' }));
    await web.page.getByLabel('Your name').fill('Nia Web');
    await web.page.getByLabel('Email address').fill('nia.web@example.org');
    await web.page.getByLabel('Your ward or address').fill('College ward');
    await web.page.getByLabel('Your question').fill(webText);
    await clickAndLoad(web.page, web.page.getByRole('button', { name: 'Send question' }));
    await web.page.getByText('Your question has been received').waitFor();

    // Another posts the meeting's hashtag on Bluesky without mentioning the council: the
    // worker's hashtag listener reads it from the PDS's repo-event stream.
    const post = await pds.post(resident, `#ValeCouncil ${blueskyText}`);
    const social = await until(
      'the Bluesky post filed as a question',
      async () =>
        services.db.system
          .selectFrom('meeting_questions')
          .select(['id', 'asker_name', 'channel_kind', 'conversation_id', 'message_id', 'text'])
          .where('meeting_id', '=', meetingId)
          .where('channel_kind', '=', 'bluesky')
          .where('text', '=', blueskyText)
          .executeTakeFirst(),
      patiently,
    );
    assert.ok(social.conversation_id && social.message_id);
    const webQuestion = await services.db.system
      .selectFrom('meeting_questions')
      .select('id')
      .where('asker_email', '=', 'nia.web@example.org')
      .executeTakeFirstOrThrow();

    // A viewer watches the wall.
    const viewer = await e2e.journey();
    await visit(viewer.page, `${meetingPath}/live`);
    await viewer.page.locator('#wall[data-live="open"]').waitFor({ timeout: 10_000 });
    const onWall = viewer.page.locator('.ts-question__text', { hasText: blueskyText });
    assert.equal(await onWall.count(), 0);

    // The moderator merges the web question into the Bluesky one, approves and links it.
    const moderator = await e2e.journey();
    await signIn(moderator.page, moderatorEmail);
    await visit(moderator.page, `/staff${meetingPath}/moderation`);
    const item = moderator.page.locator(`#question-${social.id}`);
    assert.match(await item.innerText(), /\(bluesky, /);
    assert.equal(
      await item.getByRole('link', { name: /Open the bluesky conversation/ }).getAttribute('href'),
      `/staff/inbox/conversations/${social.conversation_id}`,
    );
    await moderator.page.getByText('More actions for the question from Nia Web').click();
    await moderator.page.locator(`#intoId-${webQuestion.id}`).selectOption(social.id);
    await clickAndLoad(
      moderator.page,
      moderator.page.getByRole('button', { name: 'Merge the question from Nia Web' }),
    );
    await clickAndLoad(
      moderator.page,
      moderator.page.getByRole('button', { name: `Approve the question from ${social.asker_name}` }),
    );
    // The wall shows it without a reload, asked by two people.
    await onWall.waitFor({ timeout: 10_000 });
    await moderator.page.getByText(`More actions for the question from ${social.asker_name}`).click();
    await moderator.page
      .locator(`#agendaItemId-${social.id}`)
      .selectOption({ label: '3. Parks and open spaces strategy 2026 to 2031' });
    await clickAndLoad(
      moderator.page,
      moderator.page.getByRole('button', { name: `Link the question from ${social.asker_name}` }),
    );
    const linked = await services.db.system
      .selectFrom('meeting_questions')
      .select(['agenda_item_id', 'ask_count', 'status'])
      .where('id', '=', social.id)
      .executeTakeFirstOrThrow();
    assert.ok(linked.agenda_item_id);
    assert.equal(linked.ask_count, 2);
    assert.equal(linked.status, 'approved');

    // The chair records the answer at 12:34 into the webcast.
    await visit(moderator.page, `/staff${meetingPath}/chair`);
    const answerBox = moderator.page.getByLabel(`Answer to the question from ${social.asker_name}`);
    await answerBox.fill('Yes: from 1 July the lido opens until 8pm.');
    const chairItem = moderator.page.locator('li', { has: answerBox });
    await chairItem.getByLabel('Time in the webcast').fill('12:34');
    await clickAndLoad(moderator.page, chairItem.getByRole('button', { name: /Record the answer/ }));

    // The wall shows the answer, still without a reload.
    await viewer.page
      .locator('.ts-question__answer', { hasText: 'Yes: from 1 July the lido opens until 8pm.' })
      .waitFor({ timeout: 10_000 });

    // The Bluesky asker gets a reply post in their own thread, on the PDS.
    const reader = new AtpAgent({ service: pds.pdsUrl });
    const reply = await until(
      'the answer as a reply post on the PDS',
      async () => {
        const res = await reader.com.atproto.repo.listRecords({
          repo: council.did,
          collection: 'app.bsky.feed.post',
          limit: 50,
        });
        return res.data.records.find((r) => {
          const v = r.value as { text?: string; reply?: { parent?: { uri?: string } } };
          return v.reply?.parent?.uri === post.uri && /answered/u.test(v.text ?? '');
        });
      },
      patiently,
    );
    const replyText = (reply.value as { text: string }).text;
    assert.match(replyText, /Yes: from 1 July the lido opens until 8pm\./);

    // The web asker is emailed the answer, as before.
    const mail = await until(
      'the answer emailed to the web asker',
      async () => sink.messages.find((m) => m.envelope.to.includes('nia.web@example.org')),
      patiently,
    );
    assert.match(mail.parsed.text ?? '', /Answer: Yes: from 1 July the lido opens until 8pm\./);
    assert.match(mail.parsed.text ?? '', /#t=754/);

    // The moderation page records both notices as sent.
    await until(
      'both notices sent',
      async () => {
        await visit(moderator.page, `/staff${meetingPath}/moderation`);
        const text = await moderator.page.locator('main').innerText();
        return /Asker told \(answered, by bluesky\): Sent/.test(text) &&
          /Asker told \(answered, by email\): Sent/.test(text)
          ? text
          : undefined;
      },
      patiently,
    );

    // The archive shows the answer under its agenda item, linked to the recording.
    await visit(web.page, `${meetingPath}/archive`);
    const link = web.page.getByRole('link', { name: /Watch the answer at 12:34/ });
    assert.equal(await link.getAttribute('href'), 'https://demo.townsquare.test/webcasts/full-council#t=754');
    assert.match(await web.page.locator('main').innerText(), /Could the Sandford Lido open later/);
    for (const w of [web, viewer, moderator]) w.assertClean();
  });

  it('files a conversation by hand on a page that passes axe', async () => {
    const { services } = e2e.app;
    const conversation = await services.db.system
      .selectFrom('meeting_questions')
      .select('conversation_id')
      .where('channel_kind', '=', 'notify')
      .executeTakeFirstOrThrow();
    const scan = await e2e.scan();
    await signIn(scan.page, demoAdminEmail);
    assert.equal(await visit(scan.page, `/staff/meetings/from-inbox/${conversation.conversation_id!}`), 200);
    assert.match(await scan.page.locator('#filed').innerText(), /Filed as a question for Full Council/);
    const clean = await scanWithAxe(scan.page);
    assert.equal(clean.failing.length, 0, describeViolations(clean.failing));
    await clickAndLoad(scan.page, scan.page.getByRole('button', { name: 'File the question' }));
    assert.match(await scan.page.title(), /^Error: File as a question for a meeting – /);
    const withErrors = await scanWithAxe(scan.page);
    assert.equal(withErrors.failing.length, 0, describeViolations(withErrors.failing));
  });
});
