/**
 * The email connector's record of what an SMTP server accepted, in `email_sent_ledger` (one
 * row per council, account and Message-ID). A retry after a crash asks it before sending, so
 * an email the server already took is not sent again. The only window left is between the
 * server's 250 and this insert: SMTP has no way to ask a server what it accepted.
 */
import { withCouncil, type Db } from '../../../db/index.ts';
import type { Published } from '../port.ts';
import type { SentLedger } from './email.connector.ts';

export function databaseLedger(db: Db, councilId: string, accountId: string): SentLedger {
  return {
    get: (messageId) =>
      withCouncil(db, councilId, async (tx) => {
        const row = await tx
          .selectFrom('email_sent_ledger')
          .select('published')
          .where('channel_account_id', '=', accountId)
          .where('message_id', '=', messageId)
          .executeTakeFirst();
        return row ? (row.published as Published) : undefined;
      }),
    record: (messageId, published) =>
      withCouncil(db, councilId, async (tx) => {
        await tx
          .insertInto('email_sent_ledger')
          .values({
            council_id: councilId,
            channel_account_id: accountId,
            message_id: messageId,
            published: JSON.stringify(published),
          })
          .onConflict((oc) => oc.doNothing())
          .execute();
      }),
  };
}
