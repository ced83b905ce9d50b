/**
 * Roles and what each may do. Least privilege: a role gets only the permissions its work
 * needs; the service manager reads insights and changes nothing.
 */
export const roles = ['admin', 'comms', 'agent', 'moderator', 'manager'] as const;
export type Role = (typeof roles)[number];

export const roleLabels: Record<Role, string> = {
  admin: 'Administrator',
  comms: 'Communications officer',
  agent: 'Contact centre agent',
  moderator: 'Meeting moderator',
  manager: 'Service manager (read-only insights)',
};

export const permissions = [
  'users.manage',
  'audit.read',
  'channels.manage',
  'publishing.write',
  'publishing.approve',
  'inbox.work',
  'meetings.moderate',
  'insights.read',
  'tokens.own',
] as const;
export type Permission = (typeof permissions)[number];

const grants: Record<Role, readonly Permission[]> = {
  admin: permissions,
  comms: ['channels.manage', 'publishing.write', 'publishing.approve', 'insights.read', 'tokens.own'],
  agent: ['inbox.work', 'tokens.own'],
  moderator: ['meetings.moderate', 'tokens.own'],
  manager: ['insights.read', 'tokens.own'],
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (roles as readonly string[]).includes(value);
}

/** @example can('agent', 'audit.read') // false */
export function can(role: Role, permission: Permission): boolean {
  return grants[role].includes(permission);
}
