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

/** From a list of meetings: opens Full Council, then follows each link named, in turn. */
const intoFullCouncil =
  (...links: (string | RegExp)[]) =>
  async (page: Page) => {
    await clickAndLoad(page, page.getByRole('link', { name: 'Full Council' }).first());
    for (const name of links) await clickAndLoad(page, page.getByRole('link', { name }));
  };

/** One of a viewer's pages, answering 200 unless it says otherwise. */
type Row = {
  name: string;
  path: string;
  status?: number;
  then?: (page: Page) => Promise<void>;
} & (
  | {
      /** The page's own title, which the layout follows with " – " and the council's name. */
      title: string;
      /** The form's main button: the page is scanned again after submitting it empty, with errors. */
      withErrors?: string;
    }
  | {
      /** A pattern for the whole title, where the page's own part varies (a date). */
      title: RegExp;
      withErrors?: never;
    }
);

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const titled = (title: string) => new RegExp(`^${escapeRegExp(title)} – `);

/** The rows as `viewer` sees them, each form followed by its error state. */
const seenBy = (viewer: Viewer, rows: Row[]): ScannedPage[] =>
  rows.flatMap(({ name, path, status = 200, then, title, withErrors }) => {
    const page = {
      name,
      viewer,
      path,
      status,
      then,
      title: typeof title === 'string' ? titled(title) : title,
    };
    if (!withErrors || typeof title !== 'string') return [page];
    const withErrorsShown = async (p: Page) => {
      await then?.(p);
      await submitEmpty(withErrors)(p);
    };
    return [
      page,
      { ...page, name: `${name}, with errors`, then: withErrorsShown, title: titled(`Error: ${title}`) },
    ];
  });

export const scannedPages: ScannedPage[] = [
  ...seenBy('anonymous', [
    // Public site.
    { name: 'home', path: '/', title: 'Home' },
    { name: 'accessibility statement', path: '/accessibility', title: 'Accessibility statement' },
    { name: 'page not found', path: '/no-such-page', status: 404, title: 'Page not found' },
    // Signing in.
    { name: 'sign in', path: '/staff/sign-in', title: 'Sign in', withErrors: 'Sign in' },
  ]),

  // Staff console: accounts.
  ...seenBy('admin', [
    { name: 'staff dashboard', path: '/staff', title: 'Staff console' },
    { name: 'your account', path: '/staff/account', title: 'Your account' },
    {
      name: 'change password',
      path: '/staff/account/password',
      title: 'Change your password',
      withErrors: 'Change password',
    },
    { name: 'API tokens', path: '/staff/account/tokens', title: 'API tokens', withErrors: 'Create token' },
    {
      name: 'API tokens, after creating one',
      path: '/staff/account/tokens',
      then: async (page) => {
        await page.getByLabel('Token name').fill('Accessibility scan');
        await clickAndLoad(page, page.getByRole('button', { name: 'Create token' }));
        await page.locator('#new-token').waitFor();
      },
      title: 'API tokens',
    },
    { name: 'users', path: '/staff/users', title: 'Users' },
    { name: 'add a user', path: '/staff/users/new', title: 'Add a user', withErrors: 'Add user' },
    { name: 'audit log', path: '/staff/audit', title: 'Audit log' },
  ]),

  // Staff console: channels. Add the connect form per network (and its error state) as
  // connectors join the registry.
  ...seenBy('admin', [
    { name: 'channels', path: '/staff/channels', title: 'Channels' },
    { name: 'connect a channel account', path: '/staff/channels/connect', title: 'Connect an account' },
    {
      // Signing in, or pasting a token.
      name: 'connect Mastodon',
      path: '/staff/channels/connect?kind=mastodon',
      title: 'Connect Mastodon',
      withErrors: 'Sign in to Mastodon',
    },
    {
      name: 'OAuth sign-in that failed',
      path: '/staff/channels/oauth/mastodon/callback?code=x&state=not-a-state',
      status: 400,
      title: 'Error: The account was not connected',
    },
  ]),

  // Staff console: inbox. The conversation page is scanned in e2e/inbox.test.ts, which has one.
  ...seenBy('agent', [
    { name: 'inbox queue', path: '/staff/inbox', title: 'Inbox' },
    { name: 'inbox queue, filtered', path: '/staff/inbox?q=bin&urgency=high&sla=breached', title: 'Inbox' },
    { name: 'inbox mentions', path: '/staff/inbox/mentions', title: 'Mentions' },
  ]),
  ...seenBy('admin', [
    {
      name: 'inbox settings',
      path: '/staff/inbox/settings',
      title: 'Inbox settings',
      withErrors: 'Add status',
    },
  ]),

  // Meetings: reached from the lists, since meeting ids are made when the demo is seeded.
  ...seenBy('anonymous', [
    { name: 'council meetings', path: '/meetings', title: 'Council meetings' },
    {
      name: 'a meeting (agenda, stream, questions)',
      path: '/meetings',
      then: intoFullCouncil(),
      title: 'Full Council',
    },
    {
      name: 'ask a question',
      path: '/meetings',
      then: async (page) => {
        await intoFullCouncil()(page);
        await clickAndLoad(page, page.getByRole('button', { name: 'Ask a question' }));
      },
      title: 'Ask a question – Full Council',
      withErrors: 'Send question',
    },
    {
      name: 'live questions wall',
      path: '/meetings',
      then: intoFullCouncil('Follow the questions live'),
      title: 'Live questions – Full Council',
    },
    {
      name: 'meeting archive (questions and answers)',
      path: '/meetings',
      then: async (page) =>
        clickAndLoad(page, page.getByRole('link', { name: /questions and answers/ }).first()),
      title: 'Questions and answers – Full Council',
    },
  ]),
  ...seenBy('admin', [
    { name: 'staff meetings', path: '/staff/meetings', title: 'Meetings' },
    {
      name: 'add a meeting',
      path: '/staff/meetings/new',
      title: 'Add a meeting',
      withErrors: 'Save meeting',
    },
    { name: 'question rules', path: '/staff/meetings/settings', title: 'Question rules' },
    {
      name: 'import from ModernGov',
      path: '/staff/meetings/import',
      title: 'Import from ModernGov',
      withErrors: 'Import',
    },
    { name: 'staff meeting page', path: '/staff/meetings', then: intoFullCouncil(), title: 'Full Council' },
    {
      name: 'moderation queue',
      path: '/staff/meetings',
      then: intoFullCouncil('Moderate questions'),
      title: 'Moderation – Full Council',
    },
    {
      // Reached from a question that came by text message (demo content) and its conversation.
      name: 'file a conversation as a meeting question, with errors',
      path: '/staff/meetings',
      then: async (page) => {
        await intoFullCouncil('Moderate questions')(page);
        await clickAndLoad(page, page.getByRole('link', { name: /Open the notify conversation/ }).first());
        const conversationId = new URL(page.url()).pathname.split('/').pop() ?? '';
        await page.goto(`/staff/meetings/from-inbox/${conversationId}`);
        await clickAndLoad(page, page.getByRole('button', { name: 'File the question' }));
      },
      title: 'Error: File as a question for a meeting',
    },
    {
      name: 'chair’s view',
      path: '/staff/meetings',
      then: intoFullCouncil('Chair’s view'),
      title: 'Chair’s view – Full Council',
    },
  ]),

  // Publishing: templates and drafting from a list.
  ...seenBy('admin', [
    { name: 'post templates', path: '/staff/publishing/templates', title: 'Post templates' },
    {
      name: 'start from a template, with errors',
      path: '/staff/publishing/templates/use?template=',
      status: 400,
      title: 'Error: Start from a template',
    },
    {
      name: 'fill in the roadworks template',
      path: '/staff/publishing/templates/use?template=roadworks',
      title: 'Roadworks: fill in the template',
      withErrors: 'Write the post',
    },
    {
      name: 'composer prefilled from the event template',
      path: '/staff/publishing/templates/use?template=event',
      then: async (page) => {
        await page.getByLabel('Name of the event').fill('Spring fair');
        // The first day: an event may also have a last day, a second date.
        const date = page.getByRole('group', { name: 'Date', exact: true });
        await date.getByLabel('Day').fill('20');
        await date.getByLabel('Month').fill('3');
        await date.getByLabel('Year').fill('2027');
        // A weekend event, so the composer's own "Last day" is scanned filled in.
        const lastDay = page.getByRole('group', { name: 'Last day (optional)', exact: true });
        await lastDay.getByLabel('Day').fill('21');
        await lastDay.getByLabel('Month').fill('3');
        await lastDay.getByLabel('Year').fill('2027');
        await page.getByLabel('Start time').fill('10:00');
        await page.getByLabel('Finish time').fill('16:00');
        await page.getByLabel('Venue').fill('Imperial Gardens');
        await clickAndLoad(page, page.getByRole('button', { name: 'Write the post' }));
      },
      title: 'New post',
    },
    {
      name: 'template wording',
      path: '/staff/publishing/templates/wording?template=weather',
      title: 'Severe weather: wording',
    },
    {
      name: 'draft posts from a list',
      path: '/staff/publishing/import',
      title: 'Draft posts from a list',
      withErrors: 'Import',
    },
    {
      name: 'an import’s drafts (the demo roadworks list)',
      path: '/staff/publishing/import',
      then: async (page) => clickAndLoad(page, page.getByRole('link', { name: 'street-manager-export.csv' })),
      title: 'Roadworks list imported',
    },
  ]),

  // Publishing: the public site (posts come from the demo seed) and the staff console. The
  // bilingual composer, a post published to three networks and incident mode's review are
  // scanned in e2e/publishing.test.ts, which makes them.
  ...seenBy('anonymous', [
    { name: 'news and alerts', path: '/news', title: 'News and alerts' },
    { name: 'alerts', path: '/alerts', title: 'Alerts' },
    {
      name: 'a news post',
      path: '/news',
      then: async (page) =>
        clickAndLoad(page, page.getByRole('link', { name: 'Garden waste collections restart in March' })),
      title: 'Garden waste collections restart in March',
    },
  ]),
  ...seenBy('admin', [
    { name: 'publishing', path: '/staff/publishing', title: 'Publishing' },
    { name: 'publishing, filtered', path: '/staff/publishing?status=failed', title: 'Publishing' },
    { name: 'new post', path: '/staff/publishing/new', title: 'New post', withErrors: 'Save draft' },
    {
      name: 'new event with a last day before its first day',
      path: '/staff/publishing/new',
      then: async (page) => {
        await page.getByLabel('Event', { exact: true }).check();
        await page.getByLabel('Title', { exact: true }).fill('Spring fair');
        const first = page.getByRole('group', { name: 'Date of the event' });
        await first.getByLabel('Day').fill('21');
        await first.getByLabel('Month').fill('3');
        await first.getByLabel('Year').fill('2027');
        await page.getByLabel('Starts at').fill('10:00');
        const last = page.getByRole('group', { name: /^Last day/u });
        await last.getByLabel('Day').fill('20');
        await last.getByLabel('Month').fill('3');
        await last.getByLabel('Year').fill('2027');
        await page.getByLabel('Finishes at').fill('16:00');
        await page.getByLabel('Where').fill('Imperial Gardens');
        await clickAndLoad(page, page.getByRole('button', { name: 'Save draft' }));
      },
      title: 'Error: New post',
    },
    {
      name: 'a published post with metrics',
      path: '/staff/publishing',
      then: async (page) =>
        clickAndLoad(page, page.getByRole('link', { name: 'Christmas and New Year bin collection dates' })),
      title: 'Christmas and New Year bin collection dates',
    },
    {
      name: 'a post that failed on one channel',
      path: '/staff/publishing?status=failed',
      then: async (page) =>
        clickAndLoad(
          page,
          page.getByRole('table').getByRole('link', { name: 'Council tax: set up a Direct Debit online' }),
        ),
      title: 'Council tax: set up a Direct Debit online',
    },
    {
      name: 'media library',
      path: '/staff/publishing/media',
      title: 'Media library',
      withErrors: 'Add image',
    },
    { name: 'publishing record', path: '/staff/publishing/records', title: 'Publishing record' },
    {
      name: 'incident mode',
      path: '/staff/publishing/incident',
      title: 'Incident mode',
      withErrors: 'Start incident mode',
    },
    {
      name: 'content calendar, week',
      path: '/staff/publishing/calendar',
      title: /^Content calendar: Week of /,
    },
    {
      name: 'content calendar, month',
      path: '/staff/publishing/calendar?view=month',
      title: /^Content calendar: [A-Z][a-z]+ \d{4} – /,
    },
    {
      name: 'content calendar, filtered',
      path: '/staff/publishing/calendar?view=month&service=Bins+and+recycling&status=scheduled',
      title: /^Content calendar: /,
    },
    {
      name: 'content calendar, a move refused',
      path: '/staff/publishing/calendar',
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
  ]),

  // Errors.
  ...seenBy('admin', [
    { name: 'staff page not found', path: '/staff/no-such-page', status: 404, title: 'Page not found' },
  ]),
  ...seenBy('agent', [
    {
      name: 'permission denied (an agent visiting users)',
      path: '/staff/users',
      status: 403,
      title: 'You do not have permission to view this page',
    },
  ]),
];
