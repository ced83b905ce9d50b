/**
 * Staff console for publishing: the list (with what needs attention), the composer, a post's
 * page (submit, approve, return, retry, delete), the media library, the publishing record
 * export and incident mode. Each handler reads input, calls one service, renders or redirects.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorList, field, type FieldErrors } from '../../web/forms.ts';
import { flashNotice, seeOther } from '../../web/staff-routes.ts';
import { can, type Actor } from '../accounts/index.ts';
import type { ChannelAccountsService, ConnectorRegistry } from '../channels/index.ts';
import { withCouncil, type Db } from '../../db/index.ts';
import { checkComposer } from './composer-check.ts';
import {
  PublishingError,
  type CouncilPublishingSettings,
  type PostView,
  type Staff,
} from './posts.service.ts';
import { defaultVariantText, eventFields, readPostForm, type PostForm } from './post-form.ts';
import type { Publishing } from './publishing.module.ts';
import { publishingPaths as paths } from './publishing.paths.ts';
import { listRecords, recordsToCsv } from './records.ts';
import { toFields } from './schedule.ts';
import { registerMediaRoutes } from './media.routes.ts';
import { registerIncidentRoutes } from './incident.routes.ts';
import { registerTemplateRoutes, templateChoices } from './templates/templates.routes.ts';
import { registerImportRoutes } from './import/import.routes.ts';
import { registerCalendarRoutes } from './calendar/calendar.routes.ts';
import { councilServices } from './calendar/services.ts';
import { dateKey, londonDate } from './calendar/calendar-range.ts';

export type PublishingRouteOptions = {
  publishing: Publishing;
  channelAccounts: ChannelAccountsService;
  registry: ConnectorRegistry;
  db: Db;
};

export function staffOf(request: FastifyRequest): Staff {
  const s = request.staff!;
  const actor: Actor = { councilId: request.council.id, userId: s.id, label: s.email, requestId: request.id };
  return { actor, role: s.role };
}

export const settingsOf = (request: FastifyRequest) => request.council.settings as CouncilPublishingSettings;

const composerOrder = [
  'kind',
  'title',
  'body',
  'bodyCy',
  'link',
  'accounts',
  'media',
  'schedule-day',
  'schedule-time',
  'repeat',
  'repeatUntil-day',
  'eventStart-day',
  'eventEndDate-day',
  'eventEndTime',
  'eventLocation',
];

const notices: Record<string, string> = {
  saved: 'The draft is saved',
  submitted: 'The post is submitted for approval',
  approved: 'Your approval is recorded; the post needs another approval',
  scheduled: 'The post is approved and scheduled',
  returned: 'The post is returned to its author',
  deleted: 'The post is deleted; the publishing record keeps it',
  retried: 'We are trying again',
  service: 'The service is saved',
};

export function registerPublishingRoutes(app: FastifyInstance, opts: PublishingRouteOptions): void {
  const { publishing, channelAccounts, registry } = opts;
  const posts = publishing.posts;
  const write = { preHandler: app.requireStaff('publishing.write') };

  const flash = (request: FastifyRequest) => flashNotice(request, notices);

  const renderComposer = async (
    request: FastifyRequest,
    reply: FastifyReply,
    form: PostForm,
    errors: FieldErrors,
    postId?: string,
  ) => {
    const accounts = await channelAccounts.list(request.council.id);
    const media = await publishing.media.list(request.council.id);
    const settings = settingsOf(request);
    const texts = Object.fromEntries(
      form.accountIds.map((id) => [
        id,
        form.variantText[id] ?? defaultVariantText(form, settings.isBilingual === true),
      ]),
    );
    const check = checkComposer(
      registry,
      accounts,
      { texts, body: form.body, bodyCy: form.bodyCy, at: new Date() },
      settings,
    );
    if (Object.keys(errors).length) reply.code(400);
    return reply.render('publishing/views/compose.njk', {
      pageTitle: postId ? 'Edit post' : 'New post',
      form,
      postId,
      accounts,
      media,
      texts,
      check,
      isBilingual: settings.isBilingual === true,
      templateChoices,
      errors,
      errorList: errorList(errors, composerOrder),
    });
  };

  app.get(paths.list, write, async (request, reply) => {
    const status = field(request.query, 'status');
    const accountId = field(request.query, 'channel');
    const list = await posts.list(request.council.id, {
      ...(status ? { status } : {}),
      ...(accountId ? { accountId } : {}),
    });
    return reply.render('publishing/views/list.njk', {
      pageTitle: 'Publishing',
      posts: list,
      totals: await publishing.metrics.totals(
        request.council.id,
        list.map((p) => p.id),
      ),
      attention: await posts.needingAttention(request.council.id),
      accounts: await channelAccounts.list(request.council.id),
      incident: await publishing.incidents.current(request.council.id),
      filter: { status, channel: accountId },
      canApprove: can(request.staff!.role, 'publishing.approve'),
      flash: flash(request),
    });
  });

  app.get(paths.newPost, write, async (request, reply) =>
    renderComposer(request, reply, readPostForm({}), {}),
  );

  app.post(paths.newPost, write, async (request, reply) => {
    const form = readPostForm(request.body);
    try {
      const id = await posts.saveDraft(staffOf(request), form, settingsOf(request));
      return seeOther(request, reply, `/staff/publishing/posts/${id}`, { done: 'saved' });
    } catch (error) {
      if (!(error instanceof PublishingError) || error.kind !== 'validation') throw error;
      return renderComposer(request, reply, form, error.fieldErrors);
    }
  });

  const loadPost = async (request: FastifyRequest<{ Params: { postId: string } }>) =>
    posts.get(request.council.id, request.params.postId).catch((error: unknown) => {
      if (error instanceof PublishingError && error.kind === 'not_found') return undefined;
      throw error;
    });

  const renderPost = async (
    request: FastifyRequest,
    reply: FastifyReply,
    post: PostView,
    errors: FieldErrors = {},
    problem?: string,
  ) => {
    const accounts = await channelAccounts.list(request.council.id, { includeDisconnected: true });
    if (Object.keys(errors).length || problem) reply.code(400);
    return reply.render('publishing/views/post.njk', {
      pageTitle: post.title,
      post,
      accountNames: Object.fromEntries(accounts.map((a) => [a.id, a.name])),
      metrics: await publishing.metrics.forPost(request.council.id, post.id),
      services: councilServices,
      calendarDate: dateKey(londonDate(post.publishedAt ?? post.scheduledAt ?? new Date())),
      canApprove: can(request.staff!.role, 'publishing.approve') && post.createdBy !== request.staff!.id,
      errors,
      errorList: problem
        ? [{ text: problem, href: '#actions' }]
        : errorList(errors, composerOrder.concat(post.variants.map((v) => `variant-${v.channelAccountId}`))),
      flash: flash(request),
    });
  };

  app.get<{ Params: { postId: string } }>(paths.post, write, async (request, reply) => {
    const post = await loadPost(request);
    return post ? renderPost(request, reply, post) : reply.callNotFound();
  });

  app.get<{ Params: { postId: string } }>(paths.editPost, write, async (request, reply) => {
    const post = await loadPost(request);
    if (!post) return reply.callNotFound();
    const rule = (post.recurrence ?? {}) as { frequency?: string; until?: Record<string, string> };
    const form: PostForm = {
      kind: post.kind,
      title: post.title,
      body: post.body,
      bodyCy: post.bodyCy ?? '',
      link: post.link ?? '',
      showOnWebsite: post.showOnWebsite,
      isEmergency: false,
      accountIds: post.variants.map((v) => v.channelAccountId),
      variantText: Object.fromEntries(post.variants.map((v) => [v.channelAccountId, v.text])),
      mediaIds: post.media.map((m) => m.id),
      schedule: toFields(post.scheduledAt),
      repeat: rule.frequency ?? '',
      repeatUntil: {
        day: rule.until?.day ?? '',
        month: rule.until?.month ?? '',
        year: rule.until?.year ?? '',
        time: '',
      },
      ...eventFields(post.eventStart, post.eventEnd),
      eventLocation: post.eventLocation ?? '',
    };
    return renderComposer(request, reply, form, {}, post.id);
  });

  app.post<{ Params: { postId: string } }>(paths.editPost, write, async (request, reply) => {
    const post = await loadPost(request);
    if (!post) return reply.callNotFound();
    const form = readPostForm(request.body);
    try {
      await posts.saveDraft(staffOf(request), form, settingsOf(request), post.id);
    } catch (error) {
      if (error instanceof PublishingError && error.kind === 'validation')
        return renderComposer(request, reply, form, error.fieldErrors, post.id);
      if (error instanceof PublishingError && error.kind === 'conflict')
        return renderPost(request, reply, post, {}, error.message);
      throw error;
    }
    return seeOther(request, reply, `/staff/publishing/posts/${post.id}`, { done: 'saved' });
  });

  const action = (
    path: string,
    run: (request: FastifyRequest<{ Params: { postId: string } }>, post: PostView) => Promise<string>,
    permission: 'publishing.write' | 'publishing.approve' = 'publishing.write',
  ) =>
    app.post<{ Params: { postId: string } }>(
      path,
      { preHandler: app.requireStaff(permission) },
      async (request, reply) => {
        const post = await loadPost(request);
        if (!post) return reply.callNotFound();
        let done: string;
        try {
          done = await run(request, post);
        } catch (error) {
          if (!(error instanceof PublishingError) || error.kind === 'not_found') throw error;
          return renderPost(
            request,
            reply,
            await posts.get(request.council.id, post.id),
            error.fieldErrors,
            Object.keys(error.fieldErrors).length ? undefined : error.message,
          );
        }
        const target = done === 'deleted' ? paths.list : `/staff/publishing/posts/${post.id}`;
        return seeOther(request, reply, target, { done });
      },
    );

  action(paths.submitPost, async (request, post) => {
    await posts.submit(staffOf(request), post.id, settingsOf(request));
    return 'submitted';
  });
  action(
    paths.approvePost,
    async (request, post) => posts.approve(staffOf(request), post.id),
    'publishing.approve',
  );
  action(
    paths.returnPost,
    async (request, post) => {
      await posts.returnToDraft(staffOf(request), post.id, field(request.body, 'reason'));
      return 'returned';
    },
    'publishing.approve',
  );
  action(paths.deletePost, async (request, post) => {
    await posts.remove(staffOf(request), post.id);
    return 'deleted';
  });

  app.post<{ Params: { variantId: string } }>(paths.retryVariant, write, async (request, reply) => {
    const id = request.params.variantId;
    if (!/^[0-9a-f-]{36}$/u.test(id)) return reply.callNotFound();
    const postId = await withCouncil(
      opts.db,
      request.council.id,
      async (tx) =>
        (await tx.selectFrom('post_variants').select('post_id').where('id', '=', id).executeTakeFirst())
          ?.post_id,
    );
    if (!postId) return reply.callNotFound();
    await publishing.publisher.retryVariant(staffOf(request).actor, id);
    return seeOther(request, reply, `/staff/publishing/posts/${postId}`, { done: 'retried' });
  });

  // As the officer types (public/composer.js): counts, limits and advice, as JSON.
  app.post(paths.check, write, async (request) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const form = readPostForm(body);
    const settings = settingsOf(request);
    const accounts = await channelAccounts.list(request.council.id);
    const texts = Object.fromEntries(
      form.accountIds.map((id) => [
        id,
        form.variantText[id] ?? defaultVariantText(form, settings.isBilingual === true),
      ]),
    );
    return checkComposer(
      registry,
      accounts,
      { texts, body: form.body, bodyCy: form.bodyCy, at: new Date() },
      settings,
    );
  });

  // The publishing record, for a Freedom of Information request.
  app.get(paths.records, write, async (request, reply) =>
    reply.render('publishing/views/records.njk', {
      pageTitle: 'Publishing record',
      records: (await withCouncil(opts.db, request.council.id, (tx) => listRecords(tx)))
        .slice(-200)
        .reverse(),
    }),
  );
  app.get(paths.recordsCsv, write, async (request, reply) => {
    const records = await withCouncil(opts.db, request.council.id, (tx) => listRecords(tx));
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="publishing-record.csv"')
      .send(recordsToCsv(records));
  });
  app.get(paths.recordsJson, write, async (request, reply) => {
    const records = await withCouncil(opts.db, request.council.id, (tx) => listRecords(tx));
    return reply
      .header('content-disposition', 'attachment; filename="publishing-record.json"')
      .send({ council: request.council.name, exportedAt: new Date().toISOString(), records });
  });

  registerMediaRoutes(app, publishing);
  registerIncidentRoutes(app, publishing);
  registerTemplateRoutes(app, { publishing, channelAccounts, staffOf, settingsOf, renderComposer });
  registerImportRoutes(app, { publishing, channelAccounts, staffOf, settingsOf });
  registerCalendarRoutes(app, { publishing, channelAccounts });
}
