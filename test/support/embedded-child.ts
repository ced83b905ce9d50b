/**
 * A stand-in for a Townsquare process, for test/embedded.test.ts: opens the database the way
 * the service does (embedded server from TOWNSQUARE_DATA_DIR and TOWNSQUARE_PG_PORT, then
 * migrations), optionally writes a council, and prints one line `ready <json>`.
 *
 * Usage: embedded-child.ts hold [slug]  -- write, report, then wait to be killed
 *        embedded-child.ts check         -- report, shut down cleanly and exit
 */
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/index.ts';
import { createLogger } from '../../src/logger.ts';

const [mode, slug] = process.argv.slice(2);
const config = loadConfig();
const db = await openDatabase(config, createLogger('silent'));
if (slug) {
  await db.system
    .insertInto('councils')
    .values({ slug, name: `Council ${slug}`, settings: '{}' })
    .execute();
}
const rows = await db.system.selectFrom('councils').select('slug').orderBy('slug').execute();
process.stdout.write(`ready ${JSON.stringify({ slugs: rows.map((r) => r.slug) })}\n`);
if (mode === 'check') {
  await db.shutdown();
  process.exit(0);
}
setInterval(() => undefined, 60_000);
