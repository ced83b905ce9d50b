/**
 * What Townsquare offers, for the public home page and the staff dashboard. An entry gets a
 * path when its module ships; until then it is listed honestly as not available yet.
 */
type Entry = { name: string; description: string; path?: string };

export const moduleCatalogue: { public: Entry[]; staff: Entry[] } = {
  public: [
    {
      name: 'News and alerts',
      description: 'Council news, roadworks, travel and emergency alerts, with feeds.',
      path: '/news',
    },
    {
      name: 'Council meetings',
      description: 'Watch meetings live, read agendas and ask a question.',
      path: '/meetings',
    },
    { name: 'Bin days', description: 'Find your collection days and get reminders.' },
    {
      name: 'Report a problem',
      description: 'Report a missed bin, fly-tipping, potholes and other street problems.',
    },
    { name: 'Contact us', description: 'Send the council a message and get a reference.' },
    {
      name: 'Accessibility statement',
      description: 'How accessible this website is.',
      path: '/accessibility',
    },
  ],
  staff: [
    {
      name: 'Inbox',
      description: 'Every message from residents on every channel, triaged and routed.',
      path: '/staff/inbox',
    },
    {
      name: 'Publishing',
      description: 'Compose, approve and schedule posts to every channel.',
      path: '/staff/publishing',
    },
    {
      name: 'Meetings',
      description: 'Agendas, live questions and the public wall.',
      path: '/staff/meetings',
    },
    {
      name: 'Channels',
      description: 'Connected social media, email and SMS accounts.',
      path: '/staff/channels',
    },
    { name: 'Insights', description: 'Volumes, sentiment, response times and satisfaction.' },
    { name: 'Users', description: 'Who has access and with which role.', path: '/staff/users' },
    { name: 'Audit log', description: 'Every change made by staff.', path: '/staff/audit' },
    { name: 'Your account', description: 'Password and personal API tokens.', path: '/staff/account' },
  ],
};
