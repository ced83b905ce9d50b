/**
 * The demo council's meetings: a committee, an upcoming full council meeting with an agenda,
 * a hashtag and an SMS keyword, and a few questions (one approved, one waiting, one with a
 * flag, and three that came through the inbox: two Bluesky posts with the hashtag, one not
 * mentioning the council, and a text message with the keyword), and a past meeting with answers linked to the recording. All of
 * it invented.
 */
import { withCouncil } from '../../db/index.ts';
import type { Actor } from '../accounts/index.ts';
import type { InboundItem } from '../channels/index.ts';
import type { MeetingsModule } from './module.ts';

/** Puts items through the inbox's pipeline as if the channel had delivered them. */
export type DemoInbox = (channelKind: string, items: InboundItem[]) => Promise<void>;

const day = 86400_000;

export async function seedDemoMeetings(
  module: MeetingsModule,
  actor: Actor,
  inbox?: DemoInbox,
): Promise<void> {
  const { meetings, questions, moderation } = module;
  const committee = await meetings.createCommittee(actor, 'Full Council', 'Council');
  const at = (days: number, hour: number) => {
    const d = new Date(Date.now() + days * day);
    d.setUTCHours(hour, 0, 0, 0);
    return d;
  };
  const upcoming = await meetings.createMeeting(actor, {
    title: 'Full Council',
    committeeId: committee.id,
    startsAt: at(14, 18),
    location: 'Council Chamber, Municipal Offices, Promenade',
    attendance: 'hybrid',
    // The council's own webcast page: shown as a link (YouTube and Vimeo would be embedded).
    streamUrl: 'https://demo.townsquare.test/webcasts/full-council',
    recordingUrl: 'https://demo.townsquare.test/webcasts/full-council',
    hashtag: 'ValeCouncil',
    questionKeyword: 'VALEQ',
  });
  const items = [
    { title: 'Apologies for absence', body: '', paperTitle: '', paperUrl: '' },
    {
      title: 'Public questions',
      body: 'Questions from residents, under the council’s standing orders.',
      paperTitle: '',
      paperUrl: '',
    },
    {
      title: 'Parks and open spaces strategy 2026 to 2031',
      body: 'Report of the Cabinet Member for Environment.',
      paperTitle: 'Parks strategy report',
      paperUrl: 'https://demo.townsquare.test/papers/parks-strategy.pdf',
    },
  ];
  for (const item of items) await meetings.addAgendaItem(actor, upcoming.id, item);
  const agenda = await meetings.listAgenda(actor.councilId, upcoming.id);
  const parks = agenda[2]!.id;
  const ask = (name: string, text: string, ward: string) =>
    questions.submit(actor.councilId, upcoming.id, {
      name,
      email: `${name.split(' ')[0]!.toLowerCase()}@example.org`,
      ward,
      text,
    });
  const q1 = await ask(
    'Maria Lopez',
    'Will the play area in Pittville Park be made accessible for wheelchair users?',
    'Pittville',
  );
  await moderation.act(actor, q1.id, { kind: 'approve' });
  await moderation.act(actor, q1.id, { kind: 'link', agendaItemId: parks });
  await ask('Sam Green', 'How much of the parks budget goes on tree planting each year?', 'Leckhampton');
  await ask('Jo Bloggs', 'Call me on 07700 900123 about the broken bench by the lake.', 'All Saints');
  if (inbox) await seedSocialQuestions(module, actor, inbox);

  const past = await meetings.createMeeting(actor, {
    title: 'Full Council',
    committeeId: committee.id,
    startsAt: at(-30, 18),
    location: 'Council Chamber, Municipal Offices, Promenade',
    attendance: 'hybrid',
    streamUrl: null,
    recordingUrl: 'https://demo.townsquare.test/webcasts/full-council-budget',
    hashtag: null,
  });
  await meetings.addAgendaItem(actor, past.id, {
    title: 'Budget 2026/27',
    body: 'Report of the Cabinet Member for Finance.',
    paperTitle: '',
    paperUrl: '',
  });
  const budget = (await meetings.listAgenda(actor.councilId, past.id))[0]!.id;
  // Written as if asked before the deadline: straight into the table through the service's
  // rules would refuse a question to a past meeting.
  await withCouncil(module.db, actor.councilId, async (tx) => {
    await tx
      .insertInto('meeting_questions')
      .values([
        {
          council_id: actor.councilId,
          meeting_id: past.id,
          agenda_item_id: budget,
          asker_name: 'Priya Patel',
          asker_email: 'priya@example.org',
          asker_ward: 'Charlton Kings',
          asker_key: 'email:priya@example.org',
          original_text: 'Will council tax rise by more than 3% this year?',
          text: 'Will council tax rise by more than 3% this year?',
          status: 'answered',
          answer: 'No. The budget sets a rise of 2.99%.',
          webcast_seconds: 1325,
          answered_at: at(-30, 19),
          votes: 12,
        },
        {
          council_id: actor.councilId,
          meeting_id: past.id,
          agenda_item_id: budget,
          asker_name: 'Tom Evans',
          asker_email: 'tom@example.org',
          asker_ward: 'Springbank',
          asker_key: 'email:tom@example.org',
          original_text: 'How much will be spent on road repairs?',
          text: 'How much will be spent on road repairs?',
          status: 'answered_in_writing',
          answer: '£2.4 million, set out in appendix C of the budget report.',
          answered_at: at(-28, 10),
          votes: 5,
        },
      ])
      .execute();
  });
}

/** Two questions that arrived through the inbox, filed by the real pipeline and rules. */
async function seedSocialQuestions(module: MeetingsModule, actor: Actor, inbox: DemoInbox): Promise<void> {
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
  await inbox('bluesky', [
    {
      externalId: 'at://did:plc:demorhiannonprice/app.bsky.feed.post/3demoquestion1',
      threadId: 'at://did:plc:demorhiannonprice/app.bsky.feed.post/3demoquestion1',
      kind: 'mention',
      author: { id: 'did:plc:demorhiannonprice', handle: 'rhiannon.bsky.social', name: 'Rhiannon Price' },
      text: '@valecouncil.bsky.social #ValeCouncil Will the Promenade cycle lane be finished before the Festival in March?',
      createdAt: minutesAgo(95),
      isPrivate: false,
      raw: {},
    },
    {
      // No mention of the council: found by the worker's hashtag listener on the relay's stream.
      externalId: 'at://did:plc:demotomaszwalker/app.bsky.feed.post/3demoquestion2',
      threadId: 'at://did:plc:demotomaszwalker/app.bsky.feed.post/3demoquestion2',
      kind: 'mention',
      author: { id: 'did:plc:demotomaszwalker', handle: 'tomasz-walker.bsky.social' },
      text: 'Will the Leckhampton bus shelter repairs be discussed? Three weeks with no roof now. #ValeCouncil',
      createdAt: minutesAgo(70),
      isPrivate: false,
      raw: {},
    },
  ]);
  await inbox('notify', [
    {
      externalId: 'demo-sms-valeq-1',
      kind: 'sms',
      author: { id: '447700900456', phone: '07700 900456' },
      text: 'VALEQ Why are the toilets in Montpellier Gardens closed on Sundays?',
      createdAt: minutesAgo(40),
      isPrivate: true,
      raw: {},
    },
  ]);
  await module.inboxQuestions.filePending(actor.councilId);
}
