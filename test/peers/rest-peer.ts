/**
 * Request and fault plumbing shared by the REST contract servers (Mastodon, X): reading a
 * body, answering JSON, a thrown error that carries the provider's status and body, and the
 * queue of faults injected on demand, where a `timeout` is a response held open, never
 * answered, so the client's own timeout must fire. Test-only.
 */
import type http from 'node:http';

/** Thrown by a route to answer with the provider's own status and error body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(String(status));
  }
}

export async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** JSON with the given status and headers; no body at all when `body` is undefined. */
export function send(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/** A request header's first value. */
export const header = (req: http.IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** Faults injected on demand, each spent by the next request that checks for one. */
export class FaultQueue<F extends string> {
  readonly #queue: F[] = [];
  readonly #held = new Set<http.ServerResponse>();

  inject(fault: F): void {
    this.#queue.push(fault);
  }

  /** The next fault, if any; a `timeout` has already held the response open. */
  take(res: http.ServerResponse): F | undefined {
    const fault = this.#queue.shift();
    if (fault === 'timeout') this.#held.add(res);
    return fault;
  }

  /** Drops held responses and open connections, then closes the server. */
  async close(server: http.Server): Promise<void> {
    for (const r of this.#held) r.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
