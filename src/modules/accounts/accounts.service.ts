/**
 * Staff accounts: sign-in with lock-out, server-side sessions, passwords, users and personal
 * API tokens. Every method takes the council explicitly and runs inside `withCouncil`, so
 * row-level security applies even if a caller passes the wrong id.
 */
import { isUuid, sql, withCouncil, type Db, type Tx } from '../../db/index.ts';
import { recordAudit, listAudit, listAuditActions, type Actor, type AuditFilter } from './audit.ts';
import { decoyHash, hashPassword, passwordProblems, verifyPassword } from './passwords.ts';
import { isRole, type Role } from './roles.ts';
import { digest, newApiToken, newSecret } from './tokens.ts';

export type StaffUser = { id: string; councilId: string; email: string; name: string; role: Role };

export type SignInResult =
  | { ok: true; sessionToken: string; user: StaffUser; expiresAt: Date }
  | { ok: false; reason: 'invalid' | 'locked' };

export type FieldErrors = Partial<Record<string, string>>;

export class AccountsError extends Error {
  constructor(
    readonly kind: 'validation' | 'not_found' | 'conflict',
    readonly fieldErrors: FieldErrors = {},
  ) {
    super(kind);
  }
}

export type AccountsOptions = { sessionHours: number; maxFailedSignIns: number; lockMinutes: number };

const defaults: AccountsOptions = { sessionHours: 12, maxFailedSignIns: 5, lockMinutes: 15 };

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

type UserRow = { id: string; council_id: string; email: string; name: string; role: string };

function toStaffUser(row: UserRow): StaffUser {
  if (!isRole(row.role)) throw new Error(`unknown role ${row.role}`);
  return { id: row.id, councilId: row.council_id, email: row.email, name: row.name, role: row.role };
}

export class AccountsService {
  private readonly options: AccountsOptions;

  constructor(
    private readonly db: Db,
    options: Partial<AccountsOptions> = {},
  ) {
    this.options = { ...defaults, ...options };
  }

  async signIn(
    councilId: string,
    email: string,
    password: string,
    meta: { userAgent?: string; requestId?: string } = {},
  ): Promise<SignInResult> {
    const normalised = email.trim().toLowerCase();
    return withCouncil(this.db, councilId, async (tx) => {
      const user = await tx
        .selectFrom('users')
        .selectAll()
        .where('email', '=', normalised)
        .where('disabled_at', 'is', null)
        .forUpdate()
        .executeTakeFirst();
      if (!user) {
        await verifyPassword(await decoyHash, password);
        return { ok: false, reason: 'invalid' };
      }
      const actor: Actor = { councilId, userId: user.id, label: user.email, requestId: meta.requestId };
      if (user.locked_until && user.locked_until > new Date()) return { ok: false, reason: 'locked' };
      if (!(await verifyPassword(user.password_hash, password))) {
        const failures = user.failed_sign_ins + 1;
        const isLocking = failures >= this.options.maxFailedSignIns;
        const lockedUntil = isLocking ? new Date(Date.now() + this.options.lockMinutes * 60_000) : null;
        await tx
          .updateTable('users')
          .set({ failed_sign_ins: isLocking ? 0 : failures, locked_until: lockedUntil })
          .where('id', '=', user.id)
          .execute();
        if (isLocking) {
          await recordAudit(tx, actor, {
            action: 'user.locked',
            entityType: 'user',
            entityId: user.id,
            after: { lockedUntil, failedSignIns: failures },
          });
          return { ok: false, reason: 'locked' };
        }
        return { ok: false, reason: 'invalid' };
      }
      await tx
        .updateTable('users')
        .set({ failed_sign_ins: 0, locked_until: null })
        .where('id', '=', user.id)
        .execute();
      const sessionToken = newSecret();
      const expiresAt = new Date(Date.now() + this.options.sessionHours * 3_600_000);
      await tx
        .insertInto('sessions')
        .values({
          id: digest(sessionToken),
          council_id: councilId,
          user_id: user.id,
          expires_at: expiresAt,
          user_agent: meta.userAgent?.slice(0, 300) ?? null,
        })
        .execute();
      await recordAudit(tx, actor, { action: 'session.sign_in', entityType: 'user', entityId: user.id });
      return { ok: true, sessionToken, user: toStaffUser(user), expiresAt };
    });
  }

  async signOut(councilId: string, sessionToken: string, actor: Actor): Promise<void> {
    await withCouncil(this.db, councilId, async (tx) => {
      const removed = await tx
        .deleteFrom('sessions')
        .where('id', '=', digest(sessionToken))
        .executeTakeFirst();
      if (removed.numDeletedRows > 0n) {
        await recordAudit(tx, actor, {
          action: 'session.sign_out',
          entityType: 'user',
          entityId: actor.userId,
        });
      }
    });
  }

  /**
   * The signed-in user for a session cookie, or undefined when absent, expired or disabled.
   * One round trip (auth_session_user, migration 0003): it runs on every staff request.
   */
  async userForSession(councilId: string, sessionToken: string): Promise<StaffUser | undefined> {
    const { rows } =
      await sql<UserRow>`SELECT * FROM auth_session_user(${councilId}, ${digest(sessionToken)})`.execute(
        this.db,
      );
    return rows[0] ? toStaffUser(rows[0]) : undefined;
  }

  /** The user behind a bearer API token, or undefined when unknown or revoked. One round trip. */
  async userForApiToken(councilId: string, token: string): Promise<StaffUser | undefined> {
    if (!/^ts_[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    const { rows } =
      await sql<UserRow>`SELECT * FROM auth_token_user(${councilId}, ${digest(token)})`.execute(this.db);
    return rows[0] ? toStaffUser(rows[0]) : undefined;
  }

  async changePassword(actor: Actor, current: string, next: string, confirm: string): Promise<void> {
    if (!actor.userId) throw new AccountsError('not_found');
    const userId = actor.userId;
    await withCouncil(this.db, actor.councilId, async (tx) => {
      const user = await tx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
      if (!user) throw new AccountsError('not_found');
      const errors: FieldErrors = {};
      if (!current) errors.currentPassword = 'Enter your current password';
      else if (!(await verifyPassword(user.password_hash, current)))
        errors.currentPassword = 'The current password is not right';
      const problems = next ? passwordProblems(next, user.email) : ['Enter a new password'];
      if (problems[0]) errors.newPassword = problems[0];
      else if (next !== confirm) errors.confirmPassword = 'The passwords do not match';
      if (Object.keys(errors).length > 0) throw new AccountsError('validation', errors);
      await tx
        .updateTable('users')
        .set({
          password_hash: await hashPassword(next),
          password_changed_at: new Date(),
          updated_at: new Date(),
        })
        .where('id', '=', userId)
        .execute();
      // Other sessions end: a changed password must lock out whoever knew the old one.
      await tx.deleteFrom('sessions').where('user_id', '=', userId).execute();
      await recordAudit(tx, actor, { action: 'user.password_changed', entityType: 'user', entityId: userId });
    });
  }

  async createUser(
    actor: Actor,
    input: { email: string; name: string; role: string; password: string },
  ): Promise<StaffUser> {
    const email = input.email.trim().toLowerCase();
    const name = input.name.trim();
    const errors: FieldErrors = {};
    if (!email) errors.email = 'Enter an email address';
    else if (!emailPattern.test(email))
      errors.email = 'Enter an email address in the correct format, like name@example.com';
    if (!name) errors.name = 'Enter a name';
    else if (name.length > 100) errors.name = 'Name must be 100 characters or fewer';
    if (!isRole(input.role)) errors.role = 'Select a role';
    const problems = passwordProblems(input.password, email);
    if (problems[0]) errors.password = problems[0];
    if (Object.keys(errors).length > 0) throw new AccountsError('validation', errors);
    const passwordHash = await hashPassword(input.password);
    return withCouncil(this.db, actor.councilId, async (tx) => {
      const existing = await tx
        .selectFrom('users')
        .select('id')
        .where('email', '=', email)
        .executeTakeFirst();
      if (existing)
        throw new AccountsError('conflict', { email: 'A user with this email address already exists' });
      const row = await tx
        .insertInto('users')
        .values({ council_id: actor.councilId, email, name, role: input.role, password_hash: passwordHash })
        .returningAll()
        .executeTakeFirstOrThrow();
      const user = toStaffUser(row);
      await recordAudit(tx, actor, {
        action: 'user.created',
        entityType: 'user',
        entityId: user.id,
        after: user,
      });
      return user;
    });
  }

  async changeRole(actor: Actor, userId: string, role: string): Promise<void> {
    if (!isRole(role)) throw new AccountsError('validation', { role: 'Select a role' });
    await withCouncil(this.db, actor.councilId, async (tx) => {
      const before = await this.findUser(tx, userId);
      if (actor.userId === userId && role !== 'admin')
        throw new AccountsError('validation', { role: 'You cannot remove your own administrator role' });
      await tx.updateTable('users').set({ role, updated_at: new Date() }).where('id', '=', userId).execute();
      await recordAudit(tx, actor, {
        action: 'user.role_changed',
        entityType: 'user',
        entityId: userId,
        before: { role: before.role },
        after: { role },
      });
    });
  }

  async setDisabled(actor: Actor, userId: string, isDisabled: boolean): Promise<void> {
    await withCouncil(this.db, actor.councilId, async (tx) => {
      const before = await this.findUser(tx, userId);
      if (actor.userId === userId)
        throw new AccountsError('validation', { user: 'You cannot disable yourself' });
      await tx
        .updateTable('users')
        .set({ disabled_at: isDisabled ? new Date() : null, updated_at: new Date() })
        .where('id', '=', userId)
        .execute();
      if (isDisabled) await tx.deleteFrom('sessions').where('user_id', '=', userId).execute();
      await recordAudit(tx, actor, {
        action: isDisabled ? 'user.disabled' : 'user.enabled',
        entityType: 'user',
        entityId: userId,
        before: { email: before.email },
      });
    });
  }

  private async findUser(tx: Tx, userId: string): Promise<StaffUser> {
    if (!isUuid(userId)) throw new AccountsError('not_found');
    const row = await tx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
    if (!row) throw new AccountsError('not_found');
    return toStaffUser(row);
  }

  async findUserByEmail(councilId: string, email: string): Promise<StaffUser | undefined> {
    return withCouncil(this.db, councilId, async (tx) => {
      const row = await tx
        .selectFrom('users')
        .selectAll()
        .where('email', '=', email.trim().toLowerCase())
        .executeTakeFirst();
      return row ? toStaffUser(row) : undefined;
    });
  }

  async listUsers(councilId: string): Promise<(StaffUser & { isDisabled: boolean; isLocked: boolean })[]> {
    return withCouncil(this.db, councilId, async (tx) => {
      const rows = await tx.selectFrom('users').selectAll().orderBy('name').execute();
      return rows.map((r) => ({
        ...toStaffUser(r),
        isDisabled: r.disabled_at !== null,
        isLocked: r.locked_until !== null && r.locked_until > new Date(),
      }));
    });
  }

  /** Creates a personal API token; the secret is returned once and never again. */
  async createApiToken(actor: Actor, name: string): Promise<{ id: string; token: string }> {
    const label = name.trim();
    if (!label) throw new AccountsError('validation', { name: 'Enter a name for the token' });
    if (label.length > 80)
      throw new AccountsError('validation', { name: 'Name must be 80 characters or fewer' });
    if (!actor.userId) throw new AccountsError('not_found');
    const userId = actor.userId;
    const { token, prefix, hash } = newApiToken();
    return withCouncil(this.db, actor.councilId, async (tx) => {
      const row = await tx
        .insertInto('api_tokens')
        .values({ council_id: actor.councilId, user_id: userId, name: label, token_hash: hash, prefix })
        .returning('id')
        .executeTakeFirstOrThrow();
      await recordAudit(tx, actor, {
        action: 'api_token.created',
        entityType: 'api_token',
        entityId: row.id,
        after: { name: label, prefix },
      });
      return { id: row.id, token };
    });
  }

  async listApiTokens(councilId: string, userId: string) {
    return withCouncil(this.db, councilId, (tx) =>
      tx
        .selectFrom('api_tokens')
        .select(['id', 'name', 'prefix', 'created_at', 'last_used_at', 'revoked_at'])
        .where('user_id', '=', userId)
        .orderBy('created_at', 'desc')
        .execute(),
    );
  }

  async revokeApiToken(actor: Actor, tokenId: string): Promise<void> {
    if (!actor.userId || !isUuid(tokenId)) throw new AccountsError('not_found');
    const userId = actor.userId;
    await withCouncil(this.db, actor.councilId, async (tx) => {
      const result = await tx
        .updateTable('api_tokens')
        .set({ revoked_at: new Date() })
        .where('id', '=', tokenId)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw new AccountsError('not_found');
      await recordAudit(tx, actor, {
        action: 'api_token.revoked',
        entityType: 'api_token',
        entityId: tokenId,
      });
    });
  }

  async listAudit(councilId: string, filter: AuditFilter) {
    return withCouncil(this.db, councilId, async (tx) => ({
      events: await listAudit(tx, filter),
      actions: await listAuditActions(tx),
    }));
  }

  /** Housekeeping: expired sessions are deleted (a cron job calls this per council). */
  async purgeExpiredSessions(councilId: string): Promise<number> {
    return withCouncil(this.db, councilId, async (tx) => {
      const r = await tx.deleteFrom('sessions').where('expires_at', '<', new Date()).executeTakeFirst();
      return Number(r.numDeletedRows);
    });
  }
}
