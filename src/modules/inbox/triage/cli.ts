/**
 * `npx townsquare triage`: JSON lines `{"id","text"}` in, one JSON line per input out, in order.
 *
 * Streaming: input is split into lines chunk by chunk and each chunk's results are written with
 * one write (per-line writes cost a syscall each and halve throughput), honouring backpressure.
 * A bad line gets `{"id": <id or null>, "error": "..."}` and the run carries on.
 */
import { once } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import type { Readable, Writable } from 'node:stream';
import { createTriage, type Triage } from './triage.ts';

/** A line longer than this is answered with an error instead of being held in memory. */
const MAX_LINE_CHARS = 16 * 1024 * 1024;
/** Output is flushed at least this often so a slow producer still sees results promptly. */
const FLUSH_CHARS = 64 * 1024;

type Id = string | number | null;

function idFrom(value: unknown): Id {
  return typeof value === 'string' || typeof value === 'number' ? value : null;
}

/** Best effort at the id of a line that is not valid JSON, so the error can be matched up. */
function salvageId(line: string): Id {
  const m = /"id"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?)/.exec(line.slice(0, 10_000));
  if (!m?.[1]) return null;
  try {
    return idFrom(JSON.parse(m[1]));
  } catch {
    return null;
  }
}

/** Triage of one input line, as the output line (without its newline). */
export function triageLine(triage: Triage, line: string): string {
  let input: unknown;
  try {
    input = JSON.parse(line);
  } catch {
    return JSON.stringify({ id: salvageId(line), error: 'invalid JSON' });
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return JSON.stringify({ id: null, error: 'expected a JSON object with "id" and "text"' });
  }
  const record = input as Record<string, unknown>;
  const id = idFrom(record.id);
  if (typeof record.text !== 'string') {
    return JSON.stringify({ id, error: '"text" must be a string' });
  }
  const r = triage.triage(record.text);
  // Written by hand in the documented key order: the labels come from a small fixed set, so their
  // JSON is cached, and most messages name no place.
  return (
    `{"id":${JSON.stringify(id)},"area":${quoted(r.area)},"category":${quoted(r.category)},` +
    `"intent":${quoted(r.intent)},"sentiment":${quoted(r.sentiment)},"urgency":${quoted(r.urgency)},` +
    `"language":${quoted(r.language)},"places":${r.places.length === 0 ? '[]' : JSON.stringify(r.places)},` +
    `"confidence":{"area":${JSON.stringify(r.confidence.area)},"category":${JSON.stringify(r.confidence.category)}}}`
  );
}

const QUOTED = new Map<string, string>();

/** JSON for a label string, cached (labels repeat on every line). */
function quoted(s: string): string {
  let q = QUOTED.get(s);
  if (q === undefined) {
    q = JSON.stringify(s);
    if (QUOTED.size < 1000) QUOTED.set(s, q);
  }
  return q;
}

/**
 * Runs the triage CLI over streams.
 *
 * @param triage - defaults to a freshly loaded triage (model and gazetteer).
 * @returns when the input has ended and all output has been written.
 */
export async function runTriageCli(stdin: Readable, stdout: Writable, triage?: Triage): Promise<void> {
  const t = triage ?? (await createTriage());
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let isSkipping = false; // inside an over-long line, discarding until its newline
  let out = '';

  const flush = async (): Promise<void> => {
    if (out === '') return;
    const chunk = out;
    out = '';
    if (!stdout.write(chunk)) await once(stdout, 'drain');
  };
  const handle = (line: string): void => {
    const l = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (l.trim() === '') return;
    out += triageLine(t, l) + '\n';
  };

  for await (const chunk of stdin) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      if (isSkipping) isSkipping = false;
      else handle(pending + text.slice(start, nl));
      pending = '';
      start = nl + 1;
      if (out.length >= FLUSH_CHARS) await flush();
    }
    if (!isSkipping) pending += text.slice(start);
    if (pending.length > MAX_LINE_CHARS) {
      out += JSON.stringify({ id: salvageId(pending), error: 'line too long' }) + '\n';
      pending = '';
      isSkipping = true;
    }
    await flush();
  }
  pending += decoder.end();
  if (!isSkipping) handle(pending);
  await flush();
}
