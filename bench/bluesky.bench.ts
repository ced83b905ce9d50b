/**
 * Bluesky against a real local PDS (dev-env, in a child process):
 * - publish round trip per post through the connector (sign-in done, facets, deterministic
 *   record key), p50 and p95 over 100 posts, beside a bare `com.atproto.repo.createRecord`
 *   of the same text from a plain AtpAgent, interleaved in the same run;
 * - inbound normalisation throughput of the mapper on 500 real records recorded from the PDS
 *   (JSON text, parsed then mapped), beside JSON.parse of the same payloads alone.
 */
import { AtpAgent } from '@atproto/api';
import { BlueskyConnector } from '../src/modules/channels/bluesky/bluesky.connector.ts';
import { mapInboundPost, type InboundPost } from '../src/modules/channels/bluesky/bluesky.mapper.ts';
import { startBlueskyPeer } from '../test/peers/bluesky/index.ts';
import { round, type Measurement } from './support.ts';

export const about =
  'Local PDS + PLC from @atproto/dev-env on loopback; publish latencies in ms per post, mapper in items/s.';

const posts = 100;
const inboundRecords = 500;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function throughput(payloads: string[], work: (s: string) => void): number {
  for (const p of payloads) work(p); // warm-up
  let items = 0;
  const start = performance.now();
  while (performance.now() - start < 1000) {
    for (const p of payloads) work(p);
    items += payloads.length;
  }
  return items / ((performance.now() - start) / 1000);
}

export default async function bench(): Promise<Measurement[]> {
  const peer = await startBlueskyPeer();
  try {
    const council = await peer.createAccount('council.test');
    const resident = await peer.createAccount('resident.test');
    const connector = new BlueskyConnector(
      { service: peer.pdsUrl, identifier: council.handle, appPassword: council.appPassword },
      { inbound: 'pds-scan' },
    );
    await connector.verifyCredentials();
    const bare = new AtpAgent({ service: peer.pdsUrl });
    await bare.login({ identifier: council.handle, password: council.appPassword });

    const viaConnector: number[] = [];
    const viaBare: number[] = [];
    for (let i = 0; i < posts; i += 1) {
      const text = `Bin collections move to Saturday, see https://example.org/bins #Recycling ${i}`;
      let t = performance.now();
      await connector.publish({ text, idempotencyKey: `bench-${i}`, intendedAt: new Date() });
      viaConnector.push(performance.now() - t);
      t = performance.now();
      await bare.com.atproto.repo.createRecord({
        repo: council.did,
        collection: 'app.bsky.feed.post',
        record: { $type: 'app.bsky.feed.post', text, createdAt: new Date().toISOString() },
      });
      viaBare.push(performance.now() - t);
    }

    // Record 500 real inbound posts: mentions written by a resident's client, read back raw.
    for (let i = 0; i < inboundRecords; i += 50) {
      await resident.agent.com.atproto.repo.applyWrites({
        repo: resident.did,
        writes: Array.from({ length: 50 }, (_, j) => {
          const text = `@council.test the bin on Mill Lane was missed again (${i + j})`;
          return {
            $type: 'com.atproto.repo.applyWrites#create' as const,
            collection: 'app.bsky.feed.post',
            value: {
              $type: 'app.bsky.feed.post',
              text,
              facets: [
                {
                  index: { byteStart: 0, byteEnd: 13 },
                  features: [{ $type: 'app.bsky.richtext.facet#mention', did: council.did }],
                },
              ],
              createdAt: new Date().toISOString(),
            },
          };
        }),
      });
    }
    const recorded = await peer.listPosts(resident.did);
    const payloads = recorded.map((r) =>
      JSON.stringify({ uri: r.uri, value: r.value, author: { did: resident.did, handle: resident.handle } }),
    );
    const mappedCheck = payloads.filter((p) =>
      mapInboundPost(JSON.parse(p) as InboundPost, council.did),
    ).length;
    if (mappedCheck !== inboundRecords)
      throw new Error(`expected ${inboundRecords} inbound items, mapped ${mappedCheck}`);

    const parseOnly = throughput(payloads, (p) => void JSON.parse(p));
    const parseAndMap = throughput(
      payloads,
      (p) => void mapInboundPost(JSON.parse(p) as InboundPost, council.did),
    );

    return [
      { name: 'bluesky_publish_p50', value: round(percentile(viaConnector, 50), 2), unit: 'ms' },
      { name: 'bluesky_publish_p95', value: round(percentile(viaConnector, 95), 2), unit: 'ms' },
      { name: 'bare_create_record_p50', value: round(percentile(viaBare, 50), 2), unit: 'ms' },
      { name: 'bare_create_record_p95', value: round(percentile(viaBare, 95), 2), unit: 'ms' },
      { name: 'bluesky_inbound_mapper', value: round(parseAndMap), unit: 'items/s' },
      { name: 'json_parse_baseline', value: round(parseOnly), unit: 'items/s' },
      { name: 'bluesky_inbound_mapper_ratio', value: round(parseAndMap / parseOnly, 3), unit: 'x baseline' },
    ];
  } finally {
    await peer.close();
  }
}
