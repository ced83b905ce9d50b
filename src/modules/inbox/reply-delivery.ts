/**
 * Sending one stored reply, exactly once, on the channel that can carry it.
 *
 * The caller has already moved the message 'queued' -> 'sending' in its own committed
 * transaction (or found it 'sending' after a crash). Here the row is held locked (SKIP LOCKED:
 * a second run finding it locked leaves it to the holder) while it is sent and recorded, so two
 * runs cannot both send, and a run that finds the message settled does nothing. A message this
 * run did not claim was interrupted mid-send: the network is asked first (findPublished) and
 * only if the reply is not there is it sent again. The idempotency key is the message id.
 *
 * Failures are acted on by kind: rate_limited waits for the network's Retry-After; unavailable
 * retries with backoff, then gives up as failed; auth_expired holds the reply and flags the
 * account for reconnection; rejected fails at once with the network's reason.
 *
 * One thread per conversation: sends into the same conversation take turns (a
 * transaction-level advisory lock on the conversation, held while sending), so when a reply and
 * a case notice go out at the same moment the second sees the first and answers it instead of
 * starting a second email thread.
 */
import { sql, type Tx } from '../../db/index.ts';
import {
  canFindPublished,
  canReply,
  ChannelAccountError,
  ChannelError,
  describeFailure,
  type ChannelAccountsService,
  type PostInput,
} from '../channels/index.ts';
import { InboxError } from './inbox.errors.ts';
import { announce } from './live.ts';
import { emailAccount, emailSubject, replyTarget, replyToAddress, textAccount } from './reply-threads.ts';

export type ReplyJobData = { councilId: string; messageId: string };

/** What the job does next: nothing, back off (throw), or queue again after a wait. */
export type DeliveryOutcome = {
  retry?: 'backoff' | { afterSeconds: number };
  /** The account whose health the outcome is recorded on. */
  accountId?: string;
  error?: unknown;
};

export type DeliveryDeps = {
  channelAccounts: ChannelAccountsService;
  inboundEmailDomain: string | undefined;
  retryLimit: number;
};

/**
 * Refuses a reply early when nothing could carry it, so the agent hears it now, not later.
 * The same choice of account as `sendLocked` makes when the job runs.
 */
export async function checkReplyRoute(
  tx: Tx,
  c: { channel_kind: string; channel_account_id: string | null; contact_id: string },
): Promise<void> {
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

/** The message to send, locked for this run; undefined when another run holds it. */
async function lockMessage(tx: Tx, messageId: string) {
  return tx
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
    .where('m.id', '=', messageId)
    .where('m.direction', '=', 'out')
    .forUpdate('m')
    .skipLocked()
    .executeTakeFirst();
}

/** Sends one claimed reply inside `tx` (the council's transaction) and records the result. */
export async function sendLocked(
  tx: Tx,
  deps: DeliveryDeps,
  data: ReplyJobData,
  retryCount: number,
  claimed: boolean,
): Promise<DeliveryOutcome> {
  const m = await lockMessage(tx, data.messageId);
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
    const { connector } = await deps.channelAccounts.connectorFor(data.councilId, accountId);
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
            replyToAddress: await replyToAddress(tx, data.councilId, deps.inboundEmailDomain),
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
    return settleFailure(error, { accountId, retryCount, retryLimit: deps.retryLimit, setStatus });
  }
}

/** Records a failed send by its kind and says whether, and when, the job tries again. */
async function settleFailure(
  error: unknown,
  o: {
    accountId: string;
    retryCount: number;
    retryLimit: number;
    setStatus: (status: string, error: string | null) => Promise<void>;
  },
): Promise<DeliveryOutcome> {
  const { accountId, setStatus } = o;
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
  } else if (o.retryCount >= o.retryLimit) await setStatus('failed', reason);
  else {
    await setStatus('queued', reason);
    return { accountId, error, retry: 'backoff' };
  }
  return { accountId, error };
}
