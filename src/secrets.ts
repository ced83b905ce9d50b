/**
 * The secret keys: signing cookies now, encrypting channel credentials later. From
 * TOWNSQUARE_SECRET_KEY (comma-separated, newest first, so keys can rotate), or generated once
 * into the data directory for a single-machine install. Never logged.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';

export async function loadSecretKeys(config: Config, log: Logger): Promise<Buffer[]> {
  if (config.secretKeys) return config.secretKeys.map((k) => Buffer.from(k, 'hex'));
  const file = path.join(config.dataDir, 'secret.key');
  try {
    return [Buffer.from((await fs.readFile(file, 'utf8')).trim(), 'hex')];
  } catch {
    const key = randomBytes(32);
    await fs.mkdir(config.dataDir, { recursive: true });
    await fs.writeFile(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' }).catch(async () => {
      // Another process wrote it first: use theirs.
    });
    log.warn({ file }, 'TOWNSQUARE_SECRET_KEY is not set: using a key generated in the data directory');
    return [Buffer.from((await fs.readFile(file, 'utf8')).trim(), 'hex')];
  }
}
