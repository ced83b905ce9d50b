/**
 * Drafting posts from data: a roadworks or events list is read and checked whole, then every
 * row drafts one post from the matching template in a single transaction, so a file either
 * imports completely or not at all. An item imported before (same reference) updates its draft
 * while it is still a draft, and is left alone once it has moved on (submitted, published,
 * deleted): never a second post for the same works.
 */
import { sql, withCouncil, type Db } from '../../../db/index.ts';
import { recordAudit } from '../../accounts/index.ts';
import type { ChannelAccountsService } from '../../channels/index.ts';
import { draftErrors, readSchedule } from '../post-form.ts';
import type { CouncilPublishingSettings, PostsService, Staff } from '../posts.service.ts';
import { templateOf } from '../templates/definitions.ts';
import { eventSpan } from '../templates/render.ts';
import type { TemplatesService } from '../templates/templates.service.ts';
import { readImportFile, type ImportProblem } from './csv.ts';
import { importFormats, type ImportKind } from './formats.ts';

export type ImportOutcome = 'drafted' | 'updated' | 'unchanged' | 'kept';

export type ImportResult =
  | { ok: true; importId: string }
  | { ok: false; problems: ImportProblem[]; fieldErrors: Partial<Record<'accounts' | 'file', string>> };

export type ImportSummary = {
  id: string;
  kind: ImportKind;
  filename: string;
  rowCount: number;
  createdAt: Date;
  items: {
    reference: string;
    postId: string;
    title: string;
    status: string;
    isDeleted: boolean;
    outcome: ImportOutcome;
  }[];
};

const isUuid = (v: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/u.test(v);

export class ImportService {
  constructor(
    private readonly db: Db,
    private readonly posts: PostsService,
    private readonly templates: TemplatesService,
    private readonly channelAccounts: ChannelAccountsService,
  ) {}

  async importFile(
    staff: Staff,
    input: { kind: ImportKind; filename: string; data: Uint8Array; accountIds: string[] },
    settings: CouncilPublishingSettings,
    now = new Date(),
  ): Promise<ImportResult> {
    const { actor } = staff;
    const isBilingual = settings.isBilingual === true;
    const format = importFormats[input.kind];
    const accounts = await this.channelAccounts.list(actor.councilId);
    if (input.accountIds.some((id) => !accounts.some((a) => a.id === id)))
      return { ok: false, problems: [], fieldErrors: { accounts: 'Select channels from the list' } };
    const read = readImportFile(format, input.filename, input.data, {
      isBilingual,
      gazetteer: await this.templates.gazetteer(),
      now,
    });
    if (!read.ok) return { ok: false, problems: read.problems, fieldErrors: {} };
    const definition = templateOf(format.template)!;
    // Each time was a real clock time, but not every one exists in the UK: 01:30 on the night
    // the clocks go forward never happens. Such a row is the file's fault, reported like the rest.
    const unreal = definition.post.event ? read.rows.filter((r) => !eventSpan(definition, r.values)) : [];
    if (unreal.length)
      return {
        ok: false,
        fieldErrors: {},
        problems: unreal.map((r) => ({
          row: r.row,
          column: 'end_time',
          message:
            'The start or finish time does not happen in the UK that day (the clocks go forward from 1am to 2am), or the event finishes before it starts: change start_time or end_time',
        })),
      };

    const importId = await withCouncil(this.db, actor.councilId, async (tx) => {
      // One import at a time per council, so two uploads of one file cannot both draft.
      await sql`SELECT pg_advisory_xact_lock(hashtext('publishing-import'), hashtext(${actor.councilId}))`.execute(
        tx,
      );
      const template = await this.templates.getIn(tx, definition);
      const { id } = await tx
        .insertInto('publishing_imports')
        .values({
          council_id: actor.councilId,
          kind: format.kind,
          filename: input.filename.slice(0, 200),
          row_count: read.rows.length,
          created_by: actor.userId ?? '',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const counts: Record<ImportOutcome, number> = { drafted: 0, updated: 0, unchanged: 0, kept: 0 };
      for (const row of read.rows) {
        const form = this.templates.toPostForm(template, row.values, {
          isBilingual,
          accounts,
          accountIds: input.accountIds,
          now,
        });
        const errors = draftErrors(form);
        const schedule = readSchedule(form, errors, now);
        // The event's start and finish come from the template's values, already checked by
        // the template's own rules (a row's columns, not the composer's boxes, are the source).
        const span = eventSpan(template, row.values);
        if (span) {
          delete errors.eventEndTime;
          schedule.eventStart = span.start;
          schedule.eventEnd = span.end;
        }
        // The template's own checks passed, so this would be a fault in a template, not the file.
        if (Object.keys(errors).length)
          throw new Error(
            `Template ${template.key} made an invalid draft: ${Object.values(errors).join('; ')}`,
          );
        const existing = await tx
          .selectFrom('publishing_import_items as i')
          .innerJoin('posts as p', 'p.id', 'i.post_id')
          .select(['i.post_id', 'i.row_hash', 'p.status', 'p.deleted_at'])
          .where('i.kind', '=', format.kind)
          .where('i.reference', '=', row.reference)
          .executeTakeFirst();
        let outcome: ImportOutcome;
        let postId: string;
        if (!existing) {
          postId = await this.posts.writeDraft(tx, actor, form, settings, schedule);
          outcome = 'drafted';
          await tx
            .insertInto('publishing_import_items')
            .values({
              council_id: actor.councilId,
              kind: format.kind,
              reference: row.reference,
              post_id: postId,
              row_hash: row.hash,
              first_import_id: id,
              last_import_id: id,
              last_outcome: outcome,
            })
            .execute();
        } else {
          postId = existing.post_id;
          if (existing.status !== 'draft' || existing.deleted_at) outcome = 'kept';
          else if (existing.row_hash === row.hash) outcome = 'unchanged';
          else {
            await this.posts.writeDraft(tx, actor, form, settings, schedule, postId);
            outcome = 'updated';
          }
          await tx
            .updateTable('publishing_import_items')
            .set({
              last_import_id: id,
              last_outcome: outcome,
              updated_at: new Date(),
              ...(outcome === 'updated' ? { row_hash: row.hash } : {}),
            })
            .where('kind', '=', format.kind)
            .where('reference', '=', row.reference)
            .execute();
        }
        counts[outcome] += 1;
      }
      await recordAudit(tx, actor, {
        action: 'publishing.import',
        entityType: 'publishing_import',
        entityId: id,
        after: { kind: format.kind, filename: input.filename, rows: read.rows.length, ...counts },
      });
      return id;
    });
    return { ok: true, importId };
  }

  /** One import and what it did with each item, or undefined when the council has no such import. */
  async get(councilId: string, importId: string): Promise<ImportSummary | undefined> {
    if (!isUuid(importId)) return undefined;
    return withCouncil(this.db, councilId, async (tx) => {
      const row = await tx
        .selectFrom('publishing_imports')
        .selectAll()
        .where('id', '=', importId)
        .executeTakeFirst();
      if (!row) return undefined;
      const items = await tx
        .selectFrom('publishing_import_items as i')
        .innerJoin('posts as p', 'p.id', 'i.post_id')
        .select(['i.reference', 'i.post_id', 'i.last_outcome', 'p.title', 'p.status', 'p.deleted_at'])
        .where('i.last_import_id', '=', importId)
        .orderBy('i.reference')
        .execute();
      return {
        id: row.id,
        kind: row.kind as ImportKind,
        filename: row.filename,
        rowCount: row.row_count,
        createdAt: new Date(row.created_at),
        items: items.map((i) => ({
          reference: i.reference,
          postId: i.post_id,
          title: i.title,
          status: i.status,
          isDeleted: i.deleted_at !== null,
          outcome: i.last_outcome as ImportOutcome,
        })),
      };
    });
  }

  /** The council's latest imports, newest first. */
  async recent(
    councilId: string,
    limit = 10,
  ): Promise<{ id: string; kind: string; filename: string; rowCount: number; createdAt: Date }[]> {
    return withCouncil(this.db, councilId, async (tx) =>
      (
        await tx
          .selectFrom('publishing_imports')
          .select(['id', 'kind', 'filename', 'row_count', 'created_at'])
          .orderBy('created_at', 'desc')
          .limit(limit)
          .execute()
      ).map((r) => ({
        id: r.id,
        kind: r.kind,
        filename: r.filename,
        rowCount: r.row_count,
        createdAt: new Date(r.created_at),
      })),
    );
  }
}
