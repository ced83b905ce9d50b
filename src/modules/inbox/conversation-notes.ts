/**
 * Internal notes with @mentions. `@name` mentions a colleague by the part of their email
 * address before the @ (or the whole address); each mentioned person sees the note in their
 * Mentions view.
 */
import type { Tx } from '../../db/index.ts';
import type { Actor } from '../accounts/index.ts';

const mentionPattern = /(^|[^\w@.])@([a-z0-9._%+-]+(?:@[a-z0-9.-]+\.[a-z]{2,})?)/giu;

/** The handles a note mentions, lower-cased. @example mentionedHandles('ask @sam') // ['sam'] */
export function mentionedHandles(text: string): string[] {
  return [...text.matchAll(mentionPattern)].map((m) => (m[2] ?? '').toLowerCase());
}

/** Writes the note and its mentions; returns the note's id and who was mentioned. */
export async function writeNote(
  tx: Tx,
  actor: Actor,
  conversationId: string,
  text: string,
): Promise<{ messageId: string; mentioned: string[] }> {
  const message = await tx
    .insertInto('messages')
    .values({
      council_id: actor.councilId,
      conversation_id: conversationId,
      direction: 'note',
      author_user_id: actor.userId,
      body: text,
      is_private: true,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const handles = mentionedHandles(text);
  let mentioned: string[] = [];
  if (handles.length > 0) {
    const users = await tx
      .selectFrom('users')
      .select(['id', 'email'])
      .where('disabled_at', 'is', null)
      .execute();
    mentioned = users
      .filter((u) =>
        handles.some((h) => u.email.toLowerCase() === h || u.email.toLowerCase().split('@')[0] === h),
      )
      .map((u) => u.id);
    if (mentioned.length > 0)
      await tx
        .insertInto('message_mentions')
        .values(
          mentioned.map((userId) => ({
            council_id: actor.councilId,
            message_id: message.id,
            conversation_id: conversationId,
            user_id: userId,
          })),
        )
        .execute();
  }
  return { messageId: String(message.id), mentioned };
}
