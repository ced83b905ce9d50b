/**
 * A case's status lifecycle: each change is a case event, an audit record, a live
 * announcement and an update in every reporter's thread. The first time a case is fixed or
 * closed, each reporter is also asked the satisfaction question. An update carrying the
 * officer's own message waits for a second person's approval in conversations whose team
 * checks replies.
 */
import type { Tx } from '../../../db/index.ts';
import { recordAudit, type Actor } from '../../accounts/index.ts';
import { announce } from '../live.ts';
import { CaseError, limits, type FieldErrors } from './case-input.ts';
import * as q from './cases.queries.ts';
import { needingApproval, queueResidentMessage, reporterConversations } from './outbound.ts';
import { finishedStatuses, isCaseStatus, statusChangeMessage } from './resident-messages.ts';
import { satisfactionQuestion } from './satisfaction.ts';

export async function changeCaseStatus(
  tx: Tx,
  actor: Actor,
  caseId: string,
  input: { status: string; note: string },
  queued: string[],
): Promise<void> {
  const note = input.note.trim();
  const errors: FieldErrors = {};
  if (!isCaseStatus(input.status)) errors.status = 'Select the new status';
  if (input.status === 'not_council' && !note) errors.note = 'Enter who the resident should contact instead';
  if (note.length > limits.note) errors.note = `Message must be ${limits.note} characters or fewer`;
  const current = await q.findCase(tx, caseId, { lock: true });
  if (!current) throw new CaseError('not_found');
  if (current.mergedInto)
    throw new CaseError('validation', {
      status: 'This case was merged into another: change the status there',
    });
  if (!errors.status && input.status === current.status)
    errors.status = `The case is already ${current.statusLabel.toLowerCase()}`;
  if (Object.keys(errors).length > 0 || !isCaseStatus(input.status))
    throw new CaseError('validation', errors);
  const status = input.status;
  const isFinished = finishedStatuses.includes(status);
  const askSatisfaction = (status === 'fixed' || status === 'closed') && !current.satisfactionAskedAt;
  const now = new Date();
  await tx
    .updateTable('cases')
    .set({
      status,
      updated_at: now,
      closed_at: isFinished ? now : null,
      ...(askSatisfaction ? { satisfaction_asked_at: now } : {}),
    })
    .where('id', '=', caseId)
    .execute();
  await tx
    .insertInto('case_events')
    .values({
      council_id: actor.councilId,
      case_id: caseId,
      status,
      note: note || null,
      actor_user_id: actor.userId,
    })
    .execute();
  await recordAudit(tx, actor, {
    action: 'case.status_changed',
    entityType: 'case',
    entityId: caseId,
    before: { status: current.status },
    after: { status, note: note || null, satisfactionAsked: askSatisfaction },
  });
  const reporters = await reporterConversations(tx, caseId);
  // The fixed wording goes at once; an officer's own words wait where the team checks replies.
  const checked = note ? await needingApproval(tx, reporters) : new Set<string>();
  for (const conversationId of reporters) {
    const body = statusChangeMessage(current.reference, status, note || null);
    if (checked.has(conversationId))
      await queueResidentMessage(
        tx,
        actor.councilId,
        conversationId,
        body,
        actor.userId,
        'awaiting_approval',
      );
    else queued.push(await queueResidentMessage(tx, actor.councilId, conversationId, body, actor.userId));
    if (askSatisfaction)
      queued.push(
        await queueResidentMessage(
          tx,
          actor.councilId,
          conversationId,
          satisfactionQuestion(current.reference),
          actor.userId,
        ),
      );
    await announce(tx, actor.councilId, { type: 'case.updated', conversationId, status });
  }
}
