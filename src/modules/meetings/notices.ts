/**
 * Telling askers what happened to their question, on the channel they used. Web-form askers
 * are emailed through the council's connected email account; with none connected the notice
 * is recorded as not sent, and the moderation page shows it. Questions that came through the
 * inbox (social, email, SMS) carry a conversation id: they are answered in that conversation
 * through the inbox's reply sending (the InboxPort), threaded on the resident's own post,
 * email or text, in a shorter form that suits a social post or an SMS. Without the port, or
 * when no channel account can carry the reply, the notice is recorded as not sent, with the
 * reason, rather than reported as sent.
 *
 * A notice row is written in the transaction that made the decision; this job sends it. The
 * idempotency key goes to the connector, so a retried job never sends a second email.
 */
import { withCouncil, type Db } from '../../db/index.ts';
import { defineJob, type AnyJobDefinition, type JobQueue } from '../../jobs/index.ts';
import type { Logger } from '../../logger.ts';
import { ChannelError, describeFailure, type ChannelAccountsService } from '../channels/index.ts';
import { ReplyNotPossible, type InboxPort } from './inbox-port.ts';
import { formatWebcastTime } from './question-rules.ts';
import { recordingAt } from './webcast.ts';

export type NoticeOutcome = 'sent' | 'not_sent' | 'failed';

export class AskerNotifier {
  constructor(
    private readonly db: Db,
    private readonly channelAccounts: ChannelAccountsService,
    private readonly opts: { inbox?: InboxPort | undefined } = {},
  ) {}

  /** Sends one notice if it is still queued. Throws (for a retry) only when the network may recover. */
  async deliver(councilId: string, noticeId: string): Promise<NoticeOutcome | 'already_done'> {
    const loaded = await withCouncil(this.db, councilId, async (tx) => {
      const notice = await tx
        .selectFrom('question_notices')
        .selectAll()
        .where('id', '=', noticeId)
        .executeTakeFirst();
      if (!notice) return undefined;
      const question = await tx
        .selectFrom('meeting_questions as q')
        .innerJoin('meetings as m', 'm.id', 'q.meeting_id')
        .select([
          'q.id',
          'q.text',
          'q.status',
          'q.rejection_reason',
          'q.edit_note',
          'q.asker_name',
          'q.asker_email',
          'q.conversation_id',
          'q.merged_into_id',
          'm.id as meeting_id',
          'm.title',
          'm.starts_at',
          'm.recording_url',
        ])
        .where('q.id', '=', notice.question_id)
        .executeTakeFirstOrThrow();
      // A merged asker is told the answer to the question theirs joined.
      const answered = await tx
        .selectFrom('meeting_questions')
        .select(['text', 'answer', 'webcast_seconds', 'status'])
        .where('id', '=', question.merged_into_id ?? question.id)
        .executeTakeFirstOrThrow();
      const council = await tx
        .selectFrom('councils')
        .select(['name', 'hostnames'])
        .where('id', '=', councilId)
        .executeTakeFirstOrThrow();
      return { notice, question, answered, council };
    });
    if (!loaded) return 'already_done';
    const { notice, question, answered, council } = loaded;
    if (notice.status === 'sent' || notice.status === 'not_sent') return 'already_done';

    const host = council.hostnames[0];
    const archive = `${host ? `https://${host}` : ''}/meetings/${question.meeting_id}/archive`;
    const meetingName = `${question.title} on ${question.starts_at.toISOString().slice(0, 10)}`;
    const subject =
      notice.kind === 'rejected'
        ? `Your question to ${question.title}`
        : notice.kind === 'edited'
          ? `Your question to ${question.title} was shortened`
          : `The answer to your question to ${question.title}`;
    const lines = [`Dear ${question.asker_name},`, ''];
    if (notice.kind === 'rejected')
      lines.push(
        `Your question for ${meetingName} was not accepted.`,
        '',
        `Reason: ${question.rejection_reason ?? ''}`,
      );
    else if (notice.kind === 'edited')
      lines.push(
        `Your question for ${meetingName} was edited to fit the council's rules. It now reads:`,
        '',
        question.text,
        ...(question.edit_note ? ['', question.edit_note] : []),
      );
    else {
      const at = recordingAt(question.recording_url, answered.webcast_seconds);
      lines.push(
        `Your question for ${meetingName} has been answered${answered.status === 'answered_in_writing' ? ' in writing' : ''}.`,
        '',
        `Question: ${answered.text}`,
        '',
        `Answer: ${answered.answer ?? ''}`,
        ...(at && answered.webcast_seconds !== null
          ? [
              '',
              `Watch the answer (${formatWebcastTime(answered.webcast_seconds)} into the recording): ${at}`,
            ]
          : []),
        '',
        `Every question and answer from the meeting: ${archive}`,
      );
    }
    lines.push('', council.name);
    const text = lines.join('\n');

    if (question.conversation_id) {
      if (!this.opts.inbox)
        return this.record(
          councilId,
          noticeId,
          'not_sent',
          'Replies in inbox conversations are not available',
        );
      // Recorded first: the inbox's own job sends the reply exactly once, so a retry of this
      // job after the hand-over must not hand it over again.
      const claimed = await this.claim(councilId, noticeId);
      if (!claimed) return 'already_done';
      try {
        const { isQueued } = await this.opts.inbox.reply(
          councilId,
          question.conversation_id,
          shortNotice(notice.kind, { ...question, meetingName, archive }, answered),
        );
        if (!isQueued)
          await this.record(
            councilId,
            noticeId,
            'sent',
            'In the inbox conversation, waiting for a colleague to approve the reply',
          );
      } catch (error) {
        if (!(error instanceof ReplyNotPossible)) {
          await this.record(councilId, noticeId, 'queued', null);
          throw error;
        }
        return this.record(councilId, noticeId, 'not_sent', error.message);
      }
      return 'sent';
    }
    if (!question.asker_email)
      return this.record(councilId, noticeId, 'not_sent', 'The asker gave no email address');
    const account = (await this.channelAccounts.list(councilId)).find(
      (a) => a.kind === 'email' && a.status === 'active',
    );
    if (!account)
      return this.record(
        councilId,
        noticeId,
        'not_sent',
        'No email account is connected, so the asker was not emailed',
      );
    try {
      const { connector } = await this.channelAccounts.connectorFor(councilId, account.id);
      await connector.publish({
        text,
        subject,
        to: question.asker_email,
        idempotencyKey: notice.idempotency_key,
      });
      await this.channelAccounts.recordOutcome(councilId, account.id, {});
      return this.record(councilId, noticeId, 'sent', null);
    } catch (error) {
      await this.channelAccounts.recordOutcome(councilId, account.id, { error }).catch(() => undefined);
      await this.record(councilId, noticeId, 'failed', describeFailure(error));
      const isRetryable =
        error instanceof ChannelError && ['unavailable', 'rate_limited'].includes(error.kind);
      if (isRetryable || !(error instanceof ChannelError)) throw error;
      return 'failed';
    }
  }

  /** Marks a queued notice sent before it is handed to the inbox; false if another run did. */
  private async claim(councilId: string, noticeId: string): Promise<boolean> {
    const r = await withCouncil(this.db, councilId, (tx) =>
      tx
        .updateTable('question_notices')
        .set({
          status: 'sent',
          detail: 'Sent as a reply in the inbox conversation, which shows its delivery',
          sent_at: new Date(),
        })
        .where('id', '=', noticeId)
        .where('status', 'in', ['queued', 'failed'])
        .executeTakeFirst(),
    );
    return r.numUpdatedRows > 0n;
  }

  private async record<S extends NoticeOutcome | 'queued'>(
    councilId: string,
    noticeId: string,
    status: S,
    detail: string | null,
  ): Promise<S> {
    await withCouncil(this.db, councilId, (tx) =>
      tx
        .updateTable('question_notices')
        .set({ status, detail, ...(status === 'sent' ? { sent_at: new Date() } : {}) })
        .where('id', '=', noticeId)
        .execute(),
    );
    return status;
  }

  /** Notices still queued after a while (their job was never sent, or ran out of retries). */
  async queued(councilId: string, olderThanMs: number): Promise<string[]> {
    return withCouncil(this.db, councilId, async (tx) =>
      (
        await tx
          .selectFrom('question_notices')
          .select('id')
          .where('status', '=', 'queued')
          .where('created_at', '<', new Date(Date.now() - olderThanMs))
          .limit(500)
          .execute()
      ).map((r) => r.id),
    );
  }
}

/**
 * A notice short enough for a social reply or a text message: what happened, and where the
 * full answer is. Long answers are cut at a word with an ellipsis; the archive has them whole.
 * @example shortNotice('answered', q, a) // 'Your question to Full Council on 2026-11-26 was answered: Yes, from 1 August. Every answer: https://…'
 */
export function shortNotice(
  kind: string,
  q: {
    meetingName: string;
    archive: string;
    text: string;
    rejection_reason: string | null;
    recording_url: string | null;
  },
  answered: { answer: string | null; webcast_seconds: number | null; status: string },
): string {
  const cut = (s: string, n: number) =>
    s.length <= n
      ? s
      : `${s.slice(0, s.lastIndexOf(' ', n - 1) > n / 2 ? s.lastIndexOf(' ', n - 1) : n - 1)}…`;
  if (kind === 'rejected')
    return `Your question for ${q.meetingName} was not accepted. Reason: ${cut(q.rejection_reason ?? '', 400)}`;
  if (kind === 'edited')
    return `Your question for ${q.meetingName} was shortened to fit the council's rules. It now reads: ${cut(q.text, 400)}`;
  const at = recordingAt(q.recording_url, answered.webcast_seconds);
  const written = answered.status === 'answered_in_writing' ? ' in writing' : '';
  return [
    `Your question for ${q.meetingName} was answered${written}: ${cut(answered.answer ?? '', 600)}`,
    at && answered.webcast_seconds !== null
      ? `Watch at ${formatWebcastTime(answered.webcast_seconds)}: ${at}`
      : '',
    `Every answer: ${q.archive}`,
  ]
    .filter(Boolean)
    .join('\n');
}

export const notifyAskerJob = (notifier: AskerNotifier) =>
  defineJob<{ councilId: string; noticeId: string }>({
    name: 'meetings.notify-asker',
    retryLimit: 5,
    retryDelaySeconds: 30,
    expireInSeconds: 120,
    concurrency: 4,
    handle: async (data) => void (await notifier.deliver(data.councilId, data.noticeId)),
  });

/**
 * The jobs, and the function the moderation service calls after commit. A notice whose job
 * could not be queued stays 'queued' and the sweep (every 5 minutes) queues it again.
 */
export function noticeJobs(deps: {
  notifier: AskerNotifier;
  councilIds: () => Promise<string[]>;
  jobs: () => JobQueue;
  log: Logger;
}): { definitions: AnyJobDefinition[]; enqueue: (councilId: string, noticeIds: string[]) => Promise<void> } {
  const notify = notifyAskerJob(deps.notifier);
  const enqueue = async (councilId: string, noticeIds: string[]) => {
    for (const noticeId of noticeIds) {
      try {
        await deps.jobs().send(notify, { councilId, noticeId }, { singletonKey: noticeId });
      } catch (error) {
        deps.log.warn({ err: error, noticeId }, 'could not queue a question notice; the sweep will');
      }
    }
  };
  const sweep = defineJob<Record<string, never>>({
    name: 'meetings.sweep-question-notices',
    retryLimit: 1,
    retryDelaySeconds: 60,
    expireInSeconds: 300,
    cron: '*/5 * * * *',
    handle: async () => {
      for (const councilId of await deps.councilIds())
        await enqueue(councilId, await deps.notifier.queued(councilId, 60_000));
    },
  });
  return { definitions: [notify as AnyJobDefinition, sweep as AnyJobDefinition], enqueue };
}
