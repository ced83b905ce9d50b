/**
 * Merging a duplicate into a primary case: the duplicate points at the primary, its reporters
 * join the primary's (and are told the reference they now follow), and the primary counts
 * their reports.
 */
import { sql, type Tx } from '../../../db/index.ts';
import { recordAudit, type Actor } from '../../accounts/index.ts';
import { announce } from '../live.ts';
import { CaseError } from './case-input.ts';
import * as q from './cases.queries.ts';
import { queueResidentMessage } from './outbound.ts';
import { caseMergedMessage } from './resident-messages.ts';

export async function mergeCases(
  tx: Tx,
  actor: Actor,
  primaryId: string,
  duplicateId: string,
  queued: string[],
): Promise<void> {
  if (!q.uuidPattern.test(primaryId) || !q.uuidPattern.test(duplicateId)) throw new CaseError('not_found');
  // Both rows locked in a fixed order, so two merges of the same pair cannot deadlock.
  const locked = await tx
    .selectFrom('cases')
    .select(q.caseColumns)
    .where('id', 'in', [primaryId, duplicateId])
    .orderBy('id')
    .forUpdate()
    .execute();
  const primary = locked.map(q.toCase).find((c) => c.id === primaryId);
  const duplicate = locked.map(q.toCase).find((c) => c.id === duplicateId);
  if (!primary) throw new CaseError('not_found');
  if (!duplicate || duplicate.id === primary.id || duplicate.mergedInto || primary.mergedInto)
    throw new CaseError('validation', { duplicateId: 'Select a different case to merge into this one' });
  const moved = await tx
    .insertInto('case_reporters')
    .columns(['council_id', 'case_id', 'conversation_id'])
    .expression(
      tx
        .selectFrom('case_reporters')
        .select(['council_id', sql<string>`${primary.id}::uuid`.as('case_id'), 'conversation_id'])
        .where('case_id', '=', duplicate.id),
    )
    .onConflict((oc) => oc.doNothing())
    .returning('conversation_id')
    .execute();
  const reportCount = primary.reportCount + duplicate.reportCount;
  await tx
    .updateTable('cases')
    .set({ report_count: reportCount, updated_at: new Date() })
    .where('id', '=', primary.id)
    .execute();
  await tx
    .updateTable('cases')
    .set({ merged_into: primary.id, updated_at: new Date() })
    .where('id', '=', duplicate.id)
    .execute();
  const note = `Merged: ${duplicate.reference} joined ${primary.reference}`;
  const event = (c: { id: string; status: string }) => ({
    council_id: actor.councilId,
    case_id: c.id,
    status: c.status,
    note,
    actor_user_id: actor.userId,
  });
  await tx
    .insertInto('case_events')
    .values([event(primary), event(duplicate)])
    .execute();
  await recordAudit(tx, actor, {
    action: 'case.merged',
    entityType: 'case',
    entityId: primary.id,
    before: { reportCount: primary.reportCount },
    after: { reportCount, merged: duplicate.reference, mergedId: duplicate.id },
  });
  for (const { conversation_id: conversationId } of moved) {
    queued.push(
      await queueResidentMessage(
        tx,
        actor.councilId,
        conversationId,
        caseMergedMessage(duplicate.reference, primary.reference),
        actor.userId,
      ),
    );
    await announce(tx, actor.councilId, { type: 'case.updated', conversationId, status: primary.status });
  }
}
