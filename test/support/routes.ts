/**
 * Every route an app has registered, read back from `app.printRoutes()`. Fastify runs `onRoute`
 * hooks only for routes registered after the hook, and buildApp registers its routes before a
 * test can add one, so the printed radix tree is the one complete list available afterwards.
 */
import type { FastifyInstance } from 'fastify';

export type RegisteredRoute = { method: string; url: string };

/**
 * @example listRoutes(app) // [{ method: 'GET', url: '/staff' }, { method: 'POST', url: '/staff/sign-out' }, ...]
 */
export function listRoutes(app: FastifyInstance): RegisteredRoute[] {
  // Lines look like `│   ├── /sign-in (GET, HEAD, POST)`; each level indents by 4 characters
  // and a node's label continues its parent's path.
  const stack: string[] = [];
  const routes: RegisteredRoute[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([\s│]*)(?:├── |└── )(.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    stack.push(match[2]!);
    const url = stack.join('');
    for (const method of (match[3] ?? '').split(', ').filter(Boolean)) routes.push({ method, url });
  }
  return routes.sort((a, b) => a.url.localeCompare(b.url) || a.method.localeCompare(b.method));
}
