/**
 * Which council a request is for. A deployment gives each council its own host name; for local
 * use `/c/{slug}/...` works too, and a request for an unknown host falls back to the default
 * council (so http://localhost:3000 shows the demo). The path prefix is stripped before
 * routing, and pages build links with `url()` so they keep it.
 */
import type { IncomingMessage } from 'node:http';

const prefixed = new WeakMap<IncomingMessage, string>();
const prefixPattern = /^\/c\/([a-z0-9-]{2,40})(?=\/|$|\?)/;

/** Fastify `rewriteUrl`: runs before routing, synchronously. */
export function rewriteCouncilPrefix(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const match = prefixPattern.exec(url);
  if (!match) return url;
  prefixed.set(req, match[1]!);
  const rest = url.slice(match[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/** The slug named in the path prefix, if the request had one. */
export function councilSlugFromPath(req: IncomingMessage): string | undefined {
  return prefixed.get(req);
}
