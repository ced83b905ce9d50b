/**
 * Live updates for agents: a change is announced with PostgreSQL NOTIFY inside the
 * transaction that made it (so it is sent only if the change commits), and every web process
 * LISTENs on one dedicated connection and fans the event out to its SSE subscribers. Any number
 * of web processes can serve the inbox this way.
 */
import pg from 'pg';
import { sql, type Tx } from '../../db/index.ts';

export type InboxLiveEvent = {
  type: 'conversation.created' | 'conversation.updated' | 'message.created' | 'case.updated';
  conversationId: string;
  /** Optional small payload for the client (never message text: NOTIFY payloads are capped at 8000 bytes). */
  status?: string;
  urgency?: string;
};

const channel = 'townsquare_inbox';
/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more; leave room to spare. */
export const maxPayloadBytes = 7500;

type AnnouncedEvent = InboxLiveEvent & { councilId: string; at: string };
type Listener = (event: AnnouncedEvent) => void;

/**
 * Packs events into as few payloads as fit: each payload is one event (an object) or several
 * (a JSON array), never over `maxPayloadBytes`.
 */
export function livePayloads(
  councilId: string,
  events: readonly InboxLiveEvent[],
  at = new Date(),
): string[] {
  const stamp = at.toISOString();
  const payloads: string[] = [];
  let batch: string[] = [];
  let bytes = 2; // the brackets
  const flush = () => {
    if (batch.length === 1) payloads.push(batch[0]!);
    else if (batch.length > 1) payloads.push(`[${batch.join(',')}]`);
    batch = [];
    bytes = 2;
  };
  for (const event of events) {
    const one = JSON.stringify({ ...event, councilId, at: stamp });
    const size = Buffer.byteLength(one);
    if (size > maxPayloadBytes) throw new Error(`a live event of ${size} bytes is over the NOTIFY limit`);
    if (batch.length > 0 && bytes + 1 + size > maxPayloadBytes) flush();
    bytes += size + (batch.length > 0 ? 1 : 0);
    batch.push(one);
  }
  flush();
  return payloads;
}

/** Announces an event; call inside the transaction that made the change. */
export async function announce(tx: Tx, councilId: string, event: InboxLiveEvent): Promise<void> {
  await announceMany(tx, councilId, [event]);
}

/** Announces many events in one statement; call inside the transaction that made the changes. */
export async function announceMany(
  tx: Tx,
  councilId: string,
  events: readonly InboxLiveEvent[],
): Promise<void> {
  const payloads = livePayloads(councilId, events);
  if (payloads.length === 0) return;
  if (payloads.length === 1) await sql`SELECT pg_notify(${channel}, ${payloads[0]!})`.execute(tx);
  else await sql`SELECT pg_notify(${channel}, p) FROM unnest(${payloads}::text[]) AS p`.execute(tx);
}

export class LiveHub {
  private client: pg.Client | undefined;
  private readonly listeners = new Map<string, Set<Listener>>();
  private isStopping = false;

  constructor(private readonly url: string) {}

  async start(): Promise<void> {
    this.isStopping = false;
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (msg) => {
      if (msg.channel !== channel || !msg.payload) return;
      let parsed: AnnouncedEvent | AnnouncedEvent[];
      try {
        parsed = JSON.parse(msg.payload) as AnnouncedEvent | AnnouncedEvent[];
      } catch {
        return;
      }
      for (const event of Array.isArray(parsed) ? parsed : [parsed])
        for (const listener of this.listeners.get(event.councilId) ?? []) listener(event);
    });
    // A lost connection (database restart) is re-established; events in the gap are not
    // replayed, so clients reload their view on reconnect (the SSE route sends `retry`).
    client.on('error', () => {
      if (!this.isStopping) setTimeout(() => void this.start().catch(() => undefined), 1000);
    });
    await client.connect();
    await client.query(`LISTEN ${channel}`);
    this.client = client;
  }

  subscribe(councilId: string, listener: Listener): () => void {
    let set = this.listeners.get(councilId);
    if (!set) this.listeners.set(councilId, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  async stop(): Promise<void> {
    this.isStopping = true;
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }
}
