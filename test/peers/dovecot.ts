/**
 * A real, throwaway Dovecot IMAP server for the IMAP poller's tests: its own configuration,
 * mail and state in a temporary directory under .tmp/, listening on 127.0.0.1 at a free
 * port, one user from a passwd-file, Maildir storage, plain-text login (loopback only, no
 * TLS). Needs the Debian packages `dovecot-core` and `dovecot-imapd`; the service they
 * install is never used (policy-rc.d or a container without init keeps it stopped).
 *
 * Runs unprivileged when the tests do; as root it drops to the `dovecot`/`dovenull` users
 * the packages create, because Dovecot refuses mail access as uid 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const dovecotBinary = '/usr/sbin/dovecot';

export type DovecotPeer = {
  host: string;
  port: number;
  user: string;
  password: string;
  dir: string;
  stop(): Promise<void>;
};

export function isDovecotInstalled(): boolean {
  return existsSync(dovecotBinary);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitForBanner(port: number, deadline: number): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('data', (d) => {
        socket.destroy();
        resolve(d.toString().startsWith('* OK'));
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`dovecot did not answer on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function lookupIds(name: string): Promise<{ uid: number; gid: number }> {
  const passwd = await fs.readFile('/etc/passwd', 'utf8');
  const line = passwd.split('\n').find((l) => l.startsWith(`${name}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error(`no system user ${name}: install dovecot-core`);
  return { uid: Number(uid), gid: Number(gid) };
}

async function groupName(gid: number): Promise<string> {
  const groups = await fs.readFile('/etc/group', 'utf8').catch(() => '');
  return (
    groups
      .split('\n')
      .find((l) => l.split(':')[2] === String(gid))
      ?.split(':')[0] ?? String(gid)
  );
}

/** Starts Dovecot in the foreground (`-F`) as a child process; `stop()` ends it and removes its files. */
export async function startDovecot(): Promise<DovecotPeer> {
  const dir = path.join(repoRoot, '.tmp', `dovecot-${randomBytes(4).toString('hex')}`);
  await fs.mkdir(path.join(dir, 'run'), { recursive: true });
  await fs.mkdir(path.join(dir, 'mail'), { recursive: true });
  const port = await freePort();
  const user = 'council';
  const password = randomBytes(8).toString('hex');

  const isRoot = process.getuid?.() === 0;
  const me = os.userInfo();
  const mailIds = isRoot ? await lookupIds('dovecot') : { uid: me.uid, gid: me.gid };
  const internalUser = isRoot ? 'dovecot' : me.username;
  const loginUser = isRoot ? 'dovenull' : me.username;
  if (isRoot) {
    await fs.chown(path.join(dir, 'mail'), mailIds.uid, mailIds.gid);
    // Dovecot's processes must be able to walk down to the temp dir.
    await fs.chmod(dir, 0o755);
  }

  await fs.writeFile(
    path.join(dir, 'passwd'),
    `${user}:{PLAIN}${password}:${mailIds.uid}:${mailIds.gid}::${dir}/mail/${user}\n`,
  );
  const config = `
instance_name = townsquare-test-${path.basename(dir)}
base_dir = ${dir}/run
state_dir = ${dir}/run/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = ${internalUser}
default_internal_group = ${isRoot ? 'dovecot' : await groupName(me.gid)}
default_login_user = ${loginUser}
first_valid_uid = ${Math.min(mailIds.uid, 100)}
mail_location = maildir:${dir}/mail/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%u ${dir}/passwd
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
`;
  await fs.writeFile(path.join(dir, 'dovecot.conf'), config);
  if (!isRoot) {
    // Unprivileged Dovecot does not chroot login processes.
    await fs.appendFile(
      path.join(dir, 'dovecot.conf'),
      'service imap-login {\n  chroot =\n}\nservice auth {\n  user = $default_internal_user\n}\n',
    );
  }

  const child: ChildProcess = spawn(dovecotBinary, ['-F', '-c', path.join(dir, 'dovecot.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.race([
      waitForBanner(port, Date.now() + 10_000),
      exited.then(async () => {
        const log = await fs.readFile(path.join(dir, 'dovecot.log'), 'utf8').catch(() => '');
        throw new Error(`dovecot exited: ${stderr}${log}`);
      }),
    ]);
  } catch (error) {
    child.kill('SIGTERM');
    throw error;
  }

  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    dir,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
