/**
 * Every page a person can reach, in every state worth seeing (empty, with errors, after an
 * action), for the accessibility scan. A module that adds pages adds them here; the scan in
 * e2e/accessibility.test.ts picks them up.
 */
import type { Page } from 'playwright-core';
import { clickAndLoad } from './browser.ts';

/** Who is looking: nobody signed in, the demo administrator, or a contact-centre agent. */
export type Viewer = 'anonymous' | 'admin' | 'agent';

export type ScannedPage = {
  name: string;
  viewer: Viewer;
  path: string;
  /** The document's HTTP status. */
  status: number;
  /** Steps after loading to reach the state to scan, such as submitting an empty form. */
  then?: (page: Page) => Promise<void>;
  /** What the page title must match once in that state. */
  title: RegExp;
};

/** Submits the page's form with its main button, empty, to show the error state. */
const submitEmpty = (button: string) => async (page: Page) => {
  await clickAndLoad(page, page.getByRole('button', { name: button, exact: true }));
};

export const scannedPages: ScannedPage[] = [
  // Public site.
  { name: 'home', viewer: 'anonymous', path: '/', status: 200, title: /^Home – / },
  {
    name: 'accessibility statement',
    viewer: 'anonymous',
    path: '/accessibility',
    status: 200,
    title: /^Accessibility statement – /,
  },
  {
    name: 'page not found',
    viewer: 'anonymous',
    path: '/no-such-page',
    status: 404,
    title: /^Page not found – /,
  },

  // Signing in.
  { name: 'sign in', viewer: 'anonymous', path: '/staff/sign-in', status: 200, title: /^Sign in – / },
  {
    name: 'sign in, with errors',
    viewer: 'anonymous',
    path: '/staff/sign-in',
    status: 200,
    then: submitEmpty('Sign in'),
    title: /^Error: Sign in – /,
  },

  // Staff console: accounts.
  { name: 'staff dashboard', viewer: 'admin', path: '/staff', status: 200, title: /^Staff console – / },
  { name: 'your account', viewer: 'admin', path: '/staff/account', status: 200, title: /^Your account – / },
  {
    name: 'change password',
    viewer: 'admin',
    path: '/staff/account/password',
    status: 200,
    title: /^Change your password – /,
  },
  {
    name: 'change password, with errors',
    viewer: 'admin',
    path: '/staff/account/password',
    status: 200,
    then: submitEmpty('Change password'),
    title: /^Error: Change your password – /,
  },
  {
    name: 'API tokens',
    viewer: 'admin',
    path: '/staff/account/tokens',
    status: 200,
    title: /^API tokens – /,
  },
  {
    name: 'API tokens, after creating one',
    viewer: 'admin',
    path: '/staff/account/tokens',
    status: 200,
    then: async (page) => {
      await page.getByLabel('Token name').fill('Accessibility scan');
      await clickAndLoad(page, page.getByRole('button', { name: 'Create token' }));
      await page.locator('#new-token').waitFor();
    },
    title: /^API tokens – /,
  },
  {
    name: 'API tokens, with errors',
    viewer: 'admin',
    path: '/staff/account/tokens',
    status: 200,
    then: submitEmpty('Create token'),
    title: /^Error: API tokens – /,
  },
  { name: 'users', viewer: 'admin', path: '/staff/users', status: 200, title: /^Users – / },
  { name: 'add a user', viewer: 'admin', path: '/staff/users/new', status: 200, title: /^Add a user – / },
  {
    name: 'add a user, with errors',
    viewer: 'admin',
    path: '/staff/users/new',
    status: 200,
    then: submitEmpty('Add user'),
    title: /^Error: Add a user – /,
  },
  { name: 'audit log', viewer: 'admin', path: '/staff/audit', status: 200, title: /^Audit log – / },

  // Staff console: channels. Add the connect form per network (and its error state) as
  // connectors join the registry.
  { name: 'channels', viewer: 'admin', path: '/staff/channels', status: 200, title: /^Channels – / },
  {
    name: 'connect a channel account',
    viewer: 'admin',
    path: '/staff/channels/connect',
    status: 200,
    title: /^Connect an account – /,
  },
  {
    name: 'connect Mastodon (sign in, or paste a token)',
    viewer: 'admin',
    path: '/staff/channels/connect?kind=mastodon',
    status: 200,
    title: /^Connect Mastodon – /,
  },
  {
    name: 'connect Mastodon, with errors',
    viewer: 'admin',
    path: '/staff/channels/connect?kind=mastodon',
    status: 200,
    then: submitEmpty('Sign in to Mastodon'),
    title: /^Error: Connect Mastodon – /,
  },
  {
    name: 'OAuth sign-in that failed',
    viewer: 'admin',
    path: '/staff/channels/oauth/mastodon/callback?code=x&state=not-a-state',
    status: 400,
    title: /^Error: The account was not connected – /,
  },

  // Staff console: inbox. The conversation page is scanned in e2e/inbox.test.ts, which has one.
  { name: 'inbox queue', viewer: 'agent', path: '/staff/inbox', status: 200, title: /^Inbox – / },
  {
    name: 'inbox queue, filtered',
    viewer: 'agent',
    path: '/staff/inbox?q=bin&urgency=high&sla=breached',
    status: 200,
    title: /^Inbox – /,
  },
  {
    name: 'inbox mentions',
    viewer: 'agent',
    path: '/staff/inbox/mentions',
    status: 200,
    title: /^Mentions – /,
  },
  {
    name: 'inbox settings',
    viewer: 'admin',
    path: '/staff/inbox/settings',
    status: 200,
    title: /^Inbox settings – /,
  },
  {
    name: 'inbox settings, with errors',
    viewer: 'admin',
    path: '/staff/inbox/settings',
    status: 200,
    then: submitEmpty('Add status'),
    title: /^Error: Inbox settings – /,
  },

  // Meetings: reached from the lists, since meeting ids are made when the demo is seeded.
  {
    name: 'council meetings',
    viewer: 'anonymous',
    path: '/meetings',
    status: 200,
    title: /^Council meetings – /,
  },
  {
    name: 'a meeting (agenda, stream, questions)',
    viewer: 'anonymous',
    path: '/meetings',
    status: 200,
    then: async (page) => clickAndLoad(page, page.getByRole('link', { name: 'Full Council' }).first()),
    title: /^Full Council – /,
  },
  {
    name: 'ask a question, with errors',
    viewer: 'anonymous',
    path: '/meetings',
    status: 200,
    then: async (page) => {
      await clickAndLoad(page, page.getByRole('link', { name: 'Full Council' }).first());
      await clickAndLoad(page, page.getByRole('button', { name: 'Ask a question' }));
      await clickAndLoad(page, page.getByRole('button', { name: 'Send question' }));
    },
    title: /^Error: Ask a question – Full Council – /,
  },
  {
    name: 'live questions wall',
    viewer: 'anonymous',
    path: '/meetings',
    status: 200,
    then: async (page) => {
      await clickAndLoad(page, page.getByRole('link', { name: 'Full Council' }).first());
      await clickAndLoad(page, page.getByRole('link', { name: 'Follow the questions live' }));
    },
    title: /^Live questions – Full Council – /,
  },
  {
    name: 'meeting archive (questions and answers)',
    viewer: 'anonymous',
    path: '/meetings',
    status: 200,
    then: async (page) =>
      clickAndLoad(page, page.getByRole('link', { name: /questions and answers/ }).first()),
    title: /^Questions and answers – Full Council – /,
  },
  { name: 'staff meetings', viewer: 'admin', path: '/staff/meetings', status: 200, title: /^Meetings – / },
  {
    name: 'add a meeting, with errors',
    viewer: 'admin',
    path: '/staff/meetings/new',
    status: 200,
    then: submitEmpty('Save meeting'),
    title: /^Error: Add a meeting – /,
  },
  {
    name: 'question rules',
    viewer: 'admin',
    path: '/staff/meetings/settings',
    status: 200,
    title: /^Question rules – /,
  },
  {
    name: 'import from ModernGov, with errors',
    viewer: 'admin',
    path: '/staff/meetings/import',
    status: 200,
    then: submitEmpty('Import'),
    title: /^Error: Import from ModernGov – /,
  },
  {
    name: 'staff meeting page',
    viewer: 'admin',
    path: '/staff/meetings',
    status: 200,
    then: async (page) => clickAndLoad(page, page.getByRole('link', { name: 'Full Council' }).first()),
    title: /^Full Council – /,
  },
  {
    name: 'moderation queue',
    viewer: 'admin',
    path: '/staff/meetings',
    status: 200,
    then: async (page) => {
      await clickAndLoad(page, page.getByRole('link', { name: 'Full Council' }).first());
      await clickAndLoad(page, page.getByRole('link', { name: 'Moderate questions' }));
    },
    title: /^Moderation – Full Council – /,
  },
  {
    // Reached from a question that came by text message (demo content) and its conversation.
    name: 'file a conversation as a meeting question, with errors',
    viewer: 'admin',
    path: '/staff/meetings',
    status: 200,
    then: async (page) => {
      await clickAndLoad(page, page.getByRole('link', { name: 'Full Council' }).first());
      await clickAndLoad(page, page.getByRole('link', { name: 'Moderate questions' }));
      await clickAndLoad(page, page.getByRole('link', { name: /Open the notify conversation/ }).first());
      const conversationId = new URL(page.url()).pathname.split('/').pop() ?? '';
      await page.goto(`/staff/meetings/from-inbox/${conversationId}`);
      await clickAndLoad(page, page.getByRole('button', { name: 'File the question' }));
    },
    title: /^Error: File as a question for a meeting – /,
  },
  {
    name: 'chair’s view',
    viewer: 'admin',
    path: '/staff/meetings',
    status: 200,
    then: async (page) => {
      await clickAndLoad(page, page.getByRole('link', { name: 'Full Council' }).first());
      await clickAndLoad(page, page.getByRole('link', { name: 'Chair’s view' }));
    },
    title: /^Chair’s view – Full Council – /,
  },

  // Publishing: templates and drafting from a list.
  {
    name: 'post templates',
    viewer: 'admin',
    path: '/staff/publishing/templates',
    status: 200,
    title: /^Post templates – /,
  },
  {
    name: 'start from a template, with errors',
    viewer: 'admin',
    path: '/staff/publishing/templates/use?template=',
    status: 400,
    title: /^Error: Start from a template – /,
  },
  {
    name: 'fill in the roadworks template',
    viewer: 'admin',
    path: '/staff/publishing/templates/use?template=roadworks',
    status: 200,
    title: /^Roadworks: fill in the template – /,
  },
  {
    name: 'fill in the roadworks template, with errors',
    viewer: 'admin',
    path: '/staff/publishing/templates/use?template=roadworks',
    status: 200,
    then: submitEmpty('Write the post'),
    title: /^Error: Roadworks: fill in the template – /,
  },
  {
    name: 'composer prefilled from the event template',
    viewer: 'admin',
    path: '/staff/publishing/templates/use?template=event',
    status: 200,
    then: async (page) => {
      await page.getByLabel('Name of the event').fill('Spring fair');
      await page.getByLabel('Day').fill('20');
      await page.getByLabel('Month').fill('3');
      await page.getByLabel('Year').fill('2027');
      await page.getByLabel('Start time').fill('10:00');
      await page.getByLabel('Finish time').fill('16:00');
      await page.getByLabel('Venue').fill('Imperial Gardens');
      await clickAndLoad(page, page.getByRole('button', { name: 'Write the post' }));
    },
    title: /^New post – /,
  },
  {
    name: 'template wording',
    viewer: 'admin',
    path: '/staff/publishing/templates/wording?template=weather',
    status: 200,
    title: /^Severe weather: wording – /,
  },
  {
    name: 'draft posts from a list',
    viewer: 'admin',
    path: '/staff/publishing/import',
    status: 200,
    title: /^Draft posts from a list – /,
  },
  {
    name: 'draft posts from a list, with errors',
    viewer: 'admin',
    path: '/staff/publishing/import',
    status: 200,
    then: submitEmpty('Import'),
    title: /^Error: Draft posts from a list – /,
  },
  {
    name: 'an import’s drafts (the demo roadworks list)',
    viewer: 'admin',
    path: '/staff/publishing/import',
    status: 200,
    then: async (page) => clickAndLoad(page, page.getByRole('link', { name: 'street-manager-export.csv' })),
    title: /^Roadworks list imported – /,
  },

  // Publishing: the public site (posts come from the demo seed) and the staff console. The
  // bilingual composer, a post published to three networks and incident mode's review are
  // scanned in e2e/publishing.test.ts, which makes them.
  { name: 'news and alerts', viewer: 'anonymous', path: '/news', status: 200, title: /^News and alerts – / },
  { name: 'alerts', viewer: 'anonymous', path: '/alerts', status: 200, title: /^Alerts – / },
  {
    name: 'a news post',
    viewer: 'anonymous',
    path: '/news',
    status: 200,
    then: async (page) =>
      clickAndLoad(page, page.getByRole('link', { name: 'Garden waste collections restart in March' })),
    title: /^Garden waste collections restart in March – /,
  },
  { name: 'publishing', viewer: 'admin', path: '/staff/publishing', status: 200, title: /^Publishing – / },
  {
    name: 'publishing, filtered',
    viewer: 'admin',
    path: '/staff/publishing?status=failed',
    status: 200,
    title: /^Publishing – /,
  },
  { name: 'new post', viewer: 'admin', path: '/staff/publishing/new', status: 200, title: /^New post – / },
  {
    name: 'new post, with errors',
    viewer: 'admin',
    path: '/staff/publishing/new',
    status: 200,
    then: submitEmpty('Save draft'),
    title: /^Error: New post – /,
  },
  {
    name: 'a published post with metrics',
    viewer: 'admin',
    path: '/staff/publishing',
    status: 200,
    then: async (page) =>
      clickAndLoad(page, page.getByRole('link', { name: 'Christmas and New Year bin collection dates' })),
    title: /^Christmas and New Year bin collection dates – /,
  },
  {
    name: 'a post that failed on one channel',
    viewer: 'admin',
    path: '/staff/publishing?status=failed',
    status: 200,
    then: async (page) =>
      clickAndLoad(
        page,
        page.getByRole('table').getByRole('link', { name: 'Council tax: set up a Direct Debit online' }),
      ),
    title: /^Council tax: set up a Direct Debit online – /,
  },
  {
    name: 'media library',
    viewer: 'admin',
    path: '/staff/publishing/media',
    status: 200,
    title: /^Media library – /,
  },
  {
    name: 'media library, with errors',
    viewer: 'admin',
    path: '/staff/publishing/media',
    status: 200,
    then: submitEmpty('Add image'),
    title: /^Error: Media library – /,
  },
  {
    name: 'publishing record',
    viewer: 'admin',
    path: '/staff/publishing/records',
    status: 200,
    title: /^Publishing record – /,
  },
  {
    name: 'incident mode',
    viewer: 'admin',
    path: '/staff/publishing/incident',
    status: 200,
    title: /^Incident mode – /,
  },
  {
    name: 'incident mode, with errors',
    viewer: 'admin',
    path: '/staff/publishing/incident',
    status: 200,
    then: submitEmpty('Start incident mode'),
    title: /^Error: Incident mode – /,
  },
  {
    name: 'content calendar, week',
    viewer: 'admin',
    path: '/staff/publishing/calendar',
    status: 200,
    title: /^Content calendar: Week of /,
  },
  {
    name: 'content calendar, month',
    viewer: 'admin',
    path: '/staff/publishing/calendar?view=month',
    status: 200,
    title: /^Content calendar: [A-Z][a-z]+ \d{4} – /,
  },
  {
    name: 'content calendar, filtered',
    viewer: 'admin',
    path: '/staff/publishing/calendar?view=month&service=Bins+and+recycling&status=scheduled',
    status: 200,
    title: /^Content calendar: /,
  },
  {
    name: 'content calendar, a move refused',
    viewer: 'admin',
    path: '/staff/publishing/calendar',
    status: 200,
    // Next week always holds one of the demo's seven daily posts; moving it into 2020 is refused.
    then: async (page) => {
      await clickAndLoad(page, page.getByRole('link', { name: 'Next week' }));
      const post = page.locator('[data-movable="true"]').first();
      await post.locator('summary').click();
      await post.getByLabel('Year').fill('2020');
      await clickAndLoad(page, post.getByRole('button', { name: 'Move post' }));
    },
    title: /^Error: Content calendar: Week of /,
  },

  // Errors.
  {
    name: 'staff page not found',
    viewer: 'admin',
    path: '/staff/no-such-page',
    status: 404,
    title: /^Page not found – /,
  },
  {
    name: 'permission denied (an agent visiting users)',
    viewer: 'agent',
    path: '/staff/users',
    status: 403,
    title: /^You do not have permission to view this page – /,
  },
];
