/**
 * Importing a roadworks or events list: the upload form (multipart, parsed in a scope of its
 * own like the media library's, so no other route accepts multipart bodies), the report of
 * every bad row when the file is refused, and the list of drafts an import made.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorList, field, type FieldErrors } from '../../../web/forms.ts';
import { seeOther } from '../../../web/staff-routes.ts';
import type { ChannelAccountsService } from '../../channels/index.ts';
import { draftingPaths as paths } from '../drafting.paths.ts';
import type { CouncilPublishingSettings, Staff } from '../posts.service.ts';
import type { Publishing } from '../publishing.module.ts';
import type { ImportProblem } from './csv.ts';
import { importFormats, isImportKind, maxImportBytes, maxImportRows } from './formats.ts';

type Upload = {
  _csrf?: string;
  kind?: string;
  accounts: string[];
  file?: { filename: string; data: Uint8Array };
};

export type ImportRouteOptions = {
  publishing: Publishing;
  channelAccounts: ChannelAccountsService;
  staffOf: (request: FastifyRequest) => Staff;
  settingsOf: (request: FastifyRequest) => CouncilPublishingSettings;
};

/** How many problems the error summary lists; the table below the form lists every one. */
const summaryLimit = 20;

const describe = (p: ImportProblem) =>
  [p.row ? `Row ${p.row}` : '', p.column ? `column ${p.column}` : ''].filter(Boolean).join(', ');

export function registerImportRoutes(app: FastifyInstance, opts: ImportRouteOptions): void {
  const { publishing, channelAccounts } = opts;
  const imports = publishing.imports;
  const write = { preHandler: app.requireStaff('publishing.write') };

  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    state: { kind: string; accountIds: string[]; errors: FieldErrors; problems: ImportProblem[] },
  ) => {
    // A problem with the file as a whole is said at the file input; rows are listed after it.
    const whole = state.problems.length === 1 && !state.problems[0]?.row ? state.problems[0] : undefined;
    const rows = whole ? [] : state.problems;
    const n = rows.length;
    const errors: FieldErrors = {
      ...state.errors,
      ...(whole ? { file: whole.message } : {}),
      ...(n && !state.errors.file
        ? {
            file: `The file has ${n === 1 ? 'a problem' : `${n} problems`}: fix ${n === 1 ? 'it' : 'them'} and choose the file again. Nothing was imported`,
          }
        : {}),
    };
    const summary = [
      ...errorList(errors, ['kind', 'file', 'accounts']),
      ...rows.slice(0, summaryLimit).map((p) => ({
        text: describe(p) ? `${describe(p)}: ${p.message}` : p.message,
        href: '#file',
      })),
    ];
    if (n > summaryLimit)
      summary.push({
        text: `And ${n - summaryLimit} more problems, listed below the form`,
        href: '#problems',
      });
    if (summary.length) reply.code(400);
    return reply.render('publishing/views/import.njk', {
      pageTitle: 'Draft posts from a list',
      kind: state.kind,
      accountIds: state.accountIds,
      accounts: await channelAccounts.list(request.council.id),
      recent: await imports.recent(request.council.id),
      formats: importFormats,
      maxImportRows,
      errors,
      problems: rows,
      errorList: summary,
    });
  };

  app.get(paths.importList, write, async (request, reply) =>
    render(request, reply, { kind: field(request.query, 'kind'), accountIds: [], errors: {}, problems: [] }),
  );

  app.get<{ Params: { importId: string } }>(paths.importResult, write, async (request, reply) => {
    const summary = await imports.get(request.council.id, request.params.importId);
    if (!summary) return reply.callNotFound();
    const count = (o: string) => summary.items.filter((i) => i.outcome === o).length;
    return reply.render('publishing/views/import-result.njk', {
      pageTitle: `${importFormats[summary.kind].name} imported`,
      summary,
      counts: {
        drafted: count('drafted'),
        updated: count('updated'),
        unchanged: count('unchanged'),
        kept: count('kept'),
      },
    });
  });

  void app.register(async (scope) => {
    scope.addContentTypeParser(
      'multipart/form-data',
      // Larger than the file limit, so an oversized file gets a GOV.UK error rather than a 413.
      { parseAs: 'buffer', bodyLimit: maxImportBytes * 4 },
      async (request: { headers: Record<string, unknown> }, body: Buffer) => {
        const form = await new Request('http://upload.invalid/', {
          method: 'POST',
          headers: { 'content-type': String(request.headers['content-type']) },
          body,
        }).formData();
        const out: Upload = { accounts: [] };
        const csrf = form.get('_csrf');
        const kind = form.get('kind');
        const file = form.get('file');
        if (typeof csrf === 'string') out._csrf = csrf;
        if (typeof kind === 'string') out.kind = kind;
        out.accounts = form.getAll('accounts').filter((a): a is string => typeof a === 'string' && a !== '');
        if (file && typeof file !== 'string' && (file.name || file.size))
          out.file = { filename: file.name, data: new Uint8Array(await file.arrayBuffer()) };
        return out;
      },
    );
    scope.post(paths.importList, write, async (request, reply) => {
      const upload = (request.body ?? { accounts: [] }) as Upload;
      const kind = upload.kind ?? field(request.body, 'kind');
      const accountIds = upload.accounts ?? [];
      const errors: FieldErrors = {};
      if (!isImportKind(kind)) errors.kind = 'Select what the file lists: roadworks or events';
      if (!upload.file) errors.file = 'Select a CSV file to import';
      if (!isImportKind(kind) || !upload.file)
        return render(request, reply, { kind, accountIds, errors, problems: [] });
      const result = await imports.importFile(
        opts.staffOf(request),
        { kind, filename: upload.file.filename, data: upload.file.data, accountIds },
        opts.settingsOf(request),
      );
      if (!result.ok)
        return render(request, reply, {
          kind,
          accountIds,
          errors: result.fieldErrors,
          problems: result.problems,
        });
      return seeOther(request, reply, `/staff/publishing/imports/${result.importId}`);
    });
  });
}
