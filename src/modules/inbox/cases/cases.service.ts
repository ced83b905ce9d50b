/**
 * Cases (service requests) made from conversations: one action creates a case with a
 * reference, every status change is recorded, audited, announced and told to every resident
 * who reported it in their own thread, duplicates merge into one case, and residents are asked
 * once how satisfied they were. Each action lives in its own file; this class runs it in the
 * council's transaction and then hands the messages it queued to the delivery job.
 */
import { withCouncil, type Db, type Tx } from '../../../db/index.ts';
import type { Logger } from '../../../logger.ts';
import type { Actor } from '../../accounts/index.ts';
import { createCase, joinCase } from './case-create.ts';
import { CaseError, validateCase, type CaseInput } from './case-input.ts';
import { mergeCases } from './case-merge.ts';
import { changeCaseStatus } from './case-status.ts';
import * as q from './cases.queries.ts';
import { readSatisfactionAnswers, recordSatisfaction } from './satisfaction-answers.ts';

export { CaseError, type CaseInput, type FieldErrors } from './case-input.ts';

/** Queues delivery of one outbound message (the job); failures are logged, the row stays queued. */
export type QueueDelivery = (data: { councilId: string; messageId: string }) => Promise<unknown>;

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
    return this.change(actor.councilId, (tx, queued) =>
      createCase(
        tx,
        actor,
        { conversationId, teamId: draft.conversation.teamId, where: draft.where, input },
        queued,
      ),
    );
  }

  /** The conversation's report joins an existing case instead of making a new one. */
  async joinCase(actor: Actor, conversationId: string, caseId: string): Promise<{ reference: string }> {
    return this.change(actor.councilId, (tx, queued) => joinCase(tx, actor, conversationId, caseId, queued));
  }

  /** Moves a case to a new status and tells every reporter (see case-status.ts). */
  async changeStatus(actor: Actor, caseId: string, input: { status: string; note: string }): Promise<void> {
    await this.change(actor.councilId, (tx, queued) => changeCaseStatus(tx, actor, caseId, input, queued));
  }

  /** Merges a duplicate into a primary case (see case-merge.ts). */
  async merge(actor: Actor, primaryId: string, duplicateId: string): Promise<void> {
    await this.change(actor.councilId, (tx, queued) => mergeCases(tx, actor, primaryId, duplicateId, queued));
  }

  /**
   * An inbound message in a conversation that was asked the satisfaction question and has not
   * answered. Returns true when the message was the answer (recorded by service and team),
   * false when it is not an answer and should be handled as usual. Pass `tx` (set to the
   * council) to record it in the caller's own transaction.
   * @example if (await cases.recordSatisfactionReply(councilId, conversationId, text)) return;
   */
  async recordSatisfactionReply(
    councilId: string,
    conversationId: string,
    text: string,
    tx?: Tx,
  ): Promise<boolean> {
    const run = (t: Tx) => recordSatisfaction(t, councilId, conversationId, text);
    return tx ? run(tx) : withCouncil(this.db, councilId, run);
  }

  /** Records the answers that have come in since the question (the every-minute job's work). */
  async readSatisfactionAnswers(councilId: string): Promise<number> {
    return readSatisfactionAnswers(this.db, councilId);
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
