/**
 * Where a reply goes and what it answers, so a conversation stays one thread on its channel:
 * the council's email account for web forms and mail that came in through Townsquare's own
 * listener; the post or email a reply answers (for email, naming the thread's root first in
 * References, RFC 5322 3.6.4, so the resident's answer is filed under the same root); the
 * first email of a web form's thread; and the Reply-To that brings email answers back.
 */
import type { Tx } from '../../db/index.ts';
import type { ExternalRef } from '../channels/index.ts';

/** The council's email account that answers web forms and mail to the inbound address. */
export async function emailAccount(tx: Tx): Promise<string | undefined> {
  const row = await tx
    .selectFrom('channel_accounts')
    .select('id')
    .where('kind', '=', 'email')
    .where('status', '<>', 'disconnected')
    .orderBy('created_at')
    .executeTakeFirst();
  return row?.id;
}

/**
 * The council's GOV.UK Notify account, which texts residents who gave a web form only a phone
 * number (contacts keep numbers as digits with the country code, so `+` makes them whole).
 */
export async function textAccount(tx: Tx): Promise<string | undefined> {
  const row = await tx
    .selectFrom('channel_accounts')
    .select('id')
    .where('kind', '=', 'notify')
    .where('status', '<>', 'disconnected')
    .orderBy('created_at')
    .executeTakeFirst();
  return row?.id;
}

/** Web forms have no subject of their own: the resident's words start it. */
export function emailSubject(m: { channel_kind: string; subject: string | null }): string | undefined {
  if (m.channel_kind !== 'web') return undefined;
  return m.subject ? `Re: ${m.subject}` : 'Your message to the council';
}

/**
 * Where a resident's answer to an email should go: the council's chosen address, else its
 * inbound address `<slug>@<inbound domain>`, which files the answer into this conversation.
 */
export async function replyToAddress(
  tx: Tx,
  councilId: string,
  inboundEmailDomain: string | undefined,
): Promise<string | undefined> {
  const chosen = await tx
    .selectFrom('inbox_settings')
    .select('reply_to_address')
    .where('council_id', '=', councilId)
    .executeTakeFirst();
  if (chosen?.reply_to_address) return chosen.reply_to_address;
  if (!inboundEmailDomain) return undefined;
  const council = await tx
    .selectFrom('councils')
    .select('slug')
    .where('id', '=', councilId)
    .executeTakeFirst();
  return council ? `${council.slug}@${inboundEmailDomain}` : undefined;
}

/** The external id of the first message sent into a conversation, if one has been. */
export async function firstSent(tx: Tx, conversationId: string): Promise<string | undefined> {
  const first = await tx
    .selectFrom('messages')
    .select('external_id')
    .where('conversation_id', '=', conversationId)
    .where('direction', '=', 'out')
    .where('delivery_status', '=', 'sent')
    .where('external_id', 'is not', null)
    .orderBy('id')
    .executeTakeFirst();
  return first?.external_id ?? undefined;
}

/**
 * What a message answers, or undefined when it starts a thread (a web form's first email).
 * A web form's emails answer the first one sent. Otherwise it answers the resident's latest
 * message on the channel (or the thread), and for email the thread's root is named first in
 * References, so the resident's answer is filed under the same root, not under our reply.
 */
export async function replyTarget(
  tx: Tx,
  m: { conversation_id: string; channel_kind: string; thread_key: string; subject: string | null },
): Promise<ExternalRef | undefined> {
  if (m.channel_kind === 'web') {
    const started = await firstSent(tx, m.conversation_id);
    return started ? { id: started } : undefined;
  }
  const last = await tx
    .selectFrom('messages')
    .select('external_id')
    .where('conversation_id', '=', m.conversation_id)
    .where('direction', '=', 'in')
    .where('external_id', 'is not', null)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  const id = last?.external_id ?? m.thread_key;
  const meta: Record<string, string> = {};
  if (m.subject) meta.subject = m.subject;
  if (m.channel_kind === 'email' && id !== m.thread_key && /^<[^<>\s]+>$/u.test(m.thread_key))
    meta.references = m.thread_key;
  return Object.keys(meta).length > 0 ? { id, meta } : { id };
}
