/**
 * The OAuth side of the staff console: start a sign-in (POST, CSRF-checked), the provider's
 * redirect back (GET, checked by its single-use `state` bound to the session), and for
 * Facebook and Instagram the choice of Page. Failures render a GOV.UK error page that says in
 * plain English what happened and store nothing.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorList, field } from '../../../web/forms.ts';
import { seeOther } from '../../../web/staff-routes.ts';
import { channelPaths as paths } from '../channels.paths.ts';
import type { ConnectorRegistry } from '../registry.ts';
import type { ChannelKind } from '../port.ts';
import { ChannelOAuthError } from './oauth-error.ts';
import type { CallbackProvider, ChannelOAuthService, OAuthActor } from './oauth.service.ts';

function oauthActor(request: FastifyRequest): OAuthActor {
  const s = request.staff!;
  return {
    councilId: request.council.id,
    userId: s.id,
    label: s.email,
    requestId: request.id,
    sessionToken: request.sessionToken ?? '',
  };
}

/** This council's address as the browser sees it; the provider sends the officer back here. */
const callbackBase = (request: FastifyRequest) => `${request.protocol}://${request.host}${request.basePath}`;

/** Lets the connect page's forms go on to the network's sign-in page (CSP form-action). */
export function allowFormTargets(reply: FastifyReply, origins: string[]): void {
  if (origins.length === 0) return;
  const csp = reply.raw.getHeader('content-security-policy');
  if (typeof csp !== 'string') return;
  reply.raw.setHeader(
    'content-security-policy',
    csp.replace(/form-action ([^;]*)/, (_m, list: string) => `form-action ${list} ${origins.join(' ')}`),
  );
}

export function registerOAuthRoutes(
  app: FastifyInstance,
  opts: { oauth: ChannelOAuthService; registry: ConnectorRegistry },
): void {
  const { oauth, registry } = opts;
  const guard = { preHandler: app.requireStaff('channels.manage') };

  const failure = (request: FastifyRequest, reply: FastifyReply, error: ChannelOAuthError, kind?: string) => {
    reply.code(error.failure === 'provider' ? 502 : 400);
    // Which kind of failure only: a state, code or token never reaches the log.
    request.log.warn({ oauthFailure: error.failure, kind }, 'channel sign-in not completed');
    const def = kind ? registry.definition(kind as ChannelKind) : undefined;
    return reply.render('channels/views/oauth-error.njk', {
      pageTitle: 'The account was not connected',
      message: error.message,
      errorList: [{ text: error.message, href: '#what-happened' }],
      retryHref: `${paths.connect}${def ? `?kind=${def.kind}` : ''}`,
    });
  };

  app.post(paths.oauthStart, guard, async (request, reply) => {
    const kind = field(request.body, 'kind');
    const name = field(request.body, 'accountName');
    const instanceUrl = field(request.body, 'instanceUrl');
    let location: string;
    try {
      ({ location } = await oauth.start(oauthActor(request), {
        kind,
        name,
        instanceUrl,
        callbackBase: callbackBase(request),
        ...(field(request.body, 'accountId') ? { accountId: field(request.body, 'accountId') } : {}),
      }));
    } catch (error) {
      if (!(error instanceof ChannelOAuthError)) throw error;
      if (error.failure !== 'validation') return failure(request, reply, error, kind);
      const def = registry.definition(kind as ChannelKind);
      const { name: nameError, ...rest } = error.fieldErrors;
      const errors: Partial<Record<string, string>> = { ...rest, accountName: nameError };
      allowFormTargets(reply, oauth.formTargets(kind));
      reply.code(400);
      return reply.render('channels/views/connect.njk', {
        pageTitle: def ? `Connect ${def.label}` : 'Connect an account',
        definition: def,
        oauth: { offered: true, values: { accountName: name, instanceUrl }, errors },
        values: {},
        errors: {},
        errorList: errorList(errors, ['accountName', 'instanceUrl']),
      });
    }
    // A Mastodon server is wherever the officer said: a page names it before they go there
    // (and a link, unlike a form's redirect, is not limited by this page's CSP form-action).
    if (kind === 'mastodon')
      return reply.render('channels/views/oauth-continue.njk', {
        pageTitle: 'Continue to your Mastodon server',
        server: new URL(location).host,
        location,
      });
    return reply.redirect(location, 303);
  });

  const callback = (provider: CallbackProvider) => async (request: FastifyRequest, reply: FastifyReply) => {
    const q = request.query as Record<string, unknown>;
    const text = (k: string) => (typeof q[k] === 'string' ? (q[k] as string) : undefined);
    try {
      const result = await oauth.finish(oauthActor(request), provider, {
        ...(text('code') ? { code: text('code')! } : {}),
        ...(text('state') ? { state: text('state')! } : {}),
        ...(text('error') ? { error: text('error')! } : {}),
        ...(text('error_description') ? { error_description: text('error_description')! } : {}),
      });
      if ('choose' in result) return seeOther(request, reply, paths.oauthChoose, { flow: result.choose });
    } catch (error) {
      if (!(error instanceof ChannelOAuthError)) throw error;
      return failure(request, reply, error, provider === 'meta' ? undefined : provider);
    }
    return seeOther(request, reply, paths.list, { done: 'connected' });
  };
  for (const provider of ['mastodon', 'x', 'meta'] as const)
    app.get(paths.oauthCallbacks[provider], guard, callback(provider));

  const renderChoice = async (
    request: FastifyRequest,
    reply: FastifyReply,
    flow: string,
    errors: Partial<Record<string, string>> = {},
  ) => {
    const choice = await oauth.choices(oauthActor(request), flow);
    return reply.render('channels/views/oauth-choose.njk', {
      pageTitle: choice.kind === 'instagram' ? 'Choose the Instagram account' : 'Choose the Facebook Page',
      kind: choice.kind,
      flow,
      name: choice.name,
      items: choice.pages.map((p) => ({ value: p.id, text: p.label })),
      errors,
      errorList: errorList(errors, ['pageId']),
    });
  };

  app.get(paths.oauthChoose, guard, async (request, reply) => {
    try {
      return await renderChoice(request, reply, field(request.query, 'flow'));
    } catch (error) {
      if (!(error instanceof ChannelOAuthError)) throw error;
      return failure(request, reply, error);
    }
  });

  app.post(paths.oauthChoose, guard, async (request, reply) => {
    const flow = field(request.body, 'flow');
    let done = 'connected';
    try {
      const result = await oauth.choose(oauthActor(request), flow, field(request.body, 'pageId'));
      if (result.webhookProblem) done = 'connected_without_webhooks';
    } catch (error) {
      if (!(error instanceof ChannelOAuthError)) throw error;
      if (error.failure !== 'validation') return failure(request, reply, error);
      reply.code(400);
      return renderChoice(request, reply, flow, error.fieldErrors).catch((again: unknown) => {
        if (!(again instanceof ChannelOAuthError)) throw again;
        return failure(request, reply, again);
      });
    }
    return seeOther(request, reply, paths.list, { done });
  });
}
