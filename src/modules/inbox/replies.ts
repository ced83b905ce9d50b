/**
 * Replies to residents, on the channel the conversation came from. A reply is stored first, as
 * an outbound message ('queued', or 'awaiting_approval' for teams that check replies), and the
 * job `inbox.send-reply` sends it afterwards, so the page never waits on a network.
 *
 * This file is the service agents and jobs call: composing, approving and retrying replies,
 * saved replies, and the job's entry point, which claims a message before anything is sent.
 * The send itself, exactly once and with failures acted on by kind, is `reply-delivery.ts`;
 * the sweep that re-queues stranded messages is `reply-sweep.ts`.
 *
 * Web-form conversations have no channel to answer on: they are answered by email through the
 * council's email account, to the address the resident gave, or by text message through the
 * council's GOV.UK Notify account when the resident gave only a phone number. Every email
 * names the thread's root first in References (RFC 5322 3.6.4), and carries a Reply-To (the
 * council's inbound address unless it chose another), so a resident's answer comes back to
 * Townsquare, into the same conversation (`reply-threads.ts`).
 */
import { sql, withCouncil, type Db } from '../../db/index.ts';
import { defineJob, type JobDefinition } from '../../jobs/index.ts';
import { recordAudit, type Actor } from '../accounts/index.ts';
import type { ChannelAccountsService } from '../channels/index.ts';
import { InboxError } from './inbox.errors.ts';
import { isUuid } from './inbox.queries.ts';
import { announce } from './live.ts';
import { replyChoice } from './reply-choice.ts';
import { checkReplyRoute, sendLocked, type ReplyJobData } from './reply-delivery.ts';
import { strandedAfterMs, strandedMessages } from './reply-sweep.ts';
import { listSavedReplies, savedReplyText } from './saved-replies.ts';

export { renderPlaceholders, replyChoice, type ReplyChoice } from './reply-choice.ts';
export { type ReplyJobData } from './reply-delivery.ts';
export { strandedAfterMs, sweepOutboundJob } from './reply-sweep.ts';

export type EnqueueOptions = {
  startAfterSeconds?: number;
  /** From the sweep: queue only if no job for this message is waiting already. */
  unlessPending?: boolean;
};
/** Queues the send job; resolves to null when none was queued (one was waiting already). */
type Enqueue = (data: ReplyJobData, opts?: EnqueueOptions) => Promise<unknown>;

export class ReplyService {
  private enqueue: Enqueue = async () => {
    throw new Error('ReplyService.useQueue was not called');
  };
  readonly retryLimit = 5;
  readonly job: JobDefinition<ReplyJobData>;

  constructor(
    private readonly db: Db,
    private readonly channelAccounts: ChannelAccountsService,
    private readonly opts: { inboundEmailDomain?: string } = {},
  ) {
    this.job = defineJob<ReplyJobData>({
      name: 'inbox.send-reply',
      retryLimit: this.retryLimit,
      retryDelaySeconds: 15,
      expireInSeconds: 120,
      concurrency: 2,
      handle: (data, ctx) => this.deliver(data, ctx.retryCount),
    });
  }

  /** Wires the queue once it exists (the queue needs this service's job first). */
  useQueue(enqueue: Enqueue): void {
    this.enqueue = enqueue;
  }

  /** A saved reply with its placeholders filled for this conversation and agent. */
  async savedReplyText(councilId: string, conversationId: string, savedReplyId: string, agentName: string) {
    return savedReplyText(this.db, councilId, conversationId, savedReplyId, agentName);
  }

  async listSaved(councilId: string) {
    return listSavedReplies(this.db, councilId);
  }

  /** Stores a reply and queues it (or holds it for approval). */
  async compose(
    actor: Actor,
    conversationId: string,
    input: { body: string; isPrivate: boolean },
  ): Promise<{ messageId: string; isQueued: boolean }> {
    const body = input.body.trim();
    if (!body) throw new InboxError('validation', { reply: 'Enter a reply' });
    if (body.length > 5000)
      throw new InboxError('validation', { reply: 'Reply must be 5,000 characters or fewer' });
    if (!isUuid(conversationId)) throw new InboxError('not_found');
    const { messageId, isQueued } = await withCouncil(this.db, actor.councilId, async (tx) => {
      const c = await tx
        .selectFrom('conversations')
        .selectAll()
        .where('id', '=', conversationId)
        .forUpdate()
        .executeTakeFirst();
      if (!c) throw new InboxError('not_found');
      await checkReplyRoute(tx, c);
      const choice = replyChoice(c);
      const isPrivate = choice.isAlwaysPrivate || (choice.canChoosePrivate && input.isPrivate);
      const team = c.team_id
        ? await tx
            .selectFrom('teams')
            .select('requires_reply_approval')
            .where('id', '=', c.team_id)
            .executeTakeFirst()
        : undefined;
      const status = team?.requires_reply_approval ? 'awaiting_approval' : 'queued';
      const row = await tx
        .insertInto('messages')
        .values({
          council_id: actor.councilId,
          conversation_id: c.id,
          direction: 'out',
          author_user_id: actor.userId,
          body,
          is_private: isPrivate,
          delivery_status: status,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await tx
        .updateTable('conversations')
        .set({
          message_count: sql<number>`message_count + 1`,
          last_message_at: new Date(),
          status: c.status === 'new' ? 'open' : c.status,
          updated_at: new Date(),
        })
        .where('id', '=', c.id)
        .execute();
      await recordAudit(tx, actor, {
        action: status === 'queued' ? 'reply.queued' : 'reply.awaiting_approval',
        entityType: 'message',
        entityId: String(row.id),
        after: { conversationId: c.id, isPrivate, body },
      });
      await announce(tx, actor.councilId, { type: 'message.created', conversationId: c.id });
      return { messageId: String(row.id), isQueued: status === 'queued' };
    });
    if (isQueued) await this.enqueue({ councilId: actor.councilId, messageId });
    return { messageId, isQueued };
  }

  /** A second person lets a reply go; nobody approves their own. */
  async approve(actor: Actor, conversationId: string, messageId: string): Promise<void> {
    await this.transition(actor, conversationId, messageId, ['awaiting_approval'], 'reply.approved', (m) => {
      if (m.author_user_id === actor.userId)
        throw new InboxError('forbidden', { approve: 'Someone else must approve your reply' });
    });
  }

  /** Sends a failed or held reply again, with the same idempotency key. */
  async retry(actor: Actor, conversationId: string, messageId: string): Promise<void> {
    await this.transition(
      actor,
      conversationId,
      messageId,
      ['failed', 'held'],
      'reply.retried',
      () => undefined,
    );
  }

  private async transition(
    actor: Actor,
    conversationId: string,
    messageId: string,
    from: string[],
    action: string,
    check: (m: { author_user_id: string | null }) => void,
  ): Promise<void> {
    if (!/^\d{1,18}$/.test(messageId) || !isUuid(conversationId)) throw new InboxError('not_found');
    await withCouncil(this.db, actor.councilId, async (tx) => {
      const m = await tx
        .selectFrom('messages')
        .select(['id', 'author_user_id', 'delivery_status'])
        .where('id', '=', messageId)
        .where('conversation_id', '=', conversationId)
        .where('direction', '=', 'out')
        .forUpdate()
        .executeTakeFirst();
      if (!m) throw new InboxError('not_found');
      if (!from.includes(m.delivery_status ?? ''))
        throw new InboxError('validation', { reply: 'This reply has already moved on' });
      check(m);
      await tx
        .updateTable('messages')
        .set({
          delivery_status: 'queued',
          delivery_error: null,
          ...(action === 'reply.approved' ? { approved_by: actor.userId } : {}),
        })
        .where('id', '=', messageId)
        .execute();
      await recordAudit(tx, actor, {
        action,
        entityType: 'message',
        entityId: messageId,
        before: { deliveryStatus: m.delivery_status },
        after: { deliveryStatus: 'queued' },
      });
      await announce(tx, actor.councilId, { type: 'conversation.updated', conversationId });
    });
    await this.enqueue({ councilId: actor.councilId, messageId });
  }

  /**
   * Outbound messages that should have a delivery job but may not: 'queued' or 'sending' for
   * longer than `olderThanMs` (a crash between commit and queueing, or mid-send).
   */
  async stranded(councilId: string, olderThanMs = strandedAfterMs): Promise<string[]> {
    return strandedMessages(this.db, councilId, olderThanMs);
  }

  /** The sweep for one council: queues a job for each stranded message that has none waiting. */
  async sweep(councilId: string): Promise<number> {
    let queued = 0;
    for (const messageId of await this.stranded(councilId)) {
      const jobId = await this.enqueue({ councilId, messageId }, { unlessPending: true });
      if (jobId !== null) queued += 1;
    }
    return queued;
  }

  /** The job: sends one queued reply, or does nothing if it is no longer queued. */
  async deliver(data: ReplyJobData, retryCount: number): Promise<void> {
    if (!/^\d{1,18}$/.test(data.messageId)) return;
    // Claimed and committed before anything goes out: a crash during the send leaves 'sending'.
    const claimed = await withCouncil(this.db, data.councilId, async (tx) => {
      const r = await tx
        .updateTable('messages')
        .set({ delivery_status: 'sending' })
        .where('id', '=', data.messageId)
        .where('direction', '=', 'out')
        .where('delivery_status', '=', 'queued')
        .executeTakeFirst();
      return r.numUpdatedRows > 0n;
    });
    const deps = {
      channelAccounts: this.channelAccounts,
      inboundEmailDomain: this.opts.inboundEmailDomain,
      retryLimit: this.retryLimit,
    };
    const outcome = await withCouncil(this.db, data.councilId, (tx) =>
      sendLocked(tx, deps, data, retryCount, claimed),
    );
    if (outcome.accountId)
      await this.channelAccounts.recordOutcome(data.councilId, outcome.accountId, { error: outcome.error });
    if (outcome.retry === 'backoff')
      throw outcome.error instanceof Error ? outcome.error : new Error(String(outcome.error));
    if (outcome.retry) await this.enqueue(data, { startAfterSeconds: outcome.retry.afterSeconds });
  }
}
