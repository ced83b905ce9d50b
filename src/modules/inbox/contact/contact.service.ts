/**
 * A resident's message from the council's own website (the contact form or the public API)
 * into the inbox: normalised as a web channel item, stored durably, then processed at once so
 * the caller can be given its message id. If processing has to wait (a busy database), the
 * message is safe and the pending job finishes it.
 */
import { withCouncil, type Db } from '../../../db/index.ts';
import { WebInbound } from '../../channels/index.ts';

type WebSubmission = Parameters<WebInbound['normalise']>[0];
import type { IngestService } from '../ingest/index.ts';

export type Submitted = { receiptId: string; messageId: string | null; isDuplicate: boolean };

export class ContactService {
  private readonly web = new WebInbound();

  constructor(
    private readonly db: Db,
    private readonly ingest: IngestService,
  ) {}

  async submit(councilId: string, submission: WebSubmission): Promise<Submitted> {
    const item = this.web.normalise(submission);
    const result = await this.ingest.ingest(
      councilId,
      { kind: 'web', accountId: null },
      {
        items: [item],
        cursor: undefined,
        malformed: [],
      },
    );
    const event = result.events[0];
    if (!event) throw new Error('the submission was not stored');
    if (event.status === 'received')
      await this.ingest.processEvents(councilId, [event.id]).catch(() => undefined);
    const message = await withCouncil(this.db, councilId, (tx) =>
      tx.selectFrom('messages').select('id').where('inbound_event_id', '=', event.id).executeTakeFirst(),
    );
    return { receiptId: event.id, messageId: message?.id ?? null, isDuplicate: !event.isNew };
  }
}
