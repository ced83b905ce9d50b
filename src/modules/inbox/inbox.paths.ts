/** Every URL of the inbox console, as const. */
export const inboxPaths = {
  queue: '/staff/inbox',
  events: '/staff/inbox/events',
  mentions: '/staff/inbox/mentions',
  bulk: '/staff/inbox/bulk',
  conversation: '/staff/inbox/conversations/:conversationId',
  claim: '/staff/inbox/conversations/:conversationId/claim',
  assign: '/staff/inbox/conversations/:conversationId/assign',
  status: '/staff/inbox/conversations/:conversationId/status',
  note: '/staff/inbox/conversations/:conversationId/notes',
  tags: '/staff/inbox/conversations/:conversationId/tags',
  triage: '/staff/inbox/conversations/:conversationId/triage',
  link: '/staff/inbox/conversations/:conversationId/link',
  reply: '/staff/inbox/conversations/:conversationId/replies',
  approve: '/staff/inbox/conversations/:conversationId/replies/:messageId/approve',
  retry: '/staff/inbox/conversations/:conversationId/replies/:messageId/retry',
  settings: '/staff/inbox/settings',
  replyTo: '/staff/inbox/settings/reply-to',
  teamSettings: '/staff/inbox/settings/teams/:teamId',
  statuses: '/staff/inbox/settings/statuses',
  savedReplies: '/staff/inbox/settings/saved-replies',
  savedReply: '/staff/inbox/settings/saved-replies/:savedReplyId/delete',
} as const;

/** A conversation's page (or one of its actions), with the id filled in. */
export function conversationPath(
  conversationId: string,
  which:
    | 'conversation'
    | 'claim'
    | 'assign'
    | 'status'
    | 'note'
    | 'tags'
    | 'triage'
    | 'link'
    | 'reply' = 'conversation',
): string {
  return inboxPaths[which].replace(':conversationId', encodeURIComponent(conversationId));
}

export function replyActionPath(
  conversationId: string,
  messageId: string,
  which: 'approve' | 'retry',
): string {
  return inboxPaths[which]
    .replace(':conversationId', encodeURIComponent(conversationId))
    .replace(':messageId', encodeURIComponent(messageId));
}
