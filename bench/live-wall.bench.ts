/**
 * The public live wall under load. The real service (`src/cli.ts all`, embedded PostgreSQL,
 * demo council) runs in a child process; N viewers hold its SSE stream for the demo's
 * upcoming meeting over loopback (raw sockets from many 127.x source addresses, because the
 * stream is rate limited per address). A moderator approves a question through the API and
 * we time, for every viewer, from sending the approval to holding the frame. Beside it, in the
 * same run, a bare SSE broadcast server (node:http, one loop writing to every response) with
 * the same viewers. Then 500 questions a minute arrive while the wall is watched, half through
 * the questions API and half through the inbox (the public contact API, carrying the meeting's
 * hashtag, so they take the whole inbound pipeline and the meetings filing job), and a
 * moderator's SSE stream times how far the moderation queue lags behind each.
 */
import http from 'node:http';
import net from 'node:net';
import { load } from 'cheerio';
import { demoAdminEmail } from '../src/demo/seed.ts';
import {
  demoPassword,
  freePort,
  makeTempDir,
  processMemory,
  removeDir,
  round,
  serviceEnv,
  sleep,
  spawnNode,
  stopChild,
  waitFor200,
  type Child,
  type Measurement,
} from './support.ts';

const targetViewers = Number(process.env.LIVE_WALL_VIEWERS ?? 10_000);
const connectBudgetMs = 150_000;
const approvals = 5;
const questionsPerMinute = 500;
const floodSeconds = 30;

export const about = `Up to ${targetViewers} SSE viewers on loopback (raw sockets, ${connectBudgetMs / 1000} s to connect; the
count actually held is reported). ${approvals} approvals: latency from the approval request to each viewer
holding the frame, p50 and p99 over all viewer-events; the same for a bare node:http SSE broadcast
server in a child process. Memory per viewer from the server process's RSS before and after the viewers
connect. Then ${questionsPerMinute} questions a minute for ${floodSeconds} s, alternately through the questions API and through
the inbox (the contact API with the meeting's hashtag: stored, triaged, tapped, filed by a job), timed to a
moderator's SSE stream (p99 queue lag). API questions are matched to their events by id; inbox questions
(whose id is made later, by the filing job) first in, first out.`;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

const address = (n: number) =>
  `127.${1 + Math.floor(n / 62500)}.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;

type Viewer = { socket: net.Socket; tail: string; onText?: (text: string) => void };

/** Opens one SSE viewer with a raw socket; resolves when the stream is live (the retry line). */
function openViewer(port: number, path: string, n: number, headers = ''): Promise<Viewer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress: address(n) });
    const viewer: Viewer = { socket, tail: '' };
    let isLive = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('viewer timed out'));
    }, 30_000);
    socket.setEncoding('utf8');
    socket.on('connect', () =>
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n${headers}\r\n`),
    );
    socket.on('data', (chunk: string) => {
      const text = viewer.tail + chunk;
      viewer.tail = text.slice(-200);
      if (!isLive && text.includes('retry: ')) {
        isLive = true;
        clearTimeout(timer);
        resolve(viewer);
      }
      viewer.onText?.(text);
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** Opens up to `count` viewers, a few hundred at a time, within the time budget. */
async function openViewers(
  port: number,
  path: string,
  count: number,
): Promise<{ viewers: Viewer[]; errors: string[] }> {
  const viewers: Viewer[] = [];
  const errors: string[] = [];
  const started = performance.now();
  for (let i = 0; i < count && performance.now() - started < connectBudgetMs; i += 250) {
    const batch = await Promise.allSettled(
      Array.from({ length: Math.min(250, count - i) }, (_x, k) => openViewer(port, path, i + k)),
    );
    for (const r of batch) {
      if (r.status === 'fulfilled') viewers.push(r.value);
      else if (errors.length < 5) errors.push(String(r.reason));
    }
    if (batch.every((r) => r.status === 'rejected')) break;
  }
  return { viewers, errors };
}

/** Times every viewer from `send()` to holding text containing the marker. */
async function timeBroadcast(
  viewers: Viewer[],
  marker: string,
  send: () => Promise<void>,
): Promise<number[]> {
  const times: number[] = [];
  let started = 0;
  const done = new Promise<void>((resolve) => {
    let pending = viewers.length;
    const timer = setTimeout(resolve, 20_000);
    for (const v of viewers) {
      v.onText = (text) => {
        if (!text.includes(marker)) return;
        v.onText = undefined;
        times.push(performance.now() - started);
        if (--pending === 0) {
          clearTimeout(timer);
          resolve();
        }
      };
    }
  });
  started = performance.now();
  await send();
  await done;
  return times;
}

const bareServer = `
const http = require('node:http');
const viewers = new Set();
let id = 0;
const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    res.write('retry: 3000\\n\\n');
    viewers.add(res);
    req.on('close', () => viewers.delete(res));
    return;
  }
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const frame = 'id: ' + ++id + '\\nevent: question\\ndata: ' + body + '\\n\\n';
    for (const v of viewers) v.write(frame);
    res.writeHead(204).end();
  });
});
server.maxConnections = 100000;
server.listen(0, '127.0.0.1', () => console.log('PORT ' + server.address().port));
`;

async function startBare(): Promise<{ child: Child; port: number }> {
  const child = spawnNode(['-e', bareServer], { ...process.env });
  for (let i = 0; i < 200; i++) {
    const m = /PORT (\d+)/.exec(child.output());
    if (m) return { child, port: Number(m[1]) };
    await sleep(25);
  }
  throw new Error(`bare server did not start: ${child.output()}`);
}

function post(
  port: number,
  path: string,
  body: string,
  headers: Record<string, string>,
  n = 0,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        localAddress: address(n),
        agent: false,
        headers: { 'content-length': Buffer.byteLength(body), ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Signs in as the demo administrator through the form; returns the cookie header and an API token. */
async function signInAndToken(base: string): Promise<{ cookie: string; token: string }> {
  const jar = new Map<string, string>();
  const remember = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, ...v] = pair!.split('=');
      jar.set(k!, v.join('='));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const formPost = async (path: string, fields: Record<string, string>) => {
    const page = await fetch(`${base}${path}`, { headers: { cookie: cookie() } });
    remember(page);
    const csrf = load(await page.text())('input[name="_csrf"]').attr('value') ?? '';
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
    });
    remember(res);
    return res;
  };
  await formPost('/staff/sign-in', { email: demoAdminEmail, password: demoPassword });
  const tokens = await formPost('/staff/account/tokens', { name: 'live wall bench' });
  const token = load(await tokens.text())('#new-token')
    .text()
    .trim();
  if (!token) throw new Error('could not create an API token');
  return { cookie: cookie(), token };
}

export default async function liveWall(): Promise<Measurement[]> {
  const results: Measurement[] = [];
  const dataDir = await makeTempDir('live-wall');
  const port = await freePort();
  const child = spawnNode(['--import', 'tsx', 'src/cli.ts', 'all'], {
    ...serviceEnv(dataDir, port, await freePort()),
    LOG_LEVEL: 'warn',
  });
  const base = `http://127.0.0.1:${port}`;
  let bare: { child: Child; port: number } | undefined;
  const sockets: Viewer[] = [];
  try {
    await waitFor200(`${base}/readyz`, child, performance.now(), 180_000);
    const list = load(await (await fetch(`${base}/meetings`)).text());
    const meetingId = /\/meetings\/([0-9a-f-]{36})$/.exec(
      list('main a[href^="/meetings/"]').first().attr('href') ?? '',
    )?.[1];
    if (!meetingId) throw new Error('no demo meeting found');
    const { cookie, token } = await signInAndToken(base);
    const json = { 'content-type': 'application/json' };

    // Townsquare: viewers on the wall, then approvals.
    const idle = await processMemory(child.pid);
    const opened = await openViewers(port, `/meetings/${meetingId}/live/events`, targetViewers);
    sockets.push(...opened.viewers);
    await sleep(2000);
    const held = await processMemory(child.pid);
    const n = opened.viewers.length;
    if (opened.errors.length)
      process.stderr.write(`# viewer errors (first few): ${opened.errors.join('; ')}\n`);
    results.push({ name: 'townsquare_viewers_held', value: n, unit: 'viewers' });
    results.push({
      name: 'townsquare_memory_per_viewer',
      value: round(((held.rssKiB - idle.rssKiB) * 1024) / Math.max(1, n) / 1024, 1),
      unit: 'KiB',
    });
    const latencies: number[] = [];
    let delivered = 0;
    for (let i = 0; i < approvals; i++) {
      const asked = await post(
        port,
        `/api/v1/meetings/${meetingId}/questions`,
        JSON.stringify({
          name: `Bench ${i}`,
          email: `bench${i}@example.org`,
          ward: 'Bench',
          text: `Benchmark question ${i}?`,
        }),
        json,
        60_000 + i,
      );
      const { id } = JSON.parse(asked.text) as { id: string };
      const times = await timeBroadcast(opened.viewers, id, async () => {
        const res = await post(
          port,
          `/api/v1/questions/${id}/approve`,
          '',
          { authorization: `Bearer ${token}` },
          61_000,
        );
        if (res.status !== 200) throw new Error(`approve answered ${res.status}: ${res.text}`);
      });
      delivered += times.length;
      latencies.push(...times);
    }
    results.push({
      name: 'townsquare_approval_to_all_viewers_p50',
      value: round(percentile(latencies, 50), 1),
      unit: 'ms',
    });
    results.push({
      name: 'townsquare_approval_to_all_viewers_p99',
      value: round(percentile(latencies, 99), 1),
      unit: 'ms',
    });
    results.push({
      name: 'townsquare_frames_delivered_ratio',
      value: round(delivered / Math.max(1, n * approvals), 4),
      unit: 'ratio',
    });

    // 500 questions a minute while the wall is watched: the moderators' queue lag.
    const moderator = await openViewer(
      port,
      `/staff/meetings/${meetingId}/moderation/events`,
      62_000,
      `Cookie: ${cookie}\r\n`,
    );
    const sentAt = new Map<string, number>();
    const lags: number[] = [];
    const inboxSent: number[] = [];
    const inboxLags: number[] = [];
    const submitMs: number[] = [];
    moderator.onText = (text) => {
      for (const m of text.matchAll(/event: received\ndata: \{"id":"([0-9a-f-]{36})"/g)) {
        const t = sentAt.get(m[1]!);
        if (t !== undefined) {
          lags.push(performance.now() - t);
          sentAt.delete(m[1]!);
        } else {
          const first = inboxSent.shift();
          if (first !== undefined) inboxLags.push(performance.now() - first);
        }
      }
    };
    const total = Math.round((questionsPerMinute / 60) * floodSeconds);
    const interval = 60_000 / questionsPerMinute;
    const floodStart = performance.now();
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = floodStart + i * interval;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      inflight.push(
        (async () => {
          const t = performance.now();
          if (i % 2 === 1) {
            // Through the inbox, as a resident's message carrying the meeting's hashtag.
            const res = await post(
              port,
              '/api/v1/messages',
              JSON.stringify({
                name: `Inbox ${i}`,
                email: `inbox${i}@example.org`,
                message: `#ValeCouncil Question number ${i} from the inbox?`,
              }),
              json,
              63_000 + (i % 200),
            );
            submitMs.push(performance.now() - t);
            if (res.status >= 200 && res.status < 300) inboxSent.push(t);
            return;
          }
          const res = await post(
            port,
            `/api/v1/meetings/${meetingId}/questions`,
            JSON.stringify({
              name: `Flood ${i}`,
              email: `flood${i}@example.org`,
              ward: 'Bench',
              text: `Question number ${i} from the flood?`,
            }),
            json,
            63_000 + (i % 200),
          );
          submitMs.push(performance.now() - t);
          if (res.status === 201) sentAt.set((JSON.parse(res.text) as { id: string }).id, t);
        })(),
      );
    }
    await Promise.all(inflight);
    // Time for the last events to arrive on a busy machine before counting what is missing.
    await sleep(5000);
    // Inbox questions take the pipeline and a job: give the last of them up to a minute more.
    for (let waited = 0; (inboxSent.length > 0 || sentAt.size > 0) && waited < 60_000; waited += 500)
      await sleep(500);
    moderator.socket.destroy();
    const apiTotal = Math.ceil(total / 2);
    results.push({
      name: 'questions_accepted',
      value: lags.length + sentAt.size,
      unit: `of ${apiTotal} by API`,
    });
    results.push({ name: 'moderation_queue_lag_p50', value: round(percentile(lags, 50), 1), unit: 'ms' });
    results.push({ name: 'moderation_queue_lag_p99', value: round(percentile(lags, 99), 1), unit: 'ms' });
    results.push({
      name: 'inbox_questions_filed',
      value: inboxLags.length,
      unit: `of ${total - apiTotal} by inbox`,
    });
    results.push({ name: 'inbox_queue_lag_p50', value: round(percentile(inboxLags, 50), 1), unit: 'ms' });
    results.push({ name: 'inbox_queue_lag_p99', value: round(percentile(inboxLags, 99), 1), unit: 'ms' });
    results.push({ name: 'question_submit_p99', value: round(percentile(submitMs, 99), 1), unit: 'ms' });
    results.push({ name: 'questions_missing_from_queue', value: sentAt.size, unit: 'questions' });
    for (const s of sockets.splice(0)) s.socket.destroy();
    await sleep(1000);

    // The bare SSE broadcast server, same viewers and method.
    bare = await startBare();
    const bareIdle = await processMemory(bare.child.pid);
    const bareOpened = await openViewers(bare.port, '/events', targetViewers);
    sockets.push(...bareOpened.viewers);
    await sleep(2000);
    const bareHeld = await processMemory(bare.child.pid);
    const bn = bareOpened.viewers.length;
    results.push({ name: 'bare_viewers_held', value: bn, unit: 'viewers' });
    results.push({
      name: 'bare_memory_per_viewer',
      value: round(((bareHeld.rssKiB - bareIdle.rssKiB) * 1024) / Math.max(1, bn) / 1024, 1),
      unit: 'KiB',
    });
    const bareLatencies: number[] = [];
    for (let i = 0; i < approvals; i++) {
      const marker = `bare-marker-${i}-${Date.now()}`;
      bareLatencies.push(
        ...(await timeBroadcast(bareOpened.viewers, marker, async () => {
          await post(
            bare!.port,
            '/broadcast',
            JSON.stringify({ id: marker, status: 'approved', text: 'x', votes: 0 }),
            json,
          );
        })),
      );
    }
    results.push({
      name: 'bare_broadcast_to_all_viewers_p50',
      value: round(percentile(bareLatencies, 50), 1),
      unit: 'ms',
    });
    results.push({
      name: 'bare_broadcast_to_all_viewers_p99',
      value: round(percentile(bareLatencies, 99), 1),
      unit: 'ms',
    });
    return results;
  } finally {
    for (const s of sockets) s.socket.destroy();
    if (bare) await stopChild(bare.child);
    await stopChild(child);
    await removeDir(dataDir);
  }
}
