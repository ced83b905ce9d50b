/**
 * Where inbound mentions and replies come from. On the Bluesky network the AppView indexes
 * them as notifications (`app.bsky.notification.listNotifications`, proxied by the PDS). A PDS
 * with no AppView (the local test network, a council's own PDS) cannot answer that, so the
 * other source scans the PDS itself: every repo (`com.atproto.sync.listRepos`), newest posts
 * first (`com.atproto.repo.listRecords`), down to the cursor.
 */
import type { AtpAgent } from '@atproto/api';
import type { InboundBatch } from '../port.ts';
import { mapInboundPost, type InboundPost } from './bluesky.mapper.ts';

export type InboundSource = 'notifications' | 'pds-scan';

const postCollection = 'app.bsky.feed.post';

function collect(
  batch: InboundBatch,
  post: InboundPost,
  councilDid: string,
  webBase: string | undefined,
): void {
  const result = mapInboundPost(post, councilDid, webBase);
  if (!result) return;
  if ('item' in result) batch.items.push(result.item);
  else batch.malformed.push(result.malformed);
}

/**
 * Cursor `scan:<rkey>`: post keys are TIDs, which sort by the time their author's client wrote
 * them, so everything newer than the highest key seen is new. A client whose clock runs far
 * behind could write under the watermark and be missed; the AppView source has no such gap.
 */
export async function scanPds(
  agent: AtpAgent,
  councilDid: string,
  cursor: string | undefined,
  handles: Map<string, string>,
  webBase?: string,
): Promise<InboundBatch> {
  const since = cursor?.startsWith('scan:') ? cursor.slice(5) : '';
  let highest = since;
  const batch: InboundBatch = { items: [], cursor: undefined, malformed: [] };
  let repoCursor: string | undefined;
  do {
    const repos = await agent.com.atproto.sync.listRepos({ limit: 1000, cursor: repoCursor });
    repoCursor = repos.data.cursor;
    for (const repo of repos.data.repos) {
      if (repo.did === councilDid || repo.active === false) continue;
      let recordCursor: string | undefined;
      let isDone = false;
      while (!isDone) {
        const page = await agent.com.atproto.repo.listRecords({
          repo: repo.did,
          collection: postCollection,
          limit: 100,
          cursor: recordCursor,
        });
        recordCursor = page.data.cursor;
        for (const record of page.data.records) {
          const rkey = record.uri.slice(record.uri.lastIndexOf('/') + 1);
          if (rkey <= since) {
            isDone = true;
            break;
          }
          if (rkey > highest) highest = rkey;
          let handle = handles.get(repo.did);
          if (handle === undefined) {
            handle = (await agent.com.atproto.repo.describeRepo({ repo: repo.did })).data.handle;
            handles.set(repo.did, handle);
          }
          collect(
            batch,
            { uri: record.uri, cid: record.cid, value: record.value, author: { did: repo.did, handle } },
            councilDid,
            webBase,
          );
        }
        if (!recordCursor || page.data.records.length === 0) isDone = true;
      }
    }
  } while (repoCursor);
  batch.cursor = highest ? `scan:${highest}` : cursor;
  return batch;
}

/** Cursor `notif:<indexedAt>`: notifications come newest first; stop at the last one seen. */
export async function listMentionNotifications(
  agent: AtpAgent,
  councilDid: string,
  cursor: string | undefined,
  webBase?: string,
): Promise<InboundBatch> {
  const since = cursor?.startsWith('notif:') ? cursor.slice(6) : '';
  const batch: InboundBatch = { items: [], cursor, malformed: [] };
  let newest = since;
  let page: string | undefined;
  for (let pages = 0; pages < 10; pages += 1) {
    const res = await agent.app.bsky.notification.listNotifications({
      limit: 50,
      cursor: page,
      reasons: ['mention', 'reply'],
    });
    let isDone = !res.data.cursor;
    for (const n of res.data.notifications) {
      if (n.indexedAt <= since) {
        isDone = true;
        break;
      }
      if (n.indexedAt > newest) newest = n.indexedAt;
      if (n.reason !== 'mention' && n.reason !== 'reply') continue;
      const author = {
        did: n.author.did,
        handle: n.author.handle,
        ...(n.author.displayName ? { displayName: n.author.displayName } : {}),
      };
      collect(batch, { uri: n.uri, cid: n.cid, value: n.record, author }, councilDid, webBase);
    }
    if (isDone) break;
    page = res.data.cursor;
  }
  if (newest) batch.cursor = `notif:${newest}`;
  return batch;
}
