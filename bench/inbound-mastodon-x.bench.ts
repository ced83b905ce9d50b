/**
 * Inbound normalisation throughput of the Mastodon and X mappers, in items per second, over
 * payloads recorded from the contract servers (10,000 mentions each: Mastodon notifications
 * one by one, X mention pages of 100). The baseline is JSON.parse of the same payloads in the
 * same run, so the ratio says what the mapping costs on top of reading the bytes.
 */
import { startMastodonServer } from '../test/peers/mastodon/server.ts';
import { startXServer } from '../test/peers/x/server.ts';
import { mapNotification } from '../src/modules/channels/mastodon/mastodon.mapper.ts';
import { mapMentionPage } from '../src/modules/channels/x/x.mapper.ts';
import { median, round, type Measurement } from './support.ts';

export const about =
  'Mastodon and X inbound mappers over 10,000 recorded mentions each, beside bare JSON.parse';

const count = 10_000;

async function recordMastodon(): Promise<string[]> {
  const server = await startMastodonServer();
  for (let i = 0; i < count; i += 1)
    server.residentWrites(
      `The streetlight outside no. ${i} is out again, see https://photos.example/lamp/${i} #streetlights`,
      {
        visibility: i % 10 === 0 ? 'direct' : 'public',
      },
    );
  const payloads = server.notificationPayloads().map((n) => JSON.stringify(n));
  await server.close();
  return payloads;
}

async function recordX(): Promise<string[]> {
  const server = await startXServer();
  for (let i = 0; i < count; i += 1)
    server.residentMentions(`Bins & boxes missed on road ${i} https://photos.example/bin/${i}`);
  const pages = server.mentionPayloads(100).map((p) => JSON.stringify(p));
  await server.close();
  return pages;
}

/** Items per second, the median of five timed passes after a warm-up. */
function rate(items: number, pass: () => void): number {
  pass();
  const samples: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const start = process.hrtime.bigint();
    pass();
    samples.push(items / (Number(process.hrtime.bigint() - start) / 1e9));
  }
  return round(median(samples));
}

export default async function run(): Promise<Measurement[]> {
  const masto = await recordMastodon();
  const x = await recordX();
  let sink = 0;
  const mastoParse = rate(masto.length, () => {
    for (const p of masto) sink += (JSON.parse(p) as { id: string }).id.length;
  });
  const mastoMap = rate(masto.length, () => {
    for (const p of masto) if ('externalId' in mapNotification(JSON.parse(p))) sink += 1;
  });
  const xParse = rate(count, () => {
    for (const p of x) sink += (JSON.parse(p) as { meta: { result_count: number } }).meta.result_count;
  });
  const xMap = rate(count, () => {
    for (const p of x) sink += mapMentionPage(JSON.parse(p)).items.length;
  });
  if (sink === 0) throw new Error('nothing was mapped');
  return [
    { name: 'mastodon_inbound_normalise', value: mastoMap, unit: 'items/s' },
    { name: 'mastodon_json_parse_baseline', value: mastoParse, unit: 'items/s' },
    { name: 'x_inbound_normalise', value: xMap, unit: 'items/s' },
    { name: 'x_json_parse_baseline', value: xParse, unit: 'items/s' },
  ];
}
