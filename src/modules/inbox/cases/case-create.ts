/**
 * A case from a conversation: a new case with the council's next reference, or the
 * conversation's report joining a case already open. Either way the resident is told, in
 * their own thread, in the same transaction.
 */
import type { Tx } from '../../../db/index.ts';
import { recordAudit, type Actor } from '../../accounts/index.ts';
import { announce } from '../live.ts';
import { CaseError, type CaseInput } from './case-input.ts';
import * as q from './cases.queries.ts';
import { queueResidentMessage } from './outbound.ts';
import { nextReference } from './reference.ts';
import { caseCreatedMessage, reportJoinedMessage } from './resident-messages.ts';

export type Where = { lat: number | null; lon: number | null; wardCode: string | null };

/** Inserts the case and its first reporter; `queued` collects the message to the resident. */
export async function createCase(
  tx: Tx,
  actor: Actor,
  c: { conversationId: string; teamId: string | null; where: Where; input: CaseInput },
  queued: string[],
): Promise<{ id: string; reference: string }> {
  const { conversationId, where, input } = c;
  const reference = await nextReference(tx, actor.councilId);
  const row = await tx
    .insertInto('cases')
    .values({
      council_id: actor.councilId,
      reference,
      conversation_id: conversationId,
      area: input.area,
      category: input.category,
      summary: input.summary,
      place_text: input.placeText || null,
      ward_code: where.wardCode,
      lat: where.lat,
      lon: where.lon,
      team_id: c.teamId,
      created_by: actor.userId,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await tx
    .insertInto('case_reporters')
    .values({ council_id: actor.councilId, case_id: row.id, conversation_id: conversationId })
    .execute();
  await tx
    .insertInto('case_events')
    .values({ council_id: actor.councilId, case_id: row.id, status: 'open', actor_user_id: actor.userId })
    .execute();
  await recordAudit(tx, actor, {
    action: 'case.created',
    entityType: 'case',
    entityId: row.id,
    after: { reference, conversationId, ...input, wardCode: where.wardCode, lat: where.lat, lon: where.lon },
  });
  queued.push(
    await queueResidentMessage(
      tx,
      actor.councilId,
      conversationId,
      caseCreatedMessage(reference),
      actor.userId,
    ),
  );
  await announce(tx, actor.councilId, { type: 'case.updated', conversationId, status: 'open' });
  return { id: row.id, reference };
}

/** The conversation's report joins an existing case: one more resident counted and told. */
export async function joinCase(
  tx: Tx,
  actor: Actor,
  conversationId: string,
  caseId: string,
  queued: string[],
): Promise<{ reference: string }> {
  const conversation = await q.conversationForCase(tx, conversationId);
  if (!conversation) throw new CaseError('not_found');
  const primary = await q.findCase(tx, caseId, { lock: true });
  if (!primary || primary.mergedInto)
    throw new CaseError('validation', { caseId: 'Select a case to add this report to' });
  const added = await tx
    .insertInto('case_reporters')
    .values({ council_id: actor.councilId, case_id: primary.id, conversation_id: conversationId })
    .onConflict((oc) => oc.doNothing())
    .returning('case_id')
    .executeTakeFirst();
  if (!added)
    throw new CaseError('validation', {
      caseId: `This conversation is already part of ${primary.reference}`,
    });
  const reportCount = primary.reportCount + 1;
  await tx
    .updateTable('cases')
    .set({ report_count: reportCount, updated_at: new Date() })
    .where('id', '=', primary.id)
    .execute();
  await recordAudit(tx, actor, {
    action: 'case.report_joined',
    entityType: 'case',
    entityId: primary.id,
    before: { reportCount: primary.reportCount },
    after: { reportCount, conversationId },
  });
  queued.push(
    await queueResidentMessage(
      tx,
      actor.councilId,
      conversationId,
      reportJoinedMessage(primary.reference, reportCount),
      actor.userId,
    ),
  );
  await announce(tx, actor.councilId, { type: 'case.updated', conversationId, status: primary.status });
  return { reference: primary.reference };
}
