/**
 * A stored event made ready for the pipeline: parsed back from its stored JSON, text cleaned,
 * triaged, and the resident's identity key chosen. Pure: no database.
 */
import type { Author } from '../../channels/index.ts';
import { cleanText, maxBodyChars, maxTriageChars, type EventBody } from './normalise.ts';
import { unclassifiedTriage, type TriageResult, type Triager } from './triage-port.ts';

export type StoredRow = {
  id: string;
  channel_kind: string;
  channel_account_id: string | null;
  payload: string | null;
  raw_text: string | null;
};

export type Prepared = {
  eventId: string;
  kind: string;
  accountId: string | null;
  externalId: string;
  threadKey: string;
  body: string;
  subject: string | null;
  isPrivate: boolean;
  createdAt: Date;
  triage: TriageResult;
  identity: { kind: string; id: string; handle: string | null };
  contact: { name: string; email: string | null; phone: string | null };
};

export class PrepareError extends Error {
  readonly kind = 'unreadable_event';
}

/** UK numbers as digits with the country code: 07700 900982, +44 7700 900982 -> 447700900982. */
export function normalisePhone(phone: unknown): string | null {
  const digits = cleanText(phone, 40).replace(/[^\d+]/gu, '');
  if (digits.replace(/\D/gu, '').length < 7) return null;
  if (digits.startsWith('+')) return digits.slice(1).replace(/\D/gu, '');
  if (digits.startsWith('00')) return digits.slice(2);
  if (digits.startsWith('0')) return `44${digits.slice(1)}`;
  return digits;
}

const emailPattern = /^[^\s@]+@[^\s@]+$/u;

function identityOf(kind: string, author: Partial<Author> | undefined, eventId: string) {
  const email = cleanText(author?.email, 320).toLowerCase();
  const phone = normalisePhone(author?.phone);
  const handle = cleanText(author?.handle, 200) || null;
  // Email and phone identify a person across channels (a form and an email from the same
  // address are one resident); a network account is known by its id on that network.
  if (email && emailPattern.test(email)) return { kind: 'email', id: email, handle };
  if (phone) return { kind: 'phone', id: phone, handle };
  const id = cleanText(author?.id, 500);
  return { kind, id: id || `unknown:${eventId}`, handle };
}

function parseBody(row: StoredRow): EventBody {
  const text = row.payload ?? row.raw_text;
  if (!text) throw new PrepareError('The stored event has no payload');
  const body = JSON.parse(text) as EventBody;
  if (!body || typeof body !== 'object' || !('item' in body))
    throw new PrepareError('The stored event holds no item');
  return body;
}

export function prepare(row: StoredRow, triager: Triager, onTriageError?: (e: unknown) => void): Prepared {
  const body = parseBody(row);
  if (!('item' in body)) throw new PrepareError('The stored event holds no item');
  const item = body.item;
  const text = cleanText(item.text, maxBodyChars);
  const subject = cleanText(item.subject, 300) || null;
  const attachments = Array.isArray(item.attachments) ? item.attachments : [];
  const shown =
    text ||
    (attachments.length > 0
      ? `[${attachments.length} attachment${attachments.length === 1 ? '' : 's'} and no text]`
      : '');
  let triage: TriageResult;
  try {
    triage = triager.triage(cleanText([subject, text].filter(Boolean).join('\n'), maxTriageChars));
  } catch (error) {
    onTriageError?.(error);
    triage = unclassifiedTriage.triage('');
  }
  const created = new Date(item.createdAt);
  const now = Date.now();
  const externalId = cleanText(item.externalId, 500) || `event:${row.id}`;
  const author = item.author as Partial<Author> | undefined;
  return {
    eventId: row.id,
    kind: row.channel_kind,
    accountId: row.channel_account_id,
    externalId,
    threadKey: cleanText(item.threadId, 500) || externalId,
    body: shown,
    subject,
    isPrivate: item.isPrivate === true,
    createdAt: Number.isNaN(created.getTime()) || created.getTime() > now ? new Date(now) : created,
    triage,
    identity: identityOf(row.channel_kind, author, row.id),
    contact: {
      name: cleanText(author?.name, 200) || cleanText(author?.handle, 200),
      email: cleanText(author?.email, 320).toLowerCase() || null,
      phone: normalisePhone(author?.phone),
    },
  };
}
