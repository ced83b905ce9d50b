/** Every URL of the cases part of the inbox. */
export const casePaths = {
  list: '/staff/cases',
  case: '/staff/cases/:caseId',
  status: '/staff/cases/:caseId/status',
  merge: '/staff/cases/:caseId/merge',
  newFromConversation: '/staff/inbox/conversations/:conversationId/cases/new',
  joinFromConversation: '/staff/inbox/conversations/:conversationId/cases/join',
} as const;

/** A path with its parameters filled in. */
export function casePath(id: string): string {
  return casePaths.case.replace(':caseId', encodeURIComponent(id));
}

export function newCasePath(conversationId: string): string {
  return casePaths.newFromConversation.replace(':conversationId', encodeURIComponent(conversationId));
}

export function joinCasePath(conversationId: string): string {
  return casePaths.joinFromConversation.replace(':conversationId', encodeURIComponent(conversationId));
}
