export {
  AccountsService,
  AccountsError,
  type StaffUser,
  type SignInResult,
  type AccountsOptions,
} from './accounts.service.ts';
export { recordAudit, type Actor, type AuditEntry } from './audit.ts';
export { roles, roleLabels, can, isRole, permissions, type Role, type Permission } from './roles.ts';
export { hashPassword } from './passwords.ts';
export { registerAccountRoutes } from './accounts.routes.ts';
export { accountPaths } from './accounts.paths.ts';
