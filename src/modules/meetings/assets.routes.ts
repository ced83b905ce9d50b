/**
 * The meeting page's own scripts, from our origin: the HLS player and hls.js itself (from
 * node_modules, the version package.json pins), so no CDN is trusted and the page's CSP can
 * stay 'self' plus a nonce. Read once at start-up; an allowlist, never a path from the URL.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** URL -> file. hls.min.mjs is the ES module build, so the player can import() it on demand. */
const files: Record<string, () => string> = {
  '/meetings/assets/hls-player.js': () => path.join(here, 'client', 'hls-player.js'),
  '/meetings/assets/hls.min.mjs': () =>
    path.join(path.dirname(require.resolve('hls.js/package.json')), 'dist', 'hls.min.mjs'),
};

export const hlsAssets = {
  player: '/meetings/assets/hls-player.js',
  library: '/meetings/assets/hls.min.mjs',
} as const;

export function registerMeetingAssetRoutes(app: FastifyInstance): void {
  for (const [url, file] of Object.entries(files)) {
    const body = readFileSync(file());
    app.get(url, { config: { isCouncilFree: true }, schema: { hide: true } }, async (_request, reply) =>
      reply
        .header('content-type', 'text/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=3600')
        .send(body),
    );
  }
}
