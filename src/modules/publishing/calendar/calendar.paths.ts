/** The content calendar's URLs (the rest of publishing's are in ../publishing.paths.ts). */
export const calendarPaths = {
  calendar: '/staff/publishing/calendar',
  reschedule: '/staff/publishing/posts/:postId/reschedule',
  setService: '/staff/publishing/posts/:postId/service',
} as const;
