/**
 * Operational endpoints: /healthz (the process answers), /readyz (the database answers, within
 * a second), /metrics (Prometheus text format). They need no council.
 */
import type { FastifyInstance } from 'fastify';
import { sql, type Db } from '../db/index.ts';
import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function registerHealth(app: FastifyInstance, db: Db): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'townsquare_' });
  const duration = new Histogram({
    name: 'townsquare_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL: ids in paths would make unbounded label sets.
    const route = request.routeOptions.url ?? 'unmatched';
    duration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  const council = { config: { isCouncilFree: true } };
  app.get('/healthz', council, async () => ({ status: 'ok' }));
  app.get('/readyz', council, async (_request, reply) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        sql`SELECT 1`.execute(db),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), 1000))),
      ]);
      return { status: 'ready' };
    } catch {
      return reply
        .code(503)
        .header('retry-after', '5')
        .send({ status: 'unavailable', reason: 'database unreachable' });
    } finally {
      clearTimeout(timer);
    }
  });
  app.get('/metrics', council, async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
}
