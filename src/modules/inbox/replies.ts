/**
 * Replies to residents, on the channel the conversation came from. A reply is stored first, as
 * an outbound message ('queued', or 'awaiting_approval' for teams that check replies), and the
 * job `inbox.send-reply` sends it afterwards, so the page never waits on a network.
 *
 * Exactly once: the idempotency key given to the network is the message id. A run first moves
 * the message 'queued' -> 'sending' in its own committed transaction, then holds the row locked
 * (SKIP LOCKED: a second run finding it locked leaves it to the holder) while it sends and
 * records 'sent', so two runs of the job (a retry after a crash, the sweep) cannot both send,
 * and a run that finds the message sent does nothing. A message found still 'sending' by a run
 * that did not claim it was interrupted mid-send: the network is asked first (findPublished)
 * and only if the reply is not there is it sent again. Every minute `inbox.sweep-outbound`
 * re-queues messages left 'queued' or 'sending' with no job waiting (a crash between commit
 * and queueing, or a worker killed mid-send). Failures are acted
 * on by kind: rate_limited waits for the network's Retry-After; unavailable retries with
 * backoff, then gives up as failed; auth_expired holds the reply and flags the account for
 * reconnection; rejected fails at once with the network's reason and a retry button.
 *
 * Web-form conversations have no channel to answer on: they are answered by email through the
 * council's email account, to the address the resident gave, or by text message through the
 * council's GOV.UK Notify account when the resident gave only a phone number.
 *
 * One thread per conversation: sends into the same conversation take turns (a transaction-level
 * advisory lock on the conversation, held while sending), so when a reply and a case notice go
 * out at the same moment the second sees the first and answers it instead of starting a second
 * email thread. Every email names the thread's root first in References (RFC 5322 3.6.4), and
 * carries a Reply-To (the council's inbound address unless it chose another), so a resident's
 * answer comes back to Townsquare, into the same conversation.
 */
import { sql, withCouncil, type Db, type Tx } from '../../db/index.ts';
import { defineJob, type JobDefinition } from '../../jobs/index.ts';
import { recordAudit, type Actor } from '../accounts/index.ts';
import {
  canFindPublished,
  canReply,
  ChannelAccountError,
  ChannelError,
  describeFailure,
  type ChannelAccountsService,
  type PostInput,
} from '../channels/index.ts';
import { announce } from './live.ts';
import { renderPlaceholders, replyChoice } from './reply-choice.ts';
import { emailAccount, emailSubject, replyTarget, replyToAddress, textAccount } from './reply-threads.ts';
import { InboxError } from './inbox.errors.ts';
import { isUuid } from './inbox.queries.ts';

export { renderPlaceholders, replyChoice, type ReplyChoice } from './reply-choice.ts';

export type ReplyJobData = { councilId: string; messageId: string };
export type EnqueueOptions = {
  startAfterSeconds?: number;
  /** From the sweep: queue only if no job for this message is waiting already. */
  unlessPending?: boolean;
};
/** Queues the send job; resolves to null when none was queued (one was waiting already). */
type Enqueue = (data: ReplyJobData, opts?: EnqueueOptions) => Promise<unknown>;

/** How long an outbound message may sit 'queued' or 'sending' before the sweep queues it again. */
export const strandedAfterMs = 60_000;

/** Every minute: queues the send job again for outbound messages that have lost theirs. */
export function sweepOutboundJob(
  replies: ReplyService,
  councilIds: () => Promise<string[]>,
): JobDefinition<Record<string, never>> {
  return defineJob<Record<string, never>>({
    name: 'inbox.sweep-outbound',
    retryLimit: 1,
    retryDelaySeconds: 30,
    expireInSeconds: 120,
    cron: '* * * * *',
    handle: async (_data, ctx) => {
      for (const councilId of await councilIds()) {
        const queued = await replies.sweep(councilId);
        if (queued > 0) ctx.log.info({ councilId, queued }, 'stranded outbound messages re-queued');
      }
    },
  });
}

type Outcome = { retry?: 'backoff' | { afterSeconds: number }; accountId?: string; error?: unknown };

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
    if (!isUuid(savedReplyId) || !isUuid(conversationId)) return undefined;
    return withCouncil(this.db, councilId, async (tx) => {
      const saved = await tx
        .selectFrom('saved_replies')
        .select('body')
        .where('id', '=', savedReplyId)
        .executeTakeFirst();
      const facts = await sql<{ resident_name: string; council_name: string; case_reference: string | null }>`
        SELECT ct.display_name AS resident_name, co.name AS council_name,
          (SELECT k.reference FROM cases k WHERE k.conversation_id = c.id
              OR k.id IN (SELECT r.case_id FROM case_reporters r WHERE r.conversation_id = c.id)
            ORDER BY k.created_at DESC LIMIT 1) AS case_reference
        FROM conversations c JOIN contacts ct ON ct.id = c.contact_id JOIN councils co ON co.id = c.council_id
        WHERE c.id = ${conversationId}::uuid`.execute(tx);
      const f = facts.rows[0];
      if (!saved || !f) return undefined;
      return renderPlaceholders(saved.body, {
        resident_name: f.resident_name,
        council_name: f.council_name,
        case_reference: f.case_reference ?? '',
        agent_name: agentName,
      });
    });
  }

  async listSaved(councilId: string) {
    return withCouncil(this.db, councilId, (tx) =>
      tx.selectFrom('saved_replies').select(['id', 'title']).orderBy('title').execute(),
    );
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
      await this.checkRoute(tx, c);
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

  /** Refuses early when nothing could carry the reply, so the agent hears it now, not later. */
  private async checkRoute(
    tx: Tx,
    c: { channel_kind: string; channel_account_id: string | null; contact_id: string },
  ) {
    if (c.channel_kind === 'web') {
      const contact = await tx
        .selectFrom('contacts')
        .select(['email', 'phone'])
        .where('id', '=', c.contact_id)
        .executeTakeFirst();
      if (!contact?.email && !contact?.phone)
        throw new InboxError('validation', {
          reply: 'This resident gave no email address or phone number, so a reply cannot be sent',
        });
      if (contact.email && !(await emailAccount(tx)))
        throw new InboxError('validation', {
          reply: 'Connect the council’s email account to answer web forms',
        });
      if (!contact.email && !(await textAccount(tx)))
        throw new InboxError('validation', {
          reply: 'Connect GOV.UK Notify to answer residents who gave only a phone number',
        });
    } else if (c.channel_kind === 'email' && !c.channel_account_id) {
      // Mail that came in through Townsquare's own SMTP listener belongs to no account: it is
      // answered through the council's email account.
      if (!(await emailAccount(tx)))
        throw new InboxError('validation', {
          reply: 'Connect the council’s email account to answer emails',
        });
    } else if (!c.channel_account_id) {
      throw new InboxError('validation', {
        reply: 'This conversation has no channel account to reply through',
      });
    }
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
    const rows = await withCouncil(this.db, councilId, (tx) =>
      tx
        .selectFrom('messages')
        .select('id')
        .where('direction', '=', 'out')
        .where('delivery_status', 'in', ['queued', 'sending'])
        .where('created_at', '<', new Date(Date.now() - olderThanMs))
        .orderBy('id')
        .limit(500)
        .execute(),
    );
    return rows.map((r) => String(r.id));
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
    const outcome = await withCouncil(this.db, data.councilId, (tx) =>
      this.sendLocked(tx, data, retryCount, claimed),
    );
    if (outcome.accountId)
      await this.channelAccounts.recordOutcome(data.councilId, outcome.accountId, { error: outcome.error });
    if (outcome.retry === 'backoff')
      throw outcome.error instanceof Error ? outcome.error : new Error(String(outcome.error));
    if (outcome.retry) await this.enqueue(data, { startAfterSeconds: outcome.retry.afterSeconds });
  }

  private async sendLocked(
    tx: Tx,
    data: ReplyJobData,
    retryCount: number,
    claimed: boolean,
  ): Promise<Outcome> {
    const m = await tx
      .selectFrom('messages as m')
      .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
      .innerJoin('contacts as ct', 'ct.id', 'c.contact_id')
      .select([
        'm.id',
        'm.body',
        'm.is_private',
        'm.delivery_status',
        'm.created_at',
        'c.id as conversation_id',
        'c.channel_kind',
        'c.channel_account_id',
        'c.thread_key',
        'c.subject',
        'ct.email',
        'ct.phone',
      ])
      .where('m.id', '=', data.messageId)
      .where('m.direction', '=', 'out')
      .forUpdate('m')
      .skipLocked()
      .executeTakeFirst();
    // Gone, already settled, or locked by another run that is sending it now.
    if (!m || m.delivery_status !== 'sending') return {};
    // Sends into one conversation take turns, so each sees what the one before it sent.
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`inbox.thread:${m.conversation_id}`}, 0))`.execute(
      tx,
    );
    // A web form is answered by email, or by text message when the resident gave only a phone.
    const isText = m.channel_kind === 'web' && !m.email && !!m.phone;
    const isEmail = !isText && (m.channel_kind === 'email' || m.channel_kind === 'web');
    const accountId = isText
      ? await textAccount(tx)
      : m.channel_kind === 'web' || (m.channel_kind === 'email' && !m.channel_account_id)
        ? await emailAccount(tx)
        : m.channel_account_id;
    const setStatus = async (status: string, error: string | null, externalId?: string) => {
      await tx
        .updateTable('messages')
        .set({
          delivery_status: status,
          delivery_error: error,
          ...(externalId ? { external_id: externalId } : {}),
        })
        .where('id', '=', m.id)
        .execute();
      await announce(tx, data.councilId, {
        type: 'conversation.updated',
        conversationId: m.conversation_id,
        status,
      });
    };
    if (!accountId) {
      await setStatus('failed', 'No connected channel account can send this reply.');
      return {};
    }
    try {
      const { connector } = await this.channelAccounts.connectorFor(data.councilId, accountId);
      // A text message has no thread to answer: each one stands alone.
      const target = isText ? undefined : await replyTarget(tx, m);
      // Email goes to the resident's address (the sender of their mail, or the form's field).
      const input: PostInput = {
        text: m.body,
        idempotencyKey: String(m.id),
        ...(target ? { inReplyTo: target.id } : {}),
        ...(isText ? { to: `+${m.phone ?? ''}` } : {}),
        ...(isEmail
          ? {
              to: m.email ?? '',
              subject: emailSubject(m),
              replyToAddress: await replyToAddress(tx, data.councilId, this.opts.inboundEmailDomain),
            }
          : {}),
      };
      // Not claimed by this run: an earlier one was cut off mid-send. Ask before sending again.
      const found =
        !claimed && canFindPublished(connector)
          ? await connector.findPublished({ ...input, intendedAt: m.created_at })
          : undefined;
      let externalId: string;
      if (found) externalId = found.ref.id;
      else if (!target) externalId = (await connector.publish(input)).ref.id;
      else if (!canReply(connector)) {
        await setStatus('failed', 'This network does not accept replies from Townsquare.');
        return {};
      } else externalId = (await connector.reply(target, input, { isPrivate: m.is_private })).ref.id;
      await setStatus('sent', null, externalId);
      await tx
        .updateTable('conversations')
        .set({ first_responded_at: sql<Date>`coalesce(first_responded_at, now())` })
        .where('id', '=', m.conversation_id)
        .execute();
      return { accountId };
    } catch (error) {
      if (error instanceof ChannelAccountError) {
        await setStatus('failed', 'The channel account has been disconnected.');
        return {};
      }
      const kind = error instanceof ChannelError ? error.kind : 'unavailable';
      const reason = describeFailure(error);
      if (kind === 'auth_expired') await setStatus('held', reason);
      else if (kind === 'rejected') await setStatus('failed', reason);
      else if (kind === 'rate_limited') {
        await setStatus('queued', reason);
        const afterSeconds = error instanceof ChannelError ? (error.retryAfterSeconds ?? 60) : 60;
        return { accountId, error, retry: { afterSeconds } };
      } else if (retryCount >= this.retryLimit) await setStatus('failed', reason);
      else {
        await setStatus('queued', reason);
        return { accountId, error, retry: 'backoff' };
      }
      return { accountId, error };
    }
  }
}
