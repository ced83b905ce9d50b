/**
 * Serves one SSE stream: subscribes to the hub first (holding frames back), replays from the
 * event log what the client missed (Last-Event-ID, or `?after=` from the page that opened
 * the stream), then releases the held frames it has not already sent. So no event is lost or
 * sent twice between the replay and the live feed.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { withCouncil, type Db } from '../../db/index.ts';
import { eventsAfter, latestEventId, sseFrame, type MeetingEventKind, type MeetingLiveHub } from './live.ts';

/** A stream client tells us where it got to: the header on reconnect, `?after=` on first open. */
export function resumePoint(request: FastifyRequest): string | undefined {
  const header = request.headers['last-event-id'];
  const query = (request.query as Record<string, unknown>).after;
  const value = typeof header === 'string' && header ? header : typeof query === 'string' ? query : undefined;
  return value && /^\d{1,18}$/u.test(value) ? value : undefined;
}

/** Takes over the response; resolves once the stream is live. */
export async function serveEvents(
  request: FastifyRequest,
  reply: FastifyReply,
  opts: {
    hub: MeetingLiveHub;
    db: Db;
    councilId: string;
    meetingId: string;
    kinds: readonly MeetingEventKind[];
  },
): Promise<void> {
  const { hub, meetingId, kinds } = opts;
  await hub.ensureStarted();
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // Proxies (nginx) must pass each frame on at once.
    'x-accel-buffering': 'no',
    'x-content-type-options': 'nosniff',
  });
  raw.socket?.setNoDelay(true);
  // The browser waits this long before reconnecting.
  raw.write('retry: 3000\n\n');

  const held: { frame: Buffer; id: bigint }[] = [];
  let isLive = false;
  const unsubscribe = hub.subscribe(meetingId, {
    kinds,
    lastId: -1n,
    write: (frame, id) => {
      if (isLive) raw.write(frame);
      else if (id !== undefined) held.push({ frame, id });
    },
    end: () => raw.end(),
  });
  const viewer = { unsubscribe };
  raw.on('close', () => viewer.unsubscribe());

  const after = resumePoint(request);
  let sentUpTo: bigint;
  try {
    if (after !== undefined) {
      const missed = await withCouncil(opts.db, opts.councilId, (tx) =>
        eventsAfter(tx, meetingId, after, kinds, 5000),
      );
      for (const e of missed) raw.write(sseFrame(e.id, e.kind, e.data));
      sentUpTo = BigInt(missed.at(-1)?.id ?? after);
    } else {
      sentUpTo = BigInt(await withCouncil(opts.db, opts.councilId, (tx) => latestEventId(tx, meetingId)));
    }
  } catch (error) {
    request.log.warn({ err: error }, 'live stream replay failed');
    raw.end();
    return;
  }
  for (const { frame, id } of held) {
    if (id <= sentUpTo) continue;
    raw.write(frame);
    sentUpTo = id;
  }
  held.length = 0;
  isLive = true;
}
