/** Staff pages for drafting posts from templates and from imported lists. */
export const draftingPaths = {
  templates: '/staff/publishing/templates',
  useTemplate: '/staff/publishing/templates/use',
  templateWording: '/staff/publishing/templates/wording',
  templateWordingReset: '/staff/publishing/templates/wording/reset',
  importList: '/staff/publishing/import',
  importResult: '/staff/publishing/imports/:importId',
} as const;
