/**
 * The council's public news: news and alerts pages, a stable page per post, RSS, Atom and JSON
 * feeds, and an iCalendar feed of events. Server-rendered, no JavaScript needed. A post is
 * public once its scheduled time has passed, unless it was paused or deleted.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { withCouncil, type Db } from '../../db/index.ts';
import {
  renderAtom,
  renderICalendar,
  renderJsonFeed,
  renderRss,
  type FeedCouncil,
  type FeedItem,
} from '../channels/index.ts';
import type { Publishing } from './publishing.module.ts';
import { publishingPaths as paths } from './publishing.paths.ts';

export type PublicPost = {
  id: string;
  kind: string;
  title: string;
  body: string;
  bodyCy: string | null;
  link: string | null;
  publishedAt: Date;
  eventStart: Date | null;
  eventEnd: Date | null;
  eventLocation: string | null;
  images: { id: string; altText: string }[];
};

const isUuid = (v: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/u.test(v);

export async function publicPosts(
  db: Db,
  councilId: string,
  opts: { kind?: string; id?: string; limit?: number } = {},
): Promise<PublicPost[]> {
  return withCouncil(db, councilId, async (tx) => {
    let q = tx
      .selectFrom('posts')
      .selectAll()
      .where('show_on_website', '=', true)
      .where('deleted_at', 'is', null)
      .where('paused_at', 'is', null)
      .where('status', 'in', ['scheduled', 'publishing', 'published', 'failed'])
      .where('scheduled_at', '<=', new Date())
      .orderBy('scheduled_at', 'desc')
      .limit(opts.limit ?? 50);
    if (opts.kind) q = q.where('kind', '=', opts.kind);
    if (opts.id) q = q.where('id', '=', opts.id);
    const rows = await q.execute();
    const media = rows.length
      ? await tx
          .selectFrom('post_media as pm')
          .innerJoin('media_items as m', 'm.id', 'pm.media_id')
          .select(['pm.post_id', 'm.id', 'm.alt_text'])
          .where(
            'pm.post_id',
            'in',
            rows.map((r) => r.id),
          )
          .orderBy('pm.position')
          .execute()
      : [];
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      title: r.title,
      body: r.body,
      bodyCy: r.body_cy,
      link: r.link,
      publishedAt: new Date(r.scheduled_at ?? r.created_at),
      eventStart: r.event_start ? new Date(r.event_start) : null,
      eventEnd: r.event_end ? new Date(r.event_end) : null,
      eventLocation: r.event_location,
      images: media.filter((m) => m.post_id === r.id).map((m) => ({ id: m.id, altText: m.alt_text })),
    }));
  });
}

export function registerPublicRoutes(app: FastifyInstance, opts: { db: Db; publishing: Publishing }): void {
  // Every page of the council's site carries the incident banner while incident mode is on.
  app.addHook('preHandler', async (request) => {
    if (!request.council || request.url.startsWith('/api/')) return;
    const incident = await opts.publishing.incidents.current(request.council.id).catch(() => undefined);
    if (incident) (request as FastifyRequest & { incidentBanner?: string }).incidentBanner = incident.banner;
  });

  const origin = (request: FastifyRequest) => `${request.protocol}://${request.host}${request.basePath}`;
  const feedCouncil = (request: FastifyRequest): FeedCouncil => ({
    name: request.council.name,
    siteUrl: `${origin(request)}/`,
    feedBaseUrl: `${origin(request)}/news`,
    language: 'en-GB',
    domain: request.hostname,
  });
  const toItem = (request: FastifyRequest, p: PublicPost): FeedItem => ({
    id: p.id,
    title: p.title,
    summary: p.bodyCy ? `${p.body}\n\n${p.bodyCy}` : p.body,
    url: `${origin(request)}/news/${p.id}`,
    publishedAt: p.publishedAt,
    category: p.kind,
  });

  const list =
    (kind: 'news' | 'alert', title: string) =>
    async (request: FastifyRequest, reply: import('fastify').FastifyReply) =>
      reply.render('publishing/views/public-list.njk', {
        pageTitle: title,
        heading: title,
        posts: await publicPosts(opts.db, request.council.id, kind === 'alert' ? { kind: 'alert' } : {}),
      });
  app.get(paths.publicNews, list('news', 'News and alerts'));
  app.get(paths.publicAlerts, list('alert', 'Alerts'));

  app.get<{ Params: { postId: string } }>(paths.publicPost, async (request, reply) => {
    if (!isUuid(request.params.postId)) return reply.callNotFound();
    const [post] = await publicPosts(opts.db, request.council.id, { id: request.params.postId, limit: 1 });
    if (!post) return reply.callNotFound();
    return reply.render('publishing/views/public-post.njk', { pageTitle: post.title, post });
  });

  app.get<{ Params: { mediaId: string } }>(paths.publicImage, async (request, reply) => {
    const id = request.params.mediaId;
    // Only images attached to a public post are public.
    const isPublic =
      isUuid(id) &&
      (await publicPosts(opts.db, request.council.id, { limit: 500 })).some((p) =>
        p.images.some((i) => i.id === id),
      );
    const item = isPublic ? await opts.publishing.media.read(request.council.id, id) : undefined;
    if (!item) return reply.callNotFound();
    return reply.type(item.mimeType).header('cache-control', 'public, max-age=3600').send(item.data);
  });

  const items = async (request: FastifyRequest) =>
    (await publicPosts(opts.db, request.council.id)).map((p) => toItem(request, p));
  app.get(paths.feedRss, async (request, reply) =>
    reply
      .type('application/rss+xml; charset=utf-8')
      .send(renderRss(feedCouncil(request), await items(request))),
  );
  app.get(paths.feedAtom, async (request, reply) =>
    reply
      .type('application/atom+xml; charset=utf-8')
      .send(renderAtom(feedCouncil(request), await items(request))),
  );
  app.get(paths.feedJson, async (request, reply) =>
    reply
      .type('application/feed+json; charset=utf-8')
      .send(renderJsonFeed(feedCouncil(request), await items(request))),
  );
  app.get(paths.feedEvents, async (request, reply) => {
    const events = (await publicPosts(opts.db, request.council.id, { kind: 'event', limit: 200 }))
      .filter((p) => p.eventStart && p.eventEnd)
      .map((p) => ({
        id: p.id,
        title: p.title,
        start: p.eventStart!,
        end: p.eventEnd!,
        url: `${origin(request)}/news/${p.id}`,
        description: p.body,
        ...(p.eventLocation ? { location: p.eventLocation } : {}),
      }));
    return reply.type('text/calendar; charset=utf-8').send(renderICalendar(feedCouncil(request), events));
  });
}
