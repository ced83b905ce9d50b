/**
 * Emergency duty alerts. An emergency message (risk to life, safeguarding) must reach a person
 * at once, whatever the queue's workload: the urgent team's duty contact is sent a short alert
 * through the council's own email or GOV.UK Notify account.
 *
 * Delivery is made durable without giving the web role rights on the job tables: the
 * processing transaction records `inbox.duty_alert.queued` in the audit log, the job is sent
 * after commit with an id derived from the message (so sending it twice queues it once), and
 * the every-minute sweep re-sends the job for any recent queued alert: a crash between commit
 * and send delays an alert by a minute but cannot lose it.
 */
import { createHash } from 'node:crypto';
import { sql, withCouncil, type Db, type Tx } from '../../../db/index.ts';
import type { Logger } from '../../../logger.ts';
import { recordAudit, type Actor } from '../../accounts/index.ts';
import { ChannelError, type ChannelAccountsService } from '../../channels/index.ts';
import { conversationPath } from '../inbox.paths.ts';
import type { DutyAlert } from './process-chunk.ts';

const system = (councilId: string): Actor => ({ councilId, userId: null, label: 'system' });

/** A stable job id (UUID-shaped) for one alert, so re-sending it never queues a second. */
export function dutyAlertJobId(alert: DutyAlert): string {
  const h = createHash('sha256').update(`duty-alert:${alert.councilId}:${alert.messageId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * In the processing transaction: the durable record that an alert is owed. One multi-row
 * insert (a chunk of a busy day may hold dozens); the rows are what recordAudit writes, and
 * carry no secret to scrub.
 */
export async function recordDutyAlerts(tx: Tx, alerts: DutyAlert[]): Promise<void> {
  if (alerts.length === 0) return;
  await sql`
    INSERT INTO audit_events (council_id, actor_user_id, actor_label, action, entity_type, entity_id, after)
    SELECT t.council::uuid, NULL, 'system', 'inbox.duty_alert.queued', 'conversation', t.entity, t.after::jsonb
    FROM unnest(${alerts.map((a) => a.councilId)}::text[], ${alerts.map((a) => a.conversationId)}::text[],
                ${alerts.map((a) => JSON.stringify({ messageId: a.messageId, teamId: a.teamId }))}::text[])
      AS t(council, entity, after)`.execute(tx);
}

/** Alerts recorded as owed in the last day, for the sweep to (re-)send. */
export async function owedDutyAlerts(db: Db, councilId: string): Promise<DutyAlert[]> {
  return withCouncil(db, councilId, async (tx) => {
    const rows = await sql<{
      entity_id: string;
      after: { messageId?: string; teamId?: string | null } | null;
    }>`
      SELECT entity_id, after FROM audit_events
      WHERE action = 'inbox.duty_alert.queued' AND created_at > now() - interval '1 day'`.execute(tx);
    return rows.rows.flatMap((r) =>
      r.after?.messageId
        ? [
            {
              councilId,
              conversationId: r.entity_id,
              messageId: r.after.messageId,
              teamId: r.after.teamId ?? null,
            },
          ]
        : [],
    );
  });
}

type Target = {
  contact: string;
  teamName: string;
  excerpt: string;
  accounts: { id: string; kind: string }[];
};

export class DutyAlerter {
  constructor(
    private readonly db: Db,
    private readonly channelAccounts: ChannelAccountsService,
    private readonly log: Logger,
  ) {}

  private async target(alert: DutyAlert): Promise<Target | { missing: string }> {
    return withCouncil(this.db, alert.councilId, async (tx) => {
      let q = tx.selectFrom('teams').select(['name', 'duty_contact']);
      q = alert.teamId ? q.where('id', '=', alert.teamId) : q.where('is_urgent_queue', '=', true);
      const team = await q.executeTakeFirst();
      if (!team?.duty_contact) return { missing: 'no duty contact is set for the urgent team' };
      const message = await tx
        .selectFrom('messages')
        .select('body')
        .where('id', '=', alert.messageId)
        .executeTakeFirst();
      const accounts = await tx
        .selectFrom('channel_accounts')
        .select(['id', 'kind'])
        .where('status', '=', 'active')
        .where('kind', 'in', ['email', 'notify'])
        .orderBy('created_at')
        .execute();
      return {
        contact: team.duty_contact,
        teamName: team.name,
        excerpt: (message?.body ?? '').slice(0, 280),
        accounts,
      };
    });
  }

  private async audit(alert: DutyAlert, action: string, after: Record<string, unknown>): Promise<void> {
    await withCouncil(this.db, alert.councilId, (tx) =>
      recordAudit(tx, system(alert.councilId), {
        action,
        entityType: 'conversation',
        entityId: alert.conversationId,
        after: { messageId: alert.messageId, ...after },
      }),
    );
  }

  /** Sends one alert; throws (so the job retries) only when a connected channel failed for now. */
  async send(alert: DutyAlert): Promise<'sent' | 'not_sent'> {
    const t = await this.target(alert);
    if ('missing' in t) return this.cannotSend(alert, t.missing);
    const isEmail = t.contact.includes('@');
    // Email goes by the council's mail account first, Notify second; a phone only by Notify.
    const account =
      (isEmail ? t.accounts.find((a) => a.kind === 'email') : undefined) ??
      t.accounts.find((a) => a.kind === 'notify');
    if (!account) return this.cannotSend(alert, 'no email or GOV.UK Notify account is connected');
    const text = [
      `EMERGENCY message for ${t.teamName} in the Townsquare inbox. Act now.`,
      t.excerpt ? `"${t.excerpt}"` : '',
      `Open: ${conversationPath(alert.conversationId)}`,
    ]
      .filter(Boolean)
      .join('\n\n');
    try {
      const { connector } = await this.channelAccounts.connectorFor(alert.councilId, account.id);
      const published = await connector.publish({
        text,
        to: t.contact,
        subject: 'Emergency message in the inbox',
        idempotencyKey: `duty-alert-${alert.messageId}`,
      });
      await this.channelAccounts.recordOutcome(alert.councilId, account.id, {});
      await this.audit(alert, 'inbox.duty_alert.sent', {
        channel: account.kind,
        accountId: account.id,
        to: t.contact,
        ref: published.ref.id,
      });
      return 'sent';
    } catch (error) {
      await this.channelAccounts.recordOutcome(alert.councilId, account.id, { error }).catch(() => undefined);
      await this.audit(alert, 'inbox.duty_alert.failed', {
        channel: account.kind,
        accountId: account.id,
        to: t.contact,
        reason: error instanceof ChannelError ? error.kind : 'error',
      });
      this.log.error(
        { err: error, conversationId: alert.conversationId },
        'emergency duty alert could not be sent',
      );
      throw error;
    }
  }

  private async cannotSend(alert: DutyAlert, reason: string): Promise<'not_sent'> {
    this.log.error(
      { councilId: alert.councilId, conversationId: alert.conversationId, reason },
      'EMERGENCY duty alert could not be sent',
    );
    await this.audit(alert, 'inbox.duty_alert.not_sent', { reason });
    return 'not_sent';
  }
}
