/**
 * A real local PDS and PLC directory (`@atproto/dev-env`, `TestNetworkNoAppView`), run in its
 * own process because importing dev-env costs about 3 s and 300 MB. Prints one JSON line
 * `{"pdsUrl","plcUrl"}` when ready; shuts down on SIGTERM/SIGINT or when stdin closes, so it
 * dies with the test process that spawned it.
 *
 * Run: node test/peers/bluesky/pds-server.ts [--port 2583]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestNetworkNoAppView } from '@atproto/dev-env';

const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : undefined;

// dev-env puts the PDS's sqlite databases and blobs in random dirs under os.tmpdir() and never
// removes them: point TMPDIR at a dir of our own while it starts, and delete that dir on close.
const dataDir = await mkdtemp(join(tmpdir(), 'townsquare-pds-'));
const previousTmp = process.env.TMPDIR;
process.env.TMPDIR = dataDir;
const network = await TestNetworkNoAppView.create({
  // Never pass `port: undefined`: it overrides dev-env's free port and the PDS binds 2583.
  pds: port ? { port } : {},
}).finally(() => {
  if (previousTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = previousTmp;
});
process.stdout.write(JSON.stringify({ pdsUrl: network.pds.url, plcUrl: network.plc.url }) + '\n');

let isClosing = false;
async function shutdown(): Promise<void> {
  if (isClosing) return;
  isClosing = true;
  await network.close().catch((error: unknown) => console.error(error));
  await rm(dataDir, { recursive: true, force: true });
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
process.stdin.on('end', () => void shutdown()).resume();
