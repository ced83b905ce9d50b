/**
 * Staff console pages for accounts: sign in and out, your account, users, API tokens and the
 * audit log; and their JSON API. Each handler: read and check input, call one service method,
 * render or redirect.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorList, field, type FieldErrors } from '../../web/forms.ts';
import { actorOf, flashNotice, seeOther } from '../../web/staff-routes.ts';
import { AccountsError, type AccountsService } from './accounts.service.ts';
import { accountPaths as paths } from './accounts.paths.ts';
import { roleLabels, roles } from './roles.ts';

export type AccountRouteOptions = {
  accounts: AccountsService;
  sessionCookie: string;
  secureCookies: boolean;
  /** The modules shown on the dashboard, with whether they are available yet. */
  modules: { name: string; description: string; path?: string }[];
};

const notices: Record<string, string> = {
  password: 'Your password has been changed',
  revoked: 'The token has been revoked',
  'user-created': 'The user has been created',
  'user-updated': 'The user has been updated',
};

const notice = (request: FastifyRequest) => flashNotice(request, notices);

function isValidationError(error: unknown): error is AccountsError {
  return error instanceof AccountsError && (error.kind === 'validation' || error.kind === 'conflict');
}

export function registerAccountRoutes(app: FastifyInstance, opts: AccountRouteOptions): void {
  const { accounts } = opts;
  const staffOnly = { preHandler: app.requireStaff() };

  // Sign in ---------------------------------------------------------------------------------
  app.get(paths.signIn, async (request, reply) => {
    if (request.staff) return seeOther(request, reply, paths.dashboard);
    return reply.render('accounts/views/sign-in.njk', {
      pageTitle: 'Sign in',
      values: {},
      errors: {},
      flash: notice(request),
    });
  });

  app.post(
    paths.signIn,
    { config: { rateLimit: { max: 10, timeWindow: '1 minute' } } },
    async (request, reply) => {
      const email = field(request.body, 'email').trim();
      const password = field(request.body, 'password');
      const errors: FieldErrors = {};
      if (!email) errors.email = 'Enter your email address';
      if (!password) errors.password = 'Enter your password';
      if (Object.keys(errors).length === 0) {
        const result = await accounts.signIn(request.council.id, email, password, {
          userAgent: request.headers['user-agent'],
          requestId: request.id,
        });
        if (result.ok) {
          reply.setCookie(opts.sessionCookie, result.sessionToken, {
            httpOnly: true,
            secure: opts.secureCookies,
            sameSite: 'lax',
            path: '/',
            expires: result.expiresAt,
          });
          const returnTo = safeReturn((request.query as Record<string, unknown>).returnTo);
          return seeOther(request, reply, returnTo ?? paths.dashboard);
        }
        errors.email =
          result.reason === 'locked'
            ? 'Your account is locked after too many failed attempts. Try again in 15 minutes or ask an administrator'
            : 'Enter a correct email address and password';
      }
      reply.code(400);
      return reply.render('accounts/views/sign-in.njk', {
        pageTitle: 'Sign in',
        values: { email },
        errors,
        errorList: errorList(errors, ['email', 'password']),
      });
    },
  );

  app.post(paths.signOut, staffOnly, async (request, reply) => {
    if (request.sessionToken)
      await accounts.signOut(request.council.id, request.sessionToken, actorOf(request));
    reply.clearCookie(opts.sessionCookie, { path: '/' });
    return seeOther(request, reply, paths.signIn);
  });

  // Dashboard and your account ----------------------------------------------------------------
  app.get(paths.dashboard, staffOnly, async (request, reply) =>
    reply.render('accounts/views/dashboard.njk', { pageTitle: 'Staff console', modules: opts.modules }),
  );

  app.get(paths.account, staffOnly, async (request, reply) =>
    reply.render('accounts/views/account.njk', {
      pageTitle: 'Your account',
      roleLabel: roleLabels[request.staff!.role],
      flash: notice(request),
    }),
  );

  app.get(paths.password, staffOnly, async (_request, reply) =>
    reply.render('accounts/views/password.njk', { pageTitle: 'Change your password', errors: {} }),
  );

  app.post(paths.password, staffOnly, async (request, reply) => {
    try {
      await accounts.changePassword(
        actorOf(request),
        field(request.body, 'currentPassword'),
        field(request.body, 'newPassword'),
        field(request.body, 'confirmPassword'),
      );
    } catch (error) {
      if (!isValidationError(error)) throw error;
      reply.code(400);
      return reply.render('accounts/views/password.njk', {
        pageTitle: 'Change your password',
        errors: error.fieldErrors,
        errorList: errorList(error.fieldErrors, ['currentPassword', 'newPassword', 'confirmPassword']),
      });
    }
    // Changing the password ends every session, this one too: sign in again with the new one.
    reply.clearCookie(opts.sessionCookie, { path: '/' });
    return seeOther(request, reply, paths.signIn, { done: 'password' });
  });

  // API tokens --------------------------------------------------------------------------------
  const renderTokens = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown>) =>
    reply.render('accounts/views/tokens.njk', {
      pageTitle: 'API tokens',
      tokens: await accounts.listApiTokens(request.council.id, request.staff!.id),
      errors: {},
      flash: notice(request),
      ...extra,
    });

  app.get(paths.tokens, staffOnly, async (request, reply) => renderTokens(request, reply, {}));

  app.post(paths.tokens, staffOnly, async (request, reply) => {
    try {
      const created = await accounts.createApiToken(actorOf(request), field(request.body, 'name'));
      return renderTokens(request, reply, { newToken: created.token });
    } catch (error) {
      if (!isValidationError(error)) throw error;
      reply.code(400);
      return renderTokens(request, reply, {
        errors: error.fieldErrors,
        errorList: errorList(error.fieldErrors),
        values: { name: field(request.body, 'name') },
      });
    }
  });

  app.post<{ Params: { tokenId: string } }>(paths.revokeToken, staffOnly, async (request, reply) => {
    try {
      await accounts.revokeApiToken(actorOf(request), request.params.tokenId);
    } catch (error) {
      if (error instanceof AccountsError && error.kind === 'not_found') return reply.callNotFound();
      throw error;
    }
    return seeOther(request, reply, paths.tokens, { done: 'revoked' });
  });

  // Users (administrators) --------------------------------------------------------------------
  const adminOnly = { preHandler: app.requireStaff('users.manage') };
  const roleItems = (selected?: string) =>
    roles.map((r) => ({ value: r, text: roleLabels[r], checked: r === selected }));

  app.get(paths.users, adminOnly, async (request, reply) =>
    reply.render('accounts/views/users.njk', {
      pageTitle: 'Users',
      users: await accounts.listUsers(request.council.id),
      roleLabels,
      flash: notice(request),
    }),
  );

  app.get(paths.newUser, adminOnly, async (_request, reply) =>
    reply.render('accounts/views/new-user.njk', {
      pageTitle: 'Add a user',
      values: {},
      errors: {},
      roleItems: roleItems(),
    }),
  );

  app.post(paths.newUser, adminOnly, async (request, reply) => {
    const values = {
      name: field(request.body, 'name'),
      email: field(request.body, 'email'),
      role: field(request.body, 'role'),
    };
    try {
      await accounts.createUser(actorOf(request), { ...values, password: field(request.body, 'password') });
    } catch (error) {
      if (!isValidationError(error)) throw error;
      reply.code(400);
      return reply.render('accounts/views/new-user.njk', {
        pageTitle: 'Add a user',
        values,
        errors: error.fieldErrors,
        errorList: errorList(error.fieldErrors, ['name', 'email', 'role', 'password']),
        roleItems: roleItems(values.role),
      });
    }
    return seeOther(request, reply, paths.users, { done: 'user-created' });
  });

  app.post<{ Params: { userId: string } }>(paths.user, adminOnly, async (request, reply) => {
    const action = field(request.body, 'action');
    const actor = actorOf(request);
    try {
      if (action === 'role')
        await accounts.changeRole(actor, request.params.userId, field(request.body, 'role'));
      else if (action === 'disable' || action === 'enable')
        await accounts.setDisabled(actor, request.params.userId, action === 'disable');
      else return reply.code(400).send('Unknown action');
    } catch (error) {
      if (error instanceof AccountsError && error.kind === 'not_found') return reply.callNotFound();
      if (!isValidationError(error)) throw error;
      reply.code(400);
      return reply.render('accounts/views/users.njk', {
        pageTitle: 'Users',
        users: await accounts.listUsers(request.council.id),
        roleLabels,
        errorList: errorList(error.fieldErrors),
      });
    }
    return seeOther(request, reply, paths.users, { done: 'user-updated' });
  });

  // Audit log ---------------------------------------------------------------------------------
  app.get(paths.audit, { preHandler: app.requireStaff('audit.read') }, async (request, reply) => {
    const q = request.query as Record<string, unknown>;
    const filter = {
      action: typeof q.action === 'string' && q.action ? q.action : undefined,
      actor: typeof q.actor === 'string' && q.actor ? q.actor.slice(0, 100) : undefined,
      beforeId: typeof q.before === 'string' ? q.before : undefined,
    };
    const { events, actions } = await accounts.listAudit(request.council.id, filter);
    const last = events.length === 50 ? events[events.length - 1] : undefined;
    const params = new URLSearchParams();
    if (filter.action) params.set('action', filter.action);
    if (filter.actor) params.set('actor', filter.actor);
    if (last) params.set('before', last.id);
    return reply.render('accounts/views/audit.njk', {
      pageTitle: 'Audit log',
      events,
      filter,
      actionItems: [
        { value: '', text: 'All actions' },
        ...actions.map((a) => ({ value: a, text: a, selected: a === filter.action })),
      ],
      nextPage: last ? `?${params.toString()}` : undefined,
    });
  });

  // JSON API ----------------------------------------------------------------------------------
  app.get(paths.apiMe, { preHandler: app.requireStaff() }, async (request) => {
    const s = request.staff!;
    return { id: s.id, email: s.email, name: s.name, role: s.role, council: request.council.slug };
  });

  app.get(paths.apiAudit, { preHandler: app.requireStaff('audit.read') }, async (request) => {
    const q = request.query as Record<string, unknown>;
    const { events } = await accounts.listAudit(request.council.id, {
      action: typeof q.action === 'string' ? q.action : undefined,
      beforeId: typeof q.before === 'string' ? q.before : undefined,
    });
    return { items: events };
  });

  app.get(paths.apiUsers, { preHandler: app.requireStaff('users.manage') }, async (request) => ({
    items: (await accounts.listUsers(request.council.id)).map(({ councilId: _c, ...u }) => u),
  }));
}

function safeReturn(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return /^\/staff(\/[A-Za-z0-9\-._~%/?=&]*)?$/.test(value) ? value : undefined;
}
