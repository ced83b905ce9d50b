/** Every URL of the meetings module. The public SSE stream and the API routes are fixed: others build on them. */
export const meetingPaths = {
  // Public pages.
  list: '/meetings',
  meeting: '/meetings/:meetingId',
  ask: '/meetings/:meetingId/ask',
  wall: '/meetings/:meetingId/live',
  events: '/meetings/:meetingId/live/events',
  vote: '/meetings/:meetingId/questions/:questionId/vote',
  pollVote: '/meetings/:meetingId/polls/:pollId/vote',
  archive: '/meetings/:meetingId/archive',
  // Staff console.
  staffList: '/staff/meetings',
  staffNew: '/staff/meetings/new',
  staffSettings: '/staff/meetings/settings',
  staffImport: '/staff/meetings/import',
  staffCommittees: '/staff/meetings/committees',
  staffMeeting: '/staff/meetings/:meetingId',
  staffEdit: '/staff/meetings/:meetingId/edit',
  staffAgenda: '/staff/meetings/:meetingId/agenda',
  staffModeration: '/staff/meetings/:meetingId/moderation',
  staffModerationEvents: '/staff/meetings/:meetingId/moderation/events',
  staffQuestion: '/staff/meetings/:meetingId/questions/:questionId',
  staffChair: '/staff/meetings/:meetingId/chair',
  staffPolls: '/staff/meetings/:meetingId/polls',
  staffPoll: '/staff/meetings/:meetingId/polls/:pollId/close',
  staffCsv: '/staff/meetings/:meetingId/export.csv',
  staffJson: '/staff/meetings/:meetingId/export.json',
  /** Files an inbox conversation's message as a question (linked from the conversation). */
  staffFileFromInbox: '/staff/meetings/from-inbox/:conversationId',
  // JSON API.
  apiMeetings: '/api/v1/meetings',
  apiQuestions: '/api/v1/meetings/:meetingId/questions',
  apiApprove: '/api/v1/questions/:questionId/approve',
} as const;

/** Fills `:name` parameters. @example pathTo(meetingPaths.wall, { meetingId: 'x' }) // '/meetings/x/live' */
export function pathTo(path: string, params: Record<string, string>): string {
  return path.replace(/:([A-Za-z]+)/gu, (_m, name: string) => encodeURIComponent(params[name] ?? ''));
}
