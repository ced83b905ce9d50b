/** Every URL of the public contact form and the public messages API, as const. */
export const contactPaths = {
  form: '/contact',
  sent: '/contact/sent',
  api: '/api/v1/messages',
} as const;
