/**
 * Cases (service requests) made from conversations: one action creates a case with a
 * reference, every status change is recorded, audited, announced and told to every resident
 * who reported it in their own thread, duplicates merge into one case, and residents are asked
 * once how satisfied they were.
 */
import { withCouncil, sql, type Db, type Tx } from '../../../db/index.ts';
import type { Logger } from '../../../logger.ts';
import { recordAudit, type Actor } from '../../accounts/index.ts';
import { announce } from '../live.ts';
import * as q from './cases.queries.ts';
import { queueResidentMessage, reporterConversations } from './outbound.ts';
import { nextReference } from './reference.ts';
import {
  caseCreatedMessage,
  caseMergedMessage,
  finishedStatuses,
  isCaseStatus,
  reportJoinedMessage,
  statusChangeMessage,
} from './resident-messages.ts';
import { parseSatisfaction, satisfactionQuestion } from './satisfaction.ts';

export type FieldErrors = Partial<Record<string, string>>;

export class CaseError extends Error {
  constructor(
    readonly kind: 'not_found' | 'validation',
    readonly fieldErrors: FieldErrors = {},
  ) {
    super(kind);
    this.name = 'CaseError';
  }
}

export type CaseInput = { area: string; category: string; placeText: string; summary: string };

/** Queues delivery of one outbound message (the job); failures are logged, the row stays queued. */
export type QueueDelivery = (data: { councilId: string; messageId: string }) => Promise<unknown>;

const limits = { area: 80, category: 80, placeText: 200, summary: 1000, note: 280 };

function validateCase(input: CaseInput): FieldErrors {
  const e: FieldErrors = {};
  if (!input.area) e.area = 'Enter the service, like waste';
  else if (input.area.length > limits.area) e.area = `Service must be ${limits.area} characters or fewer`;
  if (!input.category) e.category = 'Enter the category, like missed_collection';
  else if (input.category.length > limits.category)
    e.category = `Category must be ${limits.category} characters or fewer`;
  if (input.placeText.length > limits.placeText)
    e.placeText = `Place must be ${limits.placeText} characters or fewer`;
  if (!input.summary) e.summary = 'Enter a summary of the problem';
  else if (input.summary.length > limits.summary)
    e.summary = `Summary must be ${limits.summary} characters or fewer`;
  return e;
}

export class CasesService {
  constructor(
    private readonly db: Db,
    private readonly deps: { queueDelivery: QueueDelivery; log?: Logger },
  ) {}

  /** Runs a change in the council's transaction, then hands the queued messages to the job. */
  private async change<T>(councilId: string, fn: (tx: Tx, queued: string[]) => Promise<T>): Promise<T> {
    const queued: string[] = [];
    const result = await withCouncil(this.db, councilId, (tx) => fn(tx, queued));
    for (const messageId of queued) {
      try {
        await this.deps.queueDelivery({ councilId, messageId });
      } catch (error) {
        // The message is durable and still 'queued': it is not lost, only not yet sent.
        this.deps.log?.warn({ err: error, messageId }, 'could not queue a resident message for delivery');
      }
    }
    return result;
  }

  /** The form's starting values from the conversation's triage, and similar open cases. */
  async draftFor(councilId: string, conversationId: string) {
    return withCouncil(this.db, councilId, async (tx) => {
      const c = await q.conversationForCase(tx, conversationId);
      if (!c) throw new CaseError('not_found');
      const place = c.places[0];
      const defaults: CaseInput = {
        area: c.area ?? '',
        category: c.category ?? '',
        placeText: place?.text ?? '',
        summary: (c.subject ?? c.firstMessage ?? '').trim().slice(0, 300),
      };
      const where = {
        lat: c.lat ?? place?.lat ?? null,
        lon: c.lon ?? place?.lon ?? null,
        wardCode: c.wardCode ?? place?.wardCode ?? null,
        placeText: defaults.placeText || null,
      };
      const existing = await q.casesOfConversation(tx, conversationId);
      const similar = c.category
        ? await q.findSimilar(tx, { ...where, category: c.category, excludeIds: existing.map((e) => e.id) })
        : [];
      return { conversation: c, defaults, where, similar, existing };
    });
  }

  /**
   * Creates a case from a conversation: takes the next reference, records the conversation as
   * its first reporter and queues the reference to the resident in the same thread.
   * Missing fields take the conversation's triage.
   */
  async createFromConversation(
    actor: Actor,
    conversationId: string,
    given: Partial<CaseInput>,
  ): Promise<{ id: string; reference: string }> {
    const draft = await this.draftFor(actor.councilId, conversationId);
    const input: CaseInput = {
      area: (given.area ?? draft.defaults.area).trim(),
      category: (given.category ?? draft.defaults.category).trim(),
      placeText: (given.placeText ?? draft.defaults.placeText).trim(),
      summary: (given.summary ?? draft.defaults.summary).trim(),
    };
    const errors = validateCase(input);
    if (Object.keys(errors).length > 0) throw new CaseError('validation', errors);
    return this.change(actor.councilId, async (tx, queued) => {
      const reference = await nextReference(tx, actor.councilId);
      const { where } = draft;
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
          team_id: draft.conversation.teamId,
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
        after: {
          reference,
          conversationId,
          ...input,
          wardCode: where.wardCode,
          lat: where.lat,
          lon: where.lon,
        },
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
    });
  }

  /** The conversation's report joins an existing case instead of making a new one. */
  async joinCase(actor: Actor, conversationId: string, caseId: string): Promise<{ reference: string }> {
    return this.change(actor.councilId, async (tx, queued) => {
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
    });
  }

  /**
   * Moves a case to a new status: a case event, an audit record, a live announcement and an
   * update in every reporter's thread. The first time a case is fixed or closed, each reporter
   * is also asked the satisfaction question.
   */
  async changeStatus(actor: Actor, caseId: string, input: { status: string; note: string }): Promise<void> {
    const note = input.note.trim();
    const errors: FieldErrors = {};
    if (!isCaseStatus(input.status)) errors.status = 'Select the new status';
    if (input.status === 'not_council' && !note)
      errors.note = 'Enter who the resident should contact instead';
    if (note.length > limits.note) errors.note = `Message must be ${limits.note} characters or fewer`;
    await this.change(actor.councilId, async (tx, queued) => {
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
      for (const conversationId of await reporterConversations(tx, caseId)) {
        const body = statusChangeMessage(current.reference, status, note || null);
        queued.push(await queueResidentMessage(tx, actor.councilId, conversationId, body, actor.userId));
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
    });
  }

  /**
   * Merges a duplicate into a primary case: the duplicate points at the primary, its
   * reporters join the primary's (and are told the reference they now follow), and the
   * primary counts their reports.
   */
  async merge(actor: Actor, primaryId: string, duplicateId: string): Promise<void> {
    await this.change(actor.councilId, async (tx, queued) => {
      if (!q.uuidPattern.test(primaryId) || !q.uuidPattern.test(duplicateId))
        throw new CaseError('not_found');
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
      await tx
        .insertInto('case_events')
        .values([
          {
            council_id: actor.councilId,
            case_id: primary.id,
            status: primary.status,
            note,
            actor_user_id: actor.userId,
          },
          {
            council_id: actor.councilId,
            case_id: duplicate.id,
            status: duplicate.status,
            note,
            actor_user_id: actor.userId,
          },
        ])
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
    });
  }

  /**
   * For ingestion: an inbound message in a conversation that was asked the satisfaction
   * question and has not answered. Returns true when the message was the answer (recorded by
   * service and team), false when it is not an answer and should be handled as usual.
   * Pass `tx` (set to the council) to record it in ingestion's own transaction.
   * @example if (await cases.recordSatisfactionReply(councilId, conversationId, text)) return;
   */
  async recordSatisfactionReply(
    councilId: string,
    conversationId: string,
    text: string,
    tx?: Tx,
  ): Promise<boolean> {
    if (!q.uuidPattern.test(conversationId)) return false;
    const run = async (t: Tx): Promise<boolean> => {
      const outstanding = await t
        .selectFrom('cases')
        .innerJoin('case_reporters', 'case_reporters.case_id', 'cases.id')
        .leftJoin('satisfaction_responses as s', (join) =>
          join.onRef('s.case_id', '=', 'cases.id').on('s.conversation_id', '=', conversationId),
        )
        .select(['cases.id', 'cases.reference', 'cases.area', 'cases.team_id'])
        .where('case_reporters.conversation_id', '=', conversationId)
        .where('cases.satisfaction_asked_at', 'is not', null)
        .where('s.id', 'is', null)
        .orderBy('cases.satisfaction_asked_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (!outstanding) return false;
      const answer = parseSatisfaction(text);
      if (!answer) return false;
      const inserted = await t
        .insertInto('satisfaction_responses')
        .values({
          council_id: councilId,
          case_id: outstanding.id,
          conversation_id: conversationId,
          area: outstanding.area,
          team_id: outstanding.team_id,
          score: answer.score,
          comment: answer.comment,
        })
        .onConflict((oc) => oc.doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) return false;
      await recordAudit(
        t,
        { councilId, userId: null, label: 'resident' },
        {
          action: 'case.satisfaction_recorded',
          entityType: 'case',
          entityId: outstanding.id,
          after: { conversationId, score: answer.score },
        },
      );
      return true;
    };
    return tx ? run(tx) : withCouncil(this.db, councilId, run);
  }

  async get(councilId: string, caseId: string) {
    return withCouncil(this.db, councilId, async (tx) => {
      const found = await q.findCase(tx, caseId);
      if (!found) throw new CaseError('not_found');
      const primary = found.mergedInto ? await q.findCase(tx, found.mergedInto) : undefined;
      const similar = found.mergedInto
        ? []
        : await q.findSimilar(tx, { ...found, excludeIds: [found.id], at: found.createdAt });
      return {
        case: found,
        primary,
        events: await q.caseEvents(tx, caseId),
        reporters: await q.caseReporters(tx, caseId),
        similar,
      };
    });
  }

  async list(councilId: string, filter: q.CaseFilter) {
    return withCouncil(this.db, councilId, async (tx) => ({
      cases: await q.listCases(tx, filter),
      options: await q.filterOptions(tx),
      satisfaction: await q.satisfactionSummary(tx),
    }));
  }

  /**
   * What the conversation page shows about cases: the cases this conversation reported.
   * Pass the result to `inbox/cases/views/_case-panel.njk` as `cases` (with `conversation`).
   */
  async caseContextFor(councilId: string, conversationId: string) {
    return withCouncil(this.db, councilId, (tx) => q.casesOfConversation(tx, conversationId));
  }
}
