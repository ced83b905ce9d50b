/**
 * A tiny loopback HTTP proxy in front of any peer (a real local server or a contract server):
 * forwards every request, and on demand fails the next one(s) the way the provider fails, so
 * connectors can be proved to classify rate limits, outages and expired tokens. Test-only.
 *
 * With `rewriteOrigin`, the target's origin in JSON and text answers is replaced by the
 * proxy's, like nginx's sub_filter: AT Protocol sign-in returns the PDS URL from the DID
 * document, and a client that followed it would go around the proxy.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ProxyFault = 'rate_limited' | 'unavailable' | 'auth_expired' | 'network';

export type FaultResponse = { status: number; headers: Record<string, string>; body: string };

/** How a provider words each fault; `network` is always a dropped connection. */
export type FaultShape = (fault: Exclude<ProxyFault, 'network'>, retryAfterSeconds: number) => FaultResponse;

const json = (status: number, body: unknown, headers: Record<string, string> = {}): FaultResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(body),
});

/** XRPC (AT Protocol): the PDS answers an expired access token with 400 ExpiredToken. */
export const xrpcFaults: FaultShape = (fault, retryAfter) => {
  if (fault === 'rate_limited')
    return json(
      429,
      { error: 'RateLimitExceeded', message: 'Rate Limit Exceeded' },
      {
        'retry-after': String(retryAfter),
        'ratelimit-limit': '5000',
        'ratelimit-remaining': '0',
        'ratelimit-reset': String(Math.ceil(Date.now() / 1000) + retryAfter),
        'ratelimit-policy': '5000;w=3600',
      },
    );
  if (fault === 'unavailable')
    return json(503, { error: 'NotEnoughResources', message: 'Service Unavailable' });
  return json(400, { error: 'ExpiredToken', message: 'Token has expired' });
};

/** A generic JSON API (OAuth bearer tokens): 429 + Retry-After, 503, 401 invalid_token. */
export const jsonFaults: FaultShape = (fault, retryAfter) => {
  if (fault === 'rate_limited')
    return json(
      429,
      { error: 'rate_limited', message: 'Too many requests' },
      { 'retry-after': String(retryAfter) },
    );
  if (fault === 'unavailable') return json(503, { error: 'unavailable', message: 'Service Unavailable' });
  return json(
    401,
    { error: 'invalid_token', message: 'The access token expired' },
    { 'www-authenticate': 'Bearer error="invalid_token"' },
  );
};

export type FaultProxy = {
  url: string;
  /** Fails the next `times` requests (those matching `match`, when given) with `fault`. */
  failNext(
    fault: ProxyFault,
    opts?: { times?: number; retryAfterSeconds?: number; match?: (req: http.IncomingMessage) => boolean },
  ): void;
  /** Requests seen so far, as `METHOD path` (for asserting what a connector sent). */
  readonly requests: string[];
  close(): Promise<void>;
};

type Pending = {
  fault: ProxyFault;
  times: number;
  retryAfterSeconds: number;
  match?: (req: http.IncomingMessage) => boolean;
};

export async function startFaultProxy(opts: {
  target: string;
  shape?: FaultShape;
  rewriteOrigin?: boolean;
}): Promise<FaultProxy> {
  const target = new URL(opts.target);
  const shape = opts.shape ?? jsonFaults;
  const pending: Pending[] = [];
  const requests: string[] = [];
  let selfOrigin = '';

  const server = http.createServer((req, res) => {
    requests.push(`${req.method ?? 'GET'} ${req.url ?? '/'}`);
    const due = pending.find((p) => !p.match || p.match(req));
    if (due) {
      due.times -= 1;
      if (due.times <= 0) pending.splice(pending.indexOf(due), 1);
      req.resume();
      if (due.fault === 'network') {
        req.socket.destroy();
        return;
      }
      const f = shape(due.fault, due.retryAfterSeconds);
      res.writeHead(f.status, { ...f.headers, 'content-length': Buffer.byteLength(f.body) }).end(f.body);
      return;
    }
    const headers = { ...req.headers, host: target.host };
    if (opts.rewriteOrigin) headers['accept-encoding'] = 'identity';
    const upstream = http.request(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers,
      },
      (up) => {
        const type = String(up.headers['content-type'] ?? '');
        if (!opts.rewriteOrigin || !/json|text/u.test(type)) {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8').split(target.origin).join(selfOrigin);
          const { 'content-length': _length, 'transfer-encoding': _te, ...rest } = up.headers;
          res
            .writeHead(up.statusCode ?? 502, { ...rest, 'content-length': Buffer.byteLength(body) })
            .end(body);
        });
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  selfOrigin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: selfOrigin,
    requests,
    failNext(fault, o = {}) {
      pending.push({
        fault,
        times: o.times ?? 1,
        retryAfterSeconds: o.retryAfterSeconds ?? 30,
        ...(o.match ? { match: o.match } : {}),
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
