/**
 * GOV.UK Notify callback bodies. Inbound SMS: `{id, source_number, destination_number,
 * message, date_received}`. Delivery receipt: `{id, reference, to, status, created_at,
 * completed_at, sent_at, notification_type}`. Unidentifiable bodies are malformed, raw.
 */
import type { InboundItem, MalformedInbound } from '../port.ts';

export type DeliveryStatus = 'delivered' | 'permanent-failure' | 'temporary-failure' | 'technical-failure';

export type DeliveryReceipt = {
  notificationId: string;
  reference: string | undefined;
  to: string;
  status: DeliveryStatus;
  notificationType: 'email' | 'sms' | string;
  completedAt: Date | undefined;
  /** Plain English for the officer. */
  explanation: string;
  /** Retrying the same address or number will not help. */
  isPermanent: boolean;
  raw: unknown;
};

const explanations: Record<DeliveryStatus, string> = {
  delivered: 'Delivered',
  'permanent-failure': 'The email address or phone number does not exist or cannot take messages',
  'temporary-failure': "The recipient's inbox was full or their phone was off, and Notify stopped trying",
  'technical-failure': 'Notify could not send it because of a problem at Notify or its providers',
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const date = (v: unknown): Date | undefined => {
  const d = typeof v === 'string' ? new Date(v) : undefined;
  return d && !Number.isNaN(d.getTime()) ? d : undefined;
};

export function parseJson(
  raw: Buffer,
): { ok: true; value: unknown } | { ok: false; malformed: MalformedInbound } {
  const text = raw.toString('utf8');
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, malformed: { raw: text, reason: 'Body is not JSON' } };
  }
}

export function mapInboundSms(body: unknown): InboundItem | MalformedInbound {
  if (!isRecord(body)) return { raw: body, reason: 'Inbound SMS callback is not an object' };
  const { id, source_number: from, message } = body;
  const at = date(body.date_received);
  if (typeof id !== 'string' || typeof from !== 'string' || typeof message !== 'string' || !at)
    return { raw: body, reason: 'Inbound SMS without id, source_number, message or date_received' };
  return {
    externalId: id,
    kind: 'sms',
    author: { id: from, phone: from },
    text: message,
    createdAt: at,
    threadId: from,
    isPrivate: true,
    raw: body,
  };
}

export function mapDeliveryReceipt(body: unknown): DeliveryReceipt | MalformedInbound {
  if (!isRecord(body)) return { raw: body, reason: 'Delivery receipt is not an object' };
  const status = body.status;
  if (
    typeof body.id !== 'string' ||
    typeof body.to !== 'string' ||
    typeof status !== 'string' ||
    !(status in explanations)
  )
    return { raw: body, reason: 'Delivery receipt without id, to or a known status' };
  const s = status as DeliveryStatus;
  return {
    notificationId: body.id,
    reference: typeof body.reference === 'string' ? body.reference : undefined,
    to: body.to,
    status: s,
    notificationType: typeof body.notification_type === 'string' ? body.notification_type : 'unknown',
    completedAt: date(body.completed_at),
    explanation: explanations[s],
    isPermanent: s === 'permanent-failure',
    raw: body,
  };
}
