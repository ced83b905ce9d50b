/**
 * Helpers for the case tests: conversations written directly, as ingestion would leave them.
 */
import type { Services } from '../src/container.ts';

export type SeedConversation = {
  channelKind?: string;
  channelAccountId?: string | null;
  area?: string | null;
  category?: string | null;
  teamId?: string | null;
  wardCode?: string | null;
  lat?: number | null;
  lon?: number | null;
  text?: string;
  externalId?: string;
  threadKey?: string;
  triage?: unknown;
  residentName?: string;
};

let seq = 0;

/** A resident, their conversation and their first message; returns the conversation id. */
export async function seedConversation(
  services: Services,
  councilId: string,
  o: SeedConversation = {},
): Promise<string> {
  const db = services.db.system;
  const n = ++seq;
  const contact = await db
    .insertInto('contacts')
    .values({ council_id: councilId, display_name: o.residentName ?? `Resident ${n}` })
    .returning('id')
    .executeTakeFirstOrThrow();
  const conversation = await db
    .insertInto('conversations')
    .values({
      council_id: councilId,
      channel_kind: o.channelKind ?? 'web',
      channel_account_id: o.channelAccountId ?? null,
      thread_key: o.threadKey ?? `thread-${n}-${Math.random().toString(36).slice(2)}`,
      contact_id: contact.id,
      team_id: o.teamId ?? null,
      area: o.area === undefined ? 'waste' : o.area,
      category: o.category === undefined ? 'fly_tipping' : o.category,
      ward_code: o.wardCode ?? null,
      lat: o.lat ?? null,
      lon: o.lon ?? null,
      subject: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('messages')
    .values({
      council_id: councilId,
      conversation_id: conversation.id,
      direction: 'in',
      body: o.text ?? 'Someone has dumped a mattress on the pavement',
      external_id: o.externalId ?? null,
      triage: o.triage === undefined ? null : JSON.stringify(o.triage),
    })
    .execute();
  return conversation.id;
}

/** Outbound messages of a conversation, oldest first. */
export async function outboundOf(services: Services, conversationId: string) {
  return services.db.system
    .selectFrom('messages')
    .select(['id', 'body', 'delivery_status', 'delivery_error', 'external_id'])
    .where('conversation_id', '=', conversationId)
    .where('direction', '=', 'out')
    .orderBy('id')
    .execute();
}

/** Moves `metres` north of a point (1 degree of latitude is about 111,195 m). */
export function north(lat: number, metres: number): number {
  return lat + metres / 111_195;
}
