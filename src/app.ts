/**
 * Builds the Fastify app: security and parsing plugins in a fixed order, the council and
 * staff context, then each module's routes, then error handling.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import type { Services } from './container.ts';
import './web/types.ts';
import { registerAccountRoutes } from './modules/accounts/index.ts';
import { registerChannelRoutes } from './modules/channels/index.ts';
import { registerPublicRoutes, registerPublishingRoutes } from './modules/publishing/index.ts';
// Owned by the channels work; publishing's index.ts is being changed in parallel.
import { registerPublicMediaRoutes } from './modules/publishing/media.routes.ts';
import { registerMeetingRoutes } from './modules/meetings/index.ts';
import {
  registerCaseRoutes,
  registerContactRoutes,
  registerInboxRoutes,
  registerWebhookRoutes,
} from './modules/inbox/index.ts';
import { registerAuth, sessionCookie } from './web/auth.ts';
import { rewriteCouncilPrefix, councilSlugFromPath } from './web/council-context.ts';
import { registerErrorHandlers, sendError } from './web/errors.ts';
import { registerHealth } from './web/health.ts';
import { makeRender } from './web/render.ts';
import { createViews, govukAssets } from './web/views.ts';
import { moduleCatalogue } from './web/catalogue.ts';
import { requestLogFields } from './logger.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const gazetteerAttribution =
  'Contains OS data © Crown copyright and database right 2025. Contains Royal Mail data © Royal Mail copyright and database right 2025. Contains National Statistics data © Crown copyright and database right 2025.';

export async function buildApp(services: Services): Promise<FastifyInstance> {
  const { config, log } = services;
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    genReqId: () => randomUUID(),
    // Fastify puts its own `req` serializer (the whole URL) on the logger it is given; only
    // each request's child logger can replace it.
    childLoggerFactory: (logger, bindings, opts) =>
      logger.child(bindings, { ...opts, serializers: { ...opts.serializers, req: requestLogFields } }),
    trustProxy: config.trustProxy,
    bodyLimit: 2 * 1024 * 1024,
    rewriteUrl: rewriteCouncilPrefix,
  });

  // Parsing and security, in this order: cookies before CSRF, helmet before any page.
  await app.register(formbody, { bodyLimit: 1024 * 1024 });
  await app.register(cookie, { secret: services.secretKeys.map((k) => k.toString('hex')) });
  await app.register(helmet, {
    enableCSPNonces: true,
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        // Local installs run on plain http; a reverse proxy adds HTTPS and HSTS.
        upgradeInsecureRequests: null,
      },
    },
    strictTransportSecurity: config.secureCookies ? undefined : false,
  });
  await app.register(rateLimit, { global: false });
  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: 'ts_csrf',
    cookieOpts: { signed: true, httpOnly: true, sameSite: 'strict', secure: config.secureCookies, path: '/' },
    getToken: (request) => {
      const body = request.body as Record<string, unknown> | undefined;
      return typeof body?._csrf === 'string'
        ? body._csrf
        : (request.headers['x-csrf-token'] as string | undefined);
    },
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Townsquare API',
        version: '1',
        description:
          'The JSON API of a Townsquare council. Authenticate with a personal API token: `Authorization: Bearer ts_...`. Errors are RFC 9457 problem details.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Personal API token' } },
      },
      security: [{ bearer: [] }],
    },
  });

  // Static files need no council and no session.
  // govuk-frontend's CSS asks for /assets/fonts/...; the files are in dist/govuk/assets/fonts,
  // beside (not under) the compiled CSS and JS in dist/govuk, so both folders serve /assets/.
  await app.register(fastifyStatic, {
    root: [path.join(govukAssets, 'assets'), govukAssets],
    prefix: '/assets/',
    allowedPath: (p) => /^\/(fonts\/|images\/|govuk-frontend\.min\.(css|js)(\.map)?$)/.test(p),
    decorateReply: false,
    maxAge: '1d',
  });
  await app.register(fastifyStatic, {
    root: path.join(root, 'public'),
    prefix: '/public/',
    decorateReply: false,
    maxAge: '1h',
  });
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/assets') || route.url.startsWith('/public')) {
      route.config = { ...(route.config as object), isCouncilFree: true };
    }
  });

  // Which council, then who.
  app.decorateRequest('council', undefined as never);
  app.decorateRequest('basePath', '');
  app.addHook('onRequest', async (request, reply) => {
    const slug = councilSlugFromPath(request.raw);
    if (request.routeOptions.config.isCouncilFree && !slug) return;
    const council = slug
      ? await services.councils.findBySlug(slug)
      : ((await services.councils.findByHost(request.hostname)) ??
        (await services.councils.findBySlug(config.defaultCouncil)));
    if (!council) return sendError(request, reply, 404, 'There is no council at this address.');
    request.council = council;
    request.basePath = slug ? `/c/${slug}` : '';
  });
  registerAuth(app, services.accounts);

  // CSRF on every state-changing page request. The API authenticates by bearer token only,
  // so a browser cannot be tricked into sending credentials to it.
  app.addHook('preHandler', (request, reply, done) => {
    const isUnsafe = !['GET', 'HEAD', 'OPTIONS'].includes(request.method);
    // Webhooks are signed by the network that sends them (no browser, no cookie): exempt too.
    if (!isUnsafe || request.url.startsWith('/api/') || request.url.startsWith('/webhooks/')) return done();
    app.csrfProtection(request, reply, done);
  });

  const views = createViews({ isDevelopment: process.env.NODE_ENV === 'development' });
  app.decorateReply('render', makeRender(views, { attribution: '' }));

  registerHealth(app, services.db.app);
  registerErrorHandlers(app);

  // Public site.
  app.get('/', async (_request, reply) =>
    reply.render('public/home.njk', { pageTitle: 'Home', sections: moduleCatalogue.public }),
  );
  app.get('/accessibility', async (_request, reply) =>
    reply.render('public/accessibility.njk', { pageTitle: 'Accessibility statement' }),
  );

  // Modules.
  registerAccountRoutes(app, {
    accounts: services.accounts,
    sessionCookie,
    secureCookies: config.secureCookies,
    modules: moduleCatalogue.staff,
  });
  registerChannelRoutes(app, {
    accounts: services.channelAccounts,
    registry: services.connectors,
    oauth: services.channelOAuth,
  });
  registerPublicMediaRoutes(app, services.publicMedia);
  registerPublicRoutes(app, { db: services.db.app, publishing: services.publishing });
  registerPublishingRoutes(app, {
    publishing: services.publishing,
    channelAccounts: services.channelAccounts,
    registry: services.connectors,
    db: services.db.app,
  });
  registerMeetingRoutes(app, {
    module: services.meetings,
    secret: services.secretKeys[0]!,
    secureCookies: config.secureCookies,
  });
  registerCaseRoutes(app, { cases: services.cases });
  registerInboxRoutes(app, {
    inbox: services.inbox,
    replies: services.replies,
    settings: services.inboxSettings,
    live: services.live,
  });
  registerWebhookRoutes(app, {
    channelAccounts: services.channelAccounts,
    ingest: services.ingest,
    db: services.db.app,
  });
  registerContactRoutes(app, { contact: services.contact });

  app.get('/api/v1/openapi.json', { config: { isCouncilFree: true }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
  return app;
}
