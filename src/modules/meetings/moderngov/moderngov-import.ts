/**
 * Imports committees, meetings and agendas from a council's ModernGov site. Everything is
 * fetched and read first; only when every response is well formed does one transaction write
 * it, matching rows by ModernGov's ids so that a repeated import updates in place. A broken
 * response therefore changes nothing and the error says which call and which field.
 */
import { withCouncil, type Db, type Tx } from '../../../db/index.ts';
import { recordAudit, type Actor } from '../../accounts/index.ts';
import {
  ModernGovClient,
  readCommittees,
  readMeeting,
  readMeetings,
  type MgCommittee,
  type MgMeeting,
} from './moderngov.ts';

export type ImportOptions = {
  baseUrl: string;
  /** ModernGov committee ids to import; every active committee when empty. */
  committeeIds: string[];
  from: Date;
  to: Date;
  fetch?: typeof fetch;
};

export type ImportSummary = { committees: number; meetings: number; agendaItems: number };

type Fetched = { committees: MgCommittee[]; meetings: { committeeId: string; meeting: MgMeeting }[] };

async function fetchAll(opts: ImportOptions): Promise<Fetched> {
  const client = new ModernGovClient(opts.baseUrl, { fetch: opts.fetch });
  const all = readCommittees(await client.committees());
  const wanted = opts.committeeIds.length
    ? all.filter((c) => opts.committeeIds.includes(c.id))
    : all.filter((c) => c.isActive);
  const meetings: Fetched['meetings'] = [];
  for (const committee of wanted) {
    const refs = readMeetings(await client.meetings(committee.id, opts.from, opts.to));
    for (const ref of refs) {
      const meeting = readMeeting(await client.meeting(ref.id));
      meetings.push({ committeeId: committee.id, meeting });
    }
  }
  return { committees: wanted, meetings };
}

async function upsertCommittee(tx: Tx, councilId: string, c: MgCommittee): Promise<string> {
  const row = await tx
    .insertInto('committees')
    .values({
      council_id: councilId,
      name: c.title,
      category: c.category || null,
      is_active: c.isActive,
      moderngov_id: c.id,
    })
    .onConflict((oc) =>
      oc.columns(['council_id', 'moderngov_id']).doUpdateSet({
        name: c.title,
        category: c.category || null,
        is_active: c.isActive,
        updated_at: new Date(),
      }),
    )
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function upsertMeeting(
  tx: Tx,
  councilId: string,
  committee: { id: string; title: string },
  m: MgMeeting,
): Promise<{ id: string; items: number }> {
  const values = {
    committee_id: committee.id,
    title: committee.title,
    starts_at: m.startsAt,
    ends_at: m.endsAt,
    location: m.location || null,
    status: /cancel/iu.test(m.status) ? 'cancelled' : 'scheduled',
  };
  const row = await tx
    .insertInto('meetings')
    .values({ council_id: councilId, moderngov_id: m.id, ...values })
    .onConflict((oc) =>
      oc.columns(['council_id', 'moderngov_id']).doUpdateSet({ ...values, updated_at: new Date() }),
    )
    .returning('id')
    .executeTakeFirstOrThrow();
  const keep: string[] = [];
  for (const [n, item] of m.items.entries()) {
    const itemValues = {
      position: n + 1,
      number: item.number || null,
      title: item.title,
      body: item.body,
      minutes: item.minutes || null,
      papers: JSON.stringify(item.papers),
    };
    await tx
      .insertInto('agenda_items')
      .values({ council_id: councilId, meeting_id: row.id, moderngov_id: item.id, ...itemValues })
      .onConflict((oc) => oc.columns(['council_id', 'meeting_id', 'moderngov_id']).doUpdateSet(itemValues))
      .execute();
    keep.push(item.id);
  }
  // Items ModernGov no longer lists are gone from the agenda; questions linked to them keep
  // their text and lose only the link.
  let stale = tx
    .deleteFrom('agenda_items')
    .where('meeting_id', '=', row.id)
    .where('moderngov_id', 'is not', null);
  if (keep.length > 0) stale = stale.where('moderngov_id', 'not in', keep);
  await stale.execute();
  return { id: row.id, items: m.items.length };
}

/**
 * Fetches, checks, then writes. Throws ModernGovError (malformed or unavailable) before any write.
 */
export async function importFromModernGov(db: Db, actor: Actor, opts: ImportOptions): Promise<ImportSummary> {
  const fetched = await fetchAll(opts);
  return withCouncil(db, actor.councilId, async (tx) => {
    const committeeIds = new Map<string, { id: string; title: string }>();
    for (const c of fetched.committees)
      committeeIds.set(c.id, { id: await upsertCommittee(tx, actor.councilId, c), title: c.title });
    let agendaItems = 0;
    for (const { committeeId, meeting } of fetched.meetings) {
      const result = await upsertMeeting(tx, actor.councilId, committeeIds.get(committeeId)!, meeting);
      agendaItems += result.items;
    }
    const summary = {
      committees: fetched.committees.length,
      meetings: fetched.meetings.length,
      agendaItems,
    };
    await recordAudit(tx, actor, {
      action: 'meetings.imported',
      entityType: 'moderngov',
      entityId: opts.baseUrl,
      after: summary,
    });
    return summary;
  });
}
