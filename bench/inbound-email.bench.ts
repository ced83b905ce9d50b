/**
 * Inbound email normalisation throughput: `parseEmail` (mailparser, threading, raw kept)
 * over 2,000 messages, against a same-run baseline that only splits the header block into
 * name/value pairs. The corpus is composed once per run with nodemailer's MIME composer in
 * the shapes residents send (plain, HTML-only, multipart with an attachment, replies with
 * References, quoted-printable Latin-1), so it is the bytes an MTA would deliver.
 */
import { Buffer } from 'node:buffer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { parseEmail } from '../src/modules/channels/email/parse-email.ts';
import { median, round, type Measurement } from './support.ts';

export const about = 'Inbound email: mailparser-based normalisation vs a bare header split, 2,000 messages.';

const count = 2000;

async function compose(i: number): Promise<Buffer> {
  const base = {
    from: `Resident ${i} <resident${i}@example.test>`,
    to: 'contact@reply.borough.example.gov.uk',
    subject: `Report ${i}: ${['missed bin', 'pothole', 'streetlight', 'noise'][i % 4]}`,
    messageId: `<m${i}@example.test>`,
    date: new Date(Date.UTC(2025, 2, 30, 9, i % 60)),
  };
  const body = `Hello,\n\n${'The issue on my street is still not fixed. '.repeat(8 + (i % 20))}\n\nThanks`;
  const shape = i % 5;
  const mail =
    shape === 0
      ? { ...base, text: body }
      : shape === 1
        ? { ...base, html: `<p>${body.replace(/\n/gu, '<br>')}</p>` }
        : shape === 2
          ? {
              ...base,
              text: body,
              html: `<p>${body}</p>`,
              attachments: [
                { filename: 'photo.jpg', content: Buffer.alloc(4096, i % 251), contentType: 'image/jpeg' },
              ],
            }
          : shape === 3
            ? {
                ...base,
                text: body,
                inReplyTo: `<m${i - 1}@example.test>`,
                references: [`<m${i - 3}@example.test>`, `<m${i - 1}@example.test>`],
              }
            : {
                ...base,
                text: `Café, crème brûlée, £${i}. ${body}`,
                textEncoding: 'quoted-printable' as const,
                encoding: 'latin1',
              };
  return new MailComposer(mail).compile().build();
}

/** The baseline: header block split and unfolded into pairs, body untouched. */
function splitHeaders(raw: Buffer): Map<string, string> {
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const headers = new Map<string, string>();
  for (const line of (end === -1 ? text : text.slice(0, end)).replace(/\r\n[ \t]+/gu, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

async function timed(run: () => Promise<number>): Promise<{ ms: number; n: number }> {
  const start = process.hrtime.bigint();
  const n = await run();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, n };
}

export default async function (): Promise<Measurement[]> {
  const corpus = await Promise.all(Array.from({ length: count }, (_, i) => compose(i)));
  const bytes = corpus.reduce((a, b) => a + b.length, 0);

  const parseAll = async () => {
    let threads = 0;
    for (const raw of corpus) {
      const { item } = await parseEmail(raw, { receivedAt: new Date() });
      if (item?.threadId) threads += 1;
    }
    if (threads !== count) throw new Error(`only ${threads} of ${count} messages normalised`);
    return threads;
  };
  const splitAll = async () => {
    let n = 0;
    for (const raw of corpus) if (splitHeaders(raw).has('message-id')) n += 1;
    return n;
  };

  await parseAll(); // warm-up: JIT and mailparser's lazy charset tables
  const parse: number[] = [];
  const split: number[] = [];
  for (let r = 0; r < 3; r += 1) {
    parse.push(count / ((await timed(parseAll)).ms / 1000));
    split.push(count / ((await timed(splitAll)).ms / 1000));
  }
  return [
    { name: 'email_inbound_mailparser', value: round(median(parse)), unit: 'messages/s' },
    { name: 'email_bare_header_split_baseline', value: round(median(split)), unit: 'messages/s' },
    { name: 'email_corpus_mean_size', value: round(bytes / count / 1024, 1), unit: 'KiB' },
  ];
}
