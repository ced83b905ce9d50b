/**
 * Post templates in the staff console, all working without JavaScript: choose a template (a
 * GET form), fill its fields (refused with the GOV.UK error summary naming each field and the
 * fix), then the normal composer opens prefilled, each channel's text within its limits.
 * Approvers can change a template's wording for their council, or go back to the built-in one.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorList, field, type FieldErrors } from '../../../web/forms.ts';
import { seeOther } from '../../../web/staff-routes.ts';
import { can } from '../../accounts/index.ts';
import type { ChannelAccountsService } from '../../channels/index.ts';
import type { PostForm } from '../post-form.ts';
import type { Publishing } from '../publishing.module.ts';
import { draftingPaths as paths } from '../drafting.paths.ts';
import type { Staff, CouncilPublishingSettings } from '../posts.service.ts';
import { builtInTemplates, templateOf, type TemplateDefinition } from './definitions.ts';
import { inputIdOf } from './render.ts';
import { TemplateError, type CouncilTemplate } from './templates.service.ts';

export type TemplateRouteOptions = {
  publishing: Publishing;
  channelAccounts: ChannelAccountsService;
  staffOf: (request: FastifyRequest) => Staff;
  settingsOf: (request: FastifyRequest) => CouncilPublishingSettings;
  /** The publishing routes' own composer page, so a filled template opens the same composer. */
  renderComposer: (
    request: FastifyRequest,
    reply: FastifyReply,
    form: PostForm,
    errors: FieldErrors,
  ) => Promise<FastifyReply>;
};

/** For the composer's "start from a template" form. */
export const templateChoices = builtInTemplates.map((t) => ({ value: t.key, text: t.name }));

const wordingOrder = ['title', 'body', 'short', 'bodyCy', 'shortCy'];

const fieldOrder = (t: TemplateDefinition) =>
  t.fields.flatMap((f) => [inputIdOf(f), `${f.name}Cy`]).concat('accounts');

const stringsOf = (body: unknown): Record<string, string> =>
  Object.fromEntries(
    Object.entries((body && typeof body === 'object' ? body : {}) as Record<string, unknown>).filter(
      (e): e is [string, string] => typeof e[1] === 'string',
    ),
  );

const listOf = (body: unknown, name: string): string[] => {
  const v = (body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined) ?? [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string' && x !== '');
};

export function registerTemplateRoutes(app: FastifyInstance, opts: TemplateRouteOptions): void {
  const { publishing, channelAccounts } = opts;
  const templates = publishing.templates;
  const write = { preHandler: app.requireStaff('publishing.write') };
  const approve = { preHandler: app.requireStaff('publishing.approve') };
  const isBilingual = (request: FastifyRequest) => opts.settingsOf(request).isBilingual === true;

  app.get(paths.templates, write, async (request, reply) =>
    reply.render('publishing/views/templates.njk', {
      pageTitle: 'Post templates',
      templates: await templates.list(request.council.id),
      canEdit: can(request.staff!.role, 'publishing.approve'),
      flash:
        field(request.query, 'done') === 'saved'
          ? 'The template’s wording is saved'
          : field(request.query, 'done') === 'reset'
            ? 'The template uses the built-in wording again'
            : undefined,
    }),
  );

  const renderFill = async (
    request: FastifyRequest,
    reply: FastifyReply,
    t: CouncilTemplate,
    raw: Record<string, string>,
    accountIds: string[],
    errors: FieldErrors,
  ) => {
    if (Object.keys(errors).length) reply.code(400);
    const hasStreet = t.fields.some((f) => f.type === 'street');
    return reply.render('publishing/views/template-fill.njk', {
      pageTitle: `${t.name}: fill in the template`,
      template: t,
      raw,
      accounts: await channelAccounts.list(request.council.id),
      accountIds,
      streets: hasStreet ? (await templates.gazetteer()).streets.map((s) => s.name) : [],
      isBilingual: isBilingual(request),
      errors,
      errorList: errorList(errors, fieldOrder(t)),
    });
  };

  const renderChoose = async (reply: FastifyReply, isAsked: boolean) => {
    if (isAsked) reply.code(400);
    const errors: FieldErrors = isAsked ? { template: 'Select the template to start from' } : {};
    return reply.render('publishing/views/template-choose.njk', {
      pageTitle: 'Start from a template',
      templates: builtInTemplates,
      errors,
      errorList: errorList(errors),
    });
  };
  const toList = (request: FastifyRequest, reply: FastifyReply) => seeOther(request, reply, paths.templates);

  // Step one, a GET form: which template. Step two: its fields.
  app.get(paths.useTemplate, write, async (request, reply) => {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const key = field(query, 'template');
    const t = templateOf(key);
    if (!t) return renderChoose(reply, 'template' in query);
    const accounts = await channelAccounts.list(request.council.id);
    return renderFill(
      request,
      reply,
      await templates.get(request.council.id, t.key),
      {},
      accounts.map((a) => a.id),
      {},
    );
  });

  // Step three: the fields are checked, and the normal composer opens with the text filled in.
  app.post(paths.useTemplate, write, async (request, reply) => {
    const t = templateOf(field(request.body, 'template'));
    if (!t) return renderChoose(reply, true);
    const template = await templates.get(request.council.id, t.key);
    const raw = stringsOf(request.body);
    const accountIds = listOf(request.body, 'accounts');
    const accounts = await channelAccounts.list(request.council.id);
    const { values, errors } = await templates.readFields(template, request.body, isBilingual(request));
    if (accountIds.some((id) => !accounts.some((a) => a.id === id)))
      errors.accounts = 'Select channels from the list';
    if (Object.keys(errors).length) return renderFill(request, reply, template, raw, accountIds, errors);
    const form = templates.toPostForm(template, values, {
      isBilingual: isBilingual(request),
      accounts,
      accountIds,
    });
    return opts.renderComposer(request, reply, form, {});
  });

  const renderWording = async (
    request: FastifyRequest,
    reply: FastifyReply,
    t: CouncilTemplate,
    values: Record<string, string>,
    errors: FieldErrors,
  ) => {
    if (Object.keys(errors).length) reply.code(400);
    return reply.render('publishing/views/template-wording.njk', {
      pageTitle: `${t.name}: wording`,
      template: t,
      defaults: templateOf(t.key)!.wording,
      values,
      isBilingual: isBilingual(request),
      errors,
      errorList: errorList(errors, wordingOrder),
    });
  };

  app.get(paths.templateWording, approve, async (request, reply) => {
    const t = templateOf(field(request.query, 'template'));
    if (!t) return toList(request, reply);
    const template = await templates.get(request.council.id, t.key);
    return renderWording(request, reply, template, { ...template.wording }, {});
  });

  app.post(paths.templateWording, approve, async (request, reply) => {
    const t = templateOf(field(request.body, 'template'));
    if (!t) return toList(request, reply);
    const input = {
      title: field(request.body, 'title'),
      body: field(request.body, 'body'),
      short: field(request.body, 'short'),
      bodyCy: field(request.body, 'bodyCy'),
      shortCy: field(request.body, 'shortCy'),
    };
    try {
      await templates.saveWording(opts.staffOf(request).actor, t.key, input, isBilingual(request));
    } catch (error) {
      if (!(error instanceof TemplateError) || error.kind !== 'validation') throw error;
      return renderWording(
        request,
        reply,
        await templates.get(request.council.id, t.key),
        input,
        error.fieldErrors,
      );
    }
    return seeOther(request, reply, paths.templates, { done: 'saved' });
  });

  app.post(paths.templateWordingReset, approve, async (request, reply) => {
    const t = templateOf(field(request.body, 'template'));
    if (!t) return toList(request, reply);
    await templates.resetWording(opts.staffOf(request).actor, t.key);
    return seeOther(request, reply, paths.templates, { done: 'reset' });
  });
}
