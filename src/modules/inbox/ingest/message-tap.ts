/**
 * A port through which another module sees the inbound messages it cares about (meetings: the
 * questions for a council meeting), without the inbox knowing who listens or why.
 *
 * Cheap by design, because it sits in the ingest hot path: the listener's filter comes once
 * per chunk (from the listener's own cache, so normally no query at all) and is a plain
 * function over text and intent; only the messages it keeps are built into records and handed
 * over, in the chunk's own transaction, so a kept message is never lost between the two.
 */
import type { Tx } from '../../../db/index.ts';
import type { Prepared } from './prepare.ts';

/** What the filter sees of each message: nothing that costs anything to produce. */
export type TapCandidate = { body: string; subject: string | null; intent: string };

/** A kept message, after it has been written to the inbox. */
export type TappedMessage = {
  messageId: string;
  conversationId: string;
  channelKind: string;
  body: string;
  subject: string | null;
  intent: string;
  /** The sender's inbox identity: `email`/`phone` across channels, else the network's id. */
  identity: { kind: string; id: string; handle: string | null };
  authorName: string;
};

export interface MessageTap {
  /** The council's filter; called once per chunk. Return null when nothing can match. */
  filterFor(tx: Tx, councilId: string): Promise<((m: TapCandidate) => boolean) | null>;
  /** Called in the chunk's transaction, only when some messages were kept. */
  take(tx: Tx, councilId: string, messages: TappedMessage[]): Promise<void>;
  /** Called after a chunk that kept messages has committed. */
  afterCommit(councilId: string): Promise<void>;
}

/** Hands the kept messages of a written chunk to the tap; returns how many were kept. */
export async function tapWritten(
  tx: Tx,
  councilId: string,
  tap: MessageTap,
  items: Prepared[],
  written: { id: string; conversation_id: string; inbound_event_id: string }[],
): Promise<number> {
  const keep = await tap.filterFor(tx, councilId);
  if (!keep || written.length === 0) return 0;
  let messageOf: Map<string, { id: string; conversation_id: string }> | undefined;
  const kept: TappedMessage[] = [];
  for (const p of items) {
    if (!keep({ body: p.body, subject: p.subject, intent: p.triage.intent })) continue;
    messageOf ??= new Map(written.map((w) => [w.inbound_event_id, w]));
    // Not written: a message for this event existed already (a re-run), and was tapped then.
    const w = messageOf.get(p.eventId);
    if (!w) continue;
    kept.push({
      messageId: String(w.id),
      conversationId: w.conversation_id,
      channelKind: p.kind,
      body: p.body,
      subject: p.subject,
      intent: p.triage.intent,
      identity: p.identity,
      authorName: p.contact.name || p.identity.handle || '',
    });
  }
  if (kept.length > 0) await tap.take(tx, councilId, kept);
  return kept.length;
}
