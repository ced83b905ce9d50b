/**
 * Staff console: connect, inspect and disconnect the council's channel accounts.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorList, field } from '../../web/forms.ts';
import { actorOf, flashNotice, seeOther } from '../../web/staff-routes.ts';
import { ChannelAccountError, type ChannelAccountsService } from './accounts.service.ts';
import { channelPaths as paths } from './channels.paths.ts';
import type { ChannelKind } from './port.ts';
import type { ConnectorRegistry } from './registry.ts';
import { allowFormTargets, registerOAuthRoutes } from './oauth/oauth.routes.ts';
import type { ChannelOAuthService } from './oauth/oauth.service.ts';

/** Outcomes that are not plain success: shown as a warning, not a success banner. */
const warnings: Record<string, string> = {
  connected_without_webhooks:
    'The account is connected and can publish, but Facebook would not send its comments and messages to Townsquare. The reason is shown against the account.',
};

const notices: Record<string, string> = {
  connected: 'The account is connected',
  reconnected: 'The account is reconnected',
  disconnected: 'The account is disconnected and its credentials are deleted',
};

function readFields(body: unknown, registry: ConnectorRegistry, kind: string) {
  const settings: Record<string, string> = {};
  const credentials: Record<string, string> = {};
  const def = registry.definition(kind as ChannelKind);
  for (const f of def?.fields ?? [])
    (f.isSecret ? credentials : settings)[f.name] = field(body, f.name).trim();
  return { settings, credentials };
}

export function registerChannelRoutes(
  app: FastifyInstance,
  opts: { accounts: ChannelAccountsService; registry: ConnectorRegistry; oauth?: ChannelOAuthService },
): void {
  const { accounts, registry, oauth } = opts;
  if (oauth) registerOAuthRoutes(app, { oauth, registry });
  /** The sign-in form for networks that use OAuth here; the token form stays as the fallback. */
  const oauthFor = (kind: string) =>
    oauth?.offers(kind) ? { offered: true, values: {}, errors: {} } : undefined;
  const guard = { preHandler: app.requireStaff('channels.manage') };
  const kindItems = (selected?: string) =>
    registry.list().map((d) => ({
      value: d.kind,
      text: d.label,
      hint: { text: d.howToConnect },
      checked: d.kind === selected,
    }));

  app.get(paths.list, guard, async (request, reply) => {
    return reply.render('channels/views/list.njk', {
      pageTitle: 'Channels',
      accounts: await accounts.list(request.council.id),
      labels: Object.fromEntries(registry.list().map((d) => [d.kind, d.label])),
      flash: flashNotice(request, notices),
      warning: flashNotice(request, warnings),
    });
  });

  app.get(paths.connect, guard, async (request, reply) => {
    const kind = field(request.query, 'kind');
    const def = registry.definition(kind as ChannelKind);
    if (oauth) allowFormTargets(reply, oauth.formTargets(kind));
    return reply.render('channels/views/connect.njk', {
      pageTitle: def ? `Connect ${def.label}` : 'Connect an account',
      kindItems: kindItems(kind),
      definition: def,
      oauth: oauthFor(kind),
      values: {},
      errors: {},
    });
  });

  app.post(paths.connect, guard, async (request, reply) => {
    const kind = field(request.body, 'kind');
    const name = field(request.body, 'name');
    const def = registry.definition(kind as ChannelKind);
    const { settings, credentials } = readFields(request.body, registry, kind);
    try {
      if (!def) throw new ChannelAccountError('validation', { kind: 'Select a network' });
      await accounts.connect(actorOf(request), { kind, name, settings, credentials });
    } catch (error) {
      if (!(error instanceof ChannelAccountError) || error.kind === 'not_found') throw error;
      reply.code(400);
      if (oauth) allowFormTargets(reply, oauth.formTargets(kind));
      return reply.render('channels/views/connect.njk', {
        pageTitle: def ? `Connect ${def.label}` : 'Connect an account',
        kindItems: kindItems(kind),
        definition: def,
        oauth: oauthFor(kind),
        // Secrets are never echoed back into the page.
        values: { name, ...settings },
        errors: error.fieldErrors,
        errorList: errorList(error.fieldErrors, [
          'kind',
          'name',
          ...(def?.fields.map((f) => f.name) ?? []),
          'credentials',
        ]),
      });
    }
    return seeOther(request, reply, paths.list, { done: 'connected' });
  });

  /** The account named in the path, or undefined when this council has none by that id. */
  const findAccount = (request: FastifyRequest<{ Params: { accountId: string } }>) =>
    accounts.get(request.council.id, request.params.accountId).catch((error: unknown) => {
      if (error instanceof ChannelAccountError && error.kind === 'not_found') return undefined;
      throw error;
    });

  app.get<{ Params: { accountId: string } }>(paths.account, guard, async (request, reply) => {
    const account = await findAccount(request);
    if (!account) return reply.callNotFound();
    if (oauth) allowFormTargets(reply, oauth.formTargets(account.kind));
    return reply.render('channels/views/account.njk', {
      pageTitle: account.name,
      account,
      definition: registry.definition(account.kind),
      canSignIn: oauth?.offers(account.kind) ?? false,
      errors: {},
    });
  });

  app.post<{ Params: { accountId: string } }>(paths.reconnect, guard, async (request, reply) => {
    // Only "no such account" is a 404: a database outage must still answer 503.
    const account = await findAccount(request);
    if (!account) return reply.callNotFound();
    const { credentials } = readFields(request.body, registry, account.kind);
    try {
      await accounts.reconnect(actorOf(request), account.id, credentials);
    } catch (error) {
      if (!(error instanceof ChannelAccountError) || error.kind === 'not_found') throw error;
      reply.code(400);
      return reply.render('channels/views/account.njk', {
        pageTitle: account.name,
        account,
        definition: registry.definition(account.kind),
        errors: error.fieldErrors,
        errorList: errorList(error.fieldErrors),
      });
    }
    return seeOther(request, reply, paths.list, { done: 'reconnected' });
  });

  app.post<{ Params: { accountId: string } }>(paths.disconnect, guard, async (request, reply) => {
    try {
      await accounts.disconnect(actorOf(request), request.params.accountId);
    } catch (error) {
      if (error instanceof ChannelAccountError && error.kind === 'not_found') return reply.callNotFound();
      throw error;
    }
    return seeOther(request, reply, paths.list, { done: 'disconnected' });
  });

  app.get(
    paths.apiList,
    {
      preHandler: app.requireStaff('channels.manage'),
      schema: { summary: 'List connected channel accounts with their health', tags: ['channels'] },
    },
    async (request) => ({
      items: (await accounts.list(request.council.id)).map(({ councilId: _c, settings: _s, ...a }) => a),
    }),
  );
}
