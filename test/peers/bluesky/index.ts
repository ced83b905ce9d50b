/**
 * The Bluesky peer for tests and benchmarks: a real PDS and PLC directory in a child process
 * (pds-server.ts), with helpers to make accounts and read what the PDS holds. Reads go
 * straight to the PDS, never through a fault proxy, so they see the truth.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { AtpAgent, AtUri, RichText } from '@atproto/api';

export type PeerAccount = {
  handle: string;
  did: string;
  password: string;
  appPassword: string;
  agent: AtpAgent;
};

export type PostRecord = {
  text: string;
  facets?: {
    index: { byteStart: number; byteEnd: number };
    features: { $type: string; did?: string; uri?: string; tag?: string }[];
  }[];
  reply?: { root: { uri: string; cid: string }; parent: { uri: string; cid: string } };
  embed?: { $type: string; images?: { alt: string; image: unknown }[] };
  createdAt: string;
};

export type BlueskyPeer = {
  pdsUrl: string;
  plcUrl: string;
  createAccount(handle: string): Promise<PeerAccount>;
  /** The record at an at:// URI, or undefined when it does not exist. */
  readPost(uri: string): Promise<PostRecord | undefined>;
  /** Every post in a repo, newest first. */
  listPosts(did: string): Promise<{ uri: string; value: PostRecord }[]>;
  /** Posts as a resident's client would: facets resolved (mentions, links, tags). */
  post(
    account: PeerAccount,
    text: string,
    reply?: { root: { uri: string; cid: string }; parent: { uri: string; cid: string } },
  ): Promise<{ uri: string; cid: string }>;
  close(): Promise<void>;
};

const here = path.dirname(fileURLToPath(import.meta.url));

export async function startBlueskyPeer(): Promise<BlueskyPeer> {
  // Node 22 runs the .ts file natively (type stripping); no loader needed in the child.
  const child = spawn(process.execPath, [path.join(here, 'pds-server.ts')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`pds-server exited with ${String(code)}`)));
  });
  const { pdsUrl, plcUrl } = JSON.parse(line) as { pdsUrl: string; plcUrl: string };
  const reader = new AtpAgent({ service: pdsUrl });

  const readPost = async (uri: string) => {
    const at = new AtUri(uri);
    try {
      const res = await reader.com.atproto.repo.getRecord({
        repo: at.host,
        collection: at.collection,
        rkey: at.rkey,
      });
      return res.data.value as PostRecord;
    } catch (error) {
      if ((error as { error?: string }).error === 'RecordNotFound') return undefined;
      throw error;
    }
  };

  return {
    pdsUrl,
    plcUrl,
    async createAccount(handle) {
      const agent = new AtpAgent({ service: pdsUrl });
      const password = `pw-${handle}`;
      await agent.createAccount({ handle, email: `${handle}@example.invalid`, password });
      const app = await agent.com.atproto.server.createAppPassword({ name: 'townsquare' });
      return { handle, did: agent.session!.did, password, appPassword: app.data.password, agent };
    },
    readPost,
    async listPosts(did) {
      const out: { uri: string; value: PostRecord }[] = [];
      let cursor: string | undefined;
      do {
        const res = await reader.com.atproto.repo.listRecords({
          repo: did,
          collection: 'app.bsky.feed.post',
          limit: 100,
          cursor,
        });
        out.push(...res.data.records.map((r) => ({ uri: r.uri, value: r.value as PostRecord })));
        cursor = res.data.records.length > 0 ? res.data.cursor : undefined;
      } while (cursor);
      return out;
    },
    async post(account, text, reply) {
      const rt = new RichText({ text });
      await rt.detectFacets(account.agent);
      return account.agent.post({
        text: rt.text,
        facets: rt.facets,
        ...(reply ? { reply } : {}),
        createdAt: new Date().toISOString(),
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin.end();
      }),
  };
}
