/**
 * What the meetings module needs from the inbox, as a small port: a reply in the asker's own
 * conversation (threaded on their message by the inbox's reply sending) and an internal note
 * there. `inboxPort` adapts the inbox's services to it for the container; tests may pass
 * their own.
 */
import type { Actor } from '../accounts/index.ts';
import { InboxError, type InboxService, type ReplyService } from '../inbox/index.ts';

/** Why a reply could not be handed to the inbox (no channel account can carry it, say). */
export class ReplyNotPossible extends Error {
  readonly kind = 'reply_not_possible';
}

export type InboxPort = {
  /**
   * Queues a reply in the conversation (or holds it, for a team whose replies need approval);
   * throws ReplyNotPossible when nothing could carry it.
   */
  reply(councilId: string, conversationId: string, text: string): Promise<{ isQueued: boolean }>;
  /** Adds an internal note for staff to the conversation. */
  note(councilId: string, conversationId: string, text: string): Promise<void>;
};

/** Meetings acts in the inbox as the system, so the audit log says so. */
const systemActor = (councilId: string): Actor => ({ councilId, userId: null, label: 'system (meetings)' });

export function inboxPort(replies: ReplyService, inbox: InboxService): InboxPort {
  return {
    async reply(councilId, conversationId, text) {
      try {
        const { isQueued } = await replies.compose(systemActor(councilId), conversationId, {
          body: text,
          isPrivate: false,
        });
        return { isQueued };
      } catch (error) {
        if (error instanceof InboxError && error.kind !== 'not_found')
          throw new ReplyNotPossible(Object.values(error.fieldErrors ?? {}).join('; ') || error.message);
        throw error;
      }
    },
    async note(councilId, conversationId, text) {
      await inbox.addNote(systemActor(councilId), conversationId, text);
    },
  };
}
