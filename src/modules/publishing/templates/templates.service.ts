/**
 * Post templates for a council: the built-in ones with the council's own wording where it has
 * changed it (stored per council, every change audited), and turning an officer's field values
 * into a composer form with the text of each channel's variant already within that channel's
 * limits.
 */
import { withCouncil, type Db, type Tx } from '../../../db/index.ts';
import type { FieldErrors } from '../../../web/forms.ts';
import { recordAudit, type Actor } from '../../accounts/index.ts';
import type { ChannelAccount, ConnectorRegistry } from '../../channels/index.ts';
import { loadGazetteer, type Gazetteer } from '../../councils/index.ts';
import { dateKey } from '../calendar/calendar-range.ts';
import type { PostForm } from '../post-form.ts';
import {
  builtInTemplates,
  templateOf,
  type TemplateDefinition,
  type TemplateKey,
  type Wording,
} from './definitions.ts';
import { cutAtWord, variantTexts } from './fit.ts';
import { readTemplateFields, renderWording, wordingProblems, type Rendered, type Values } from './render.ts';

export type CouncilTemplate = TemplateDefinition & { wording: Wording; isCustom: boolean };

const wordingParts = ['title', 'body', 'short', 'bodyCy', 'shortCy'] as const;

export class TemplateError extends Error {
  constructor(
    readonly kind: 'validation' | 'not_found',
    readonly fieldErrors: FieldErrors = {},
  ) {
    super(kind);
  }
}

const emptyDate = { day: '', month: '', year: '', time: '' };
const hhmm = (t: { hour: number; minute: number }) =>
  `${String(t.hour).padStart(2, '0')}:${String(t.minute).padStart(2, '0')}`;

export class TemplatesService {
  private gazetteerLoad: Promise<Gazetteer> | undefined;

  constructor(
    private readonly db: Db,
    private readonly registry: ConnectorRegistry,
  ) {}

  /** The council's gazetteer, for the street fields (loaded once). */
  gazetteer(): Promise<Gazetteer> {
    this.gazetteerLoad ??= loadGazetteer();
    return this.gazetteerLoad;
  }

  async list(councilId: string): Promise<CouncilTemplate[]> {
    return withCouncil(this.db, councilId, async (tx) => {
      const rows = await tx.selectFrom('publishing_templates').selectAll().execute();
      return builtInTemplates.map((t) =>
        merge(
          t,
          rows.find((r) => r.template_key === t.key),
        ),
      );
    });
  }

  async get(councilId: string, key: string): Promise<CouncilTemplate> {
    const t = templateOf(key);
    if (!t) throw new TemplateError('not_found');
    return withCouncil(this.db, councilId, (tx) => this.getIn(tx, t));
  }

  async getIn(tx: Tx, t: TemplateDefinition): Promise<CouncilTemplate> {
    const row = await tx
      .selectFrom('publishing_templates')
      .selectAll()
      .where('template_key', '=', t.key)
      .executeTakeFirst();
    return merge(t, row);
  }

  /** Replaces the council's wording of a template; audited with the wording before and after. */
  async saveWording(actor: Actor, key: string, input: Wording, isBilingual: boolean): Promise<void> {
    const t = templateOf(key);
    if (!t) throw new TemplateError('not_found');
    const wording = Object.fromEntries(
      wordingParts.map((p) => [p, (input[p] ?? '').replace(/\r\n/gu, '\n').trim()]),
    ) as Wording;
    const errors: FieldErrors = {};
    const names: Record<(typeof wordingParts)[number], string> = {
      title: 'the title',
      body: 'the full text in English',
      short: 'the short text in English',
      bodyCy: 'the full text in Welsh',
      shortCy: 'the short text in Welsh',
    };
    for (const p of wordingParts) {
      const isWelsh = p === 'bodyCy' || p === 'shortCy';
      if (!wording[p]) {
        if (!isWelsh || isBilingual)
          errors[p] =
            `Enter ${names[p]}${isWelsh ? ': this council publishes every post in Welsh and English' : ''}`;
        continue;
      }
      const problems = wordingProblems(t, wording[p]);
      if (problems.length) errors[p] = `${problems.join('. ')} (in ${names[p]})`;
    }
    if (Object.keys(errors).length) throw new TemplateError('validation', errors);
    await withCouncil(this.db, actor.councilId, async (tx) => {
      const before = await this.getIn(tx, t);
      const values = {
        title: wording.title,
        body: wording.body,
        short: wording.short,
        body_cy: wording.bodyCy || null,
        short_cy: wording.shortCy || null,
        updated_by: actor.userId,
        updated_at: new Date(),
      };
      await tx
        .insertInto('publishing_templates')
        .values({ ...values, council_id: actor.councilId, template_key: t.key })
        .onConflict((oc) => oc.columns(['council_id', 'template_key']).doUpdateSet(values))
        .execute();
      await recordAudit(tx, actor, {
        action: 'publishing.template_wording_changed',
        entityType: 'publishing_template',
        entityId: t.key,
        before: before.wording,
        after: wording,
      });
    });
  }

  /** Goes back to the built-in wording; audited. */
  async resetWording(actor: Actor, key: string): Promise<void> {
    const t = templateOf(key);
    if (!t) throw new TemplateError('not_found');
    await withCouncil(this.db, actor.councilId, async (tx) => {
      const before = await this.getIn(tx, t);
      if (!before.isCustom) return;
      await tx.deleteFrom('publishing_templates').where('template_key', '=', t.key).execute();
      await recordAudit(tx, actor, {
        action: 'publishing.template_wording_reset',
        entityType: 'publishing_template',
        entityId: t.key,
        before: before.wording,
        after: t.wording,
      });
    });
  }

  /** Reads an officer's field values from a form body against the template's fields. */
  async readFields(
    t: TemplateDefinition,
    body: unknown,
    isBilingual: boolean,
    now = new Date(),
  ): Promise<{ values: Values; errors: FieldErrors }> {
    return readTemplateFields(t, body, { isBilingual, gazetteer: await this.gazetteer(), now });
  }

  /**
   * The composer form for a filled template: title, English and Welsh text, link, event details,
   * and each chosen channel's text fitted to that channel.
   */
  toPostForm(
    t: CouncilTemplate,
    values: Values,
    opts: { isBilingual: boolean; accounts: readonly ChannelAccount[]; accountIds: string[]; now?: Date },
  ): PostForm {
    const now = opts.now ?? new Date();
    const r: Rendered = renderWording(t.wording, values, now);
    const linkValue = t.post.link ? values[t.post.link] : undefined;
    const link = linkValue?.type === 'url' ? linkValue.url : '';
    const chosen = opts.accounts.filter((a) => opts.accountIds.includes(a.id));
    const form: PostForm = {
      kind: t.kind,
      title: cutAtWord(r.title, 200),
      body: r.body,
      bodyCy: opts.isBilingual ? r.bodyCy : '',
      link,
      showOnWebsite: true,
      isEmergency: false,
      accountIds: chosen.map((a) => a.id),
      variantText: variantTexts(this.registry, chosen, r, opts.isBilingual, link),
      mediaIds: [],
      schedule: { ...emptyDate },
      repeat: '',
      repeatUntil: { ...emptyDate },
      eventStart: { ...emptyDate },
      eventEndDate: { day: '', month: '', year: '' },
      eventEndTime: '',
      eventLocation: '',
    };
    const e = t.post.event;
    if (e) {
      const date = values[e.date];
      const start = values[e.start];
      const end = values[e.end];
      const place = values[e.location];
      // The template's "Last day", when later than the first: the finish time is on that day.
      const last = e.endDate ? values[e.endDate] : undefined;
      if (date?.type === 'date' && start?.type === 'time')
        form.eventStart = {
          day: String(date.date.day),
          month: String(date.date.month),
          year: String(date.date.year),
          time: hhmm(start.time),
        };
      if (date?.type === 'date' && last?.type === 'date' && dateKey(last.date) > dateKey(date.date))
        form.eventEndDate = {
          day: String(last.date.day),
          month: String(last.date.month),
          year: String(last.date.year),
        };
      if (end?.type === 'time') form.eventEndTime = hhmm(end.time);
      if (place?.type === 'text') form.eventLocation = place.en;
    }
    return form;
  }
}

function merge(
  t: TemplateDefinition,
  row:
    | { title: string; body: string; short: string; body_cy: string | null; short_cy: string | null }
    | undefined,
): CouncilTemplate {
  if (!row) return { ...t, isCustom: false };
  return {
    ...t,
    isCustom: true,
    wording: {
      title: row.title,
      body: row.body,
      short: row.short,
      bodyCy: row.body_cy ?? t.wording.bodyCy,
      shortCy: row.short_cy ?? t.wording.shortCy,
    },
  };
}

export type { TemplateKey };
