/**
 * Linking a resident's identities: the contact found by an email address, a handle or a
 * channel id is merged into a conversation's contact (its identities and conversations move
 * over; the old contact points at the new one), so the conversation page shows the person's
 * history across channels.
 */
import { sql, type Tx } from '../../db/index.ts';
import { InboxError } from './inbox.errors.ts';

/** Merges the contact `reference` names into `contactId`; undefined when they are one already. */
export async function linkIdentity(
  tx: Tx,
  contactId: string,
  reference: string,
): Promise<{ from: string } | undefined> {
  const ref = reference.trim().replace(/^@/, '');
  const found = await tx
    .selectFrom('contacts as ct')
    .leftJoin('contact_identities as ci', 'ci.contact_id', 'ct.id')
    .select('ct.id')
    .where('ct.merged_into', 'is', null)
    .where((eb) =>
      eb.or([
        eb(sql`lower(ct.email)`, '=', ref.toLowerCase()),
        eb('ci.external_id', '=', ref),
        eb(sql`lower(ci.handle)`, '=', ref.toLowerCase()),
      ]),
    )
    .executeTakeFirst();
  if (!found)
    throw new InboxError('validation', {
      identity: 'No resident has that email address, handle or account id',
    });
  if (found.id === contactId) return undefined;
  const from = found.id;
  await tx
    .updateTable('contact_identities')
    .set({ contact_id: contactId })
    .where('contact_id', '=', from)
    .execute();
  await tx
    .updateTable('conversations')
    .set({ contact_id: contactId })
    .where('contact_id', '=', from)
    .execute();
  const old = await tx.selectFrom('contacts').selectAll().where('id', '=', from).executeTakeFirstOrThrow();
  await tx.updateTable('contacts').set({ merged_into: contactId }).where('id', '=', from).execute();
  // Keep what the surviving contact lacks.
  await tx
    .updateTable('contacts')
    .set({
      email: sql<string | null>`coalesce(email, ${old.email})`,
      phone: sql<string | null>`coalesce(phone, ${old.phone})`,
      ward_code: sql<string | null>`coalesce(ward_code, ${old.ward_code})`,
    })
    .where('id', '=', contactId)
    .execute();
  return { from };
}
