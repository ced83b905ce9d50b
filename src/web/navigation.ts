/**
 * The staff console's navigation: what each role can reach. Modules add their entry here
 * when they ship, with the permission that guards their routes.
 */
import { can, type Permission, type StaffUser } from '../modules/accounts/index.ts';

type NavItem = { text: string; path: string; permission?: Permission };

export const staffNavItems: NavItem[] = [
  { text: 'Dashboard', path: '/staff' },
  { text: 'Inbox', path: '/staff/inbox', permission: 'inbox.work' },
  { text: 'Publishing', path: '/staff/publishing', permission: 'publishing.write' },
  { text: 'Channels', path: '/staff/channels', permission: 'channels.manage' },
  { text: 'Cases', path: '/staff/cases', permission: 'inbox.work' },
  { text: 'Meetings', path: '/staff/meetings', permission: 'meetings.moderate' },
  { text: 'Users', path: '/staff/users', permission: 'users.manage' },
  { text: 'Audit log', path: '/staff/audit', permission: 'audit.read' },
  { text: 'Your account', path: '/staff/account' },
];

export function staffNavigation(staff: StaffUser, base: string, url: string) {
  const current = url.split('?')[0] ?? '';
  const navigation = staffNavItems
    .filter((item) => !item.permission || can(staff.role, item.permission))
    .map((item) => ({
      text: item.text,
      href: `${base}${item.path}`,
      active: item.path === '/staff' ? current === '/staff' : current.startsWith(item.path),
    }));
  return {
    navigation,
    serviceName: 'Staff console',
    serviceUrl: `${base}/staff`,
    navigationLabel: 'Staff console',
  };
}
