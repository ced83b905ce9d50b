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

type Listener = (event: InboxLiveEvent & { councilId: string; at: string }) => void;

/** Announces an event; call inside the transaction that made the change. */
export async function announce(tx: Tx, councilId: string, event: InboxLiveEvent): Promise<void> {
  const payload = JSON.stringify({ ...event, councilId, at: new Date().toISOString() });
  await sql`SELECT pg_notify(${channel}, ${payload})`.execute(tx);
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
      let event: InboxLiveEvent & { councilId: string; at: string };
      try {
        event = JSON.parse(msg.payload) as InboxLiveEvent & { councilId: string; at: string };
      } catch {
        return;
      }
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
