/**
 * Server-sent events for the inbox: one stream per open queue page, fed by LiveHub for the
 * signed-in person's council only. The frame format is the WHATWG one: `retry:` first (how
 * long the browser waits before reconnecting; on reconnect the page refetches its list, as
 * events in the gap are not replayed), then `event:`/`data:` frames, and a comment line every
 * 15 seconds so proxies that close idle connections (nginx's proxy_read_timeout is 60 s by
 * default) keep it open. Every stream is ended when the app closes, or shutdown would wait on
 * them forever.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { InboxLiveEvent, LiveHub } from './live.ts';

export const heartbeatMs = 15_000;
export const retryMs = 5_000;

/**
 * One frame, byte for byte.
 * @example eventFrame({ type: 'message.created', conversationId: 'c1' })
 * // 'event: message.created\ndata: {"type":"message.created","conversationId":"c1"}\n\n'
 */
export function eventFrame(event: InboxLiveEvent): string {
  const data: InboxLiveEvent = { type: event.type, conversationId: event.conversationId };
  if (event.status) data.status = event.status;
  if (event.urgency) data.urgency = event.urgency;
  return `event: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function registerLiveStream(app: FastifyInstance, live: LiveHub, path: string): void {
  const open = new Set<() => void>();
  app.addHook('onReady', async () => live.start());
  // preClose runs before the server stops accepting and waits for connections to finish.
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });
  app.addHook('onClose', async () => live.stop());

  app.get(
    path,
    { preHandler: app.requireStaff('inbox.work') },
    async (request: FastifyRequest, reply: FastifyReply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-content-type-options': 'nosniff',
      });
      res.write(`retry: ${retryMs}\n\n`);
      const unsubscribe = live.subscribe(request.council.id, (event) => {
        res.write(eventFrame(event));
      });
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
      const end = () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(end);
        if (!res.writableEnded) res.end();
      };
      open.add(end);
      request.raw.on('close', end);
    },
  );
}
