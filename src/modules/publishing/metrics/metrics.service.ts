/**
 * Post metrics read back from the networks: likes, reposts, replies (and quotes and
 * impressions where the network gives them) for variants published recently, from the
 * connectors that can read metrics. A channel that cannot (Bluesky without an AppView) is shown
 * as "not available", never as zeros, because zero would be a claim about engagement.
 *
 * Reads run from a pg-boss cron job. A rate-limited channel is left alone until the time its
 * network gave (recorded on the channel account, which the publishing engine honours too), and
 * the rest of that run skips the account instead of spending more requests on it.
 */
import { withCouncil, type Db } from '../../../db/index.ts';
import {
  ChannelError,
  canReadMetrics,
  type ChannelAccountsService,
  type ConnectorRegistry,
  type PostMetrics,
} from '../../channels/index.ts';

export type MetricsOptions = {
  /** How long after publication a variant's metrics are read (default 7 days). */
  windowDays?: number;
  /** A variant read more recently than this is skipped (default 10 minutes). */
  minIntervalMinutes?: number;
};

export type VariantMetrics =
  | { availability: 'not_available' }
  | { availability: 'not_read' }
  | {
      availability: 'available';
      likes: number;
      reposts: number;
      replies: number;
      quotes: number | null;
      impressions: number | null;
      /** When these counts were first seen, and when they were last confirmed. */
      since: Date;
      checkedAt: Date;
    };

export type PostTotals = {
  likes: number;
  reposts: number;
  replies: number;
  impressions: number | null;
  /** Channels whose counts are included: 0 when the post has channels but none read yet. */
  channels: number;
};

export type ReadSummary = { read: number; unchanged: number; failed: number; rateLimited: string[] };

export class MetricsService {
  private readonly windowDays: number;
  private readonly minIntervalMinutes: number;
  /** Whether a channel kind can read metrics, learnt from its connector's capabilities. */
  private readonly capableKinds = new Map<string, boolean>();

  constructor(
    private readonly db: Db,
    private readonly system: Db,
    private readonly channelAccounts: ChannelAccountsService,
    private readonly registry: ConnectorRegistry,
    opts: MetricsOptions = {},
  ) {
    this.windowDays = opts.windowDays ?? 7;
    this.minIntervalMinutes = opts.minIntervalMinutes ?? 10;
  }

  /** The cron job: every council with recently published variants. */
  async readAll(now = new Date()): Promise<ReadSummary> {
    const since = new Date(now.getTime() - this.windowDays * 86_400_000);
    const councils = await this.system
      .selectFrom('post_variants')
      .select('council_id')
      .distinct()
      .where('status', '=', 'published')
      .where('published_at', '>=', since)
      .execute();
    const total: ReadSummary = { read: 0, unchanged: 0, failed: 0, rateLimited: [] };
    for (const { council_id } of councils) {
      const s = await this.readCouncil(council_id, now);
      total.read += s.read;
      total.unchanged += s.unchanged;
      total.failed += s.failed;
      total.rateLimited.push(...s.rateLimited);
    }
    return total;
  }

  /** Reads every due variant of one council, channel account by channel account. */
  async readCouncil(councilId: string, now = new Date()): Promise<ReadSummary> {
    const since = new Date(now.getTime() - this.windowDays * 86_400_000);
    const fresh = new Date(now.getTime() - this.minIntervalMinutes * 60_000);
    const due = await withCouncil(this.db, councilId, (tx) =>
      tx
        .selectFrom('post_variants as v')
        .innerJoin('channel_accounts as a', 'a.id', 'v.channel_account_id')
        .select(['v.id', 'v.external_id', 'v.channel_account_id'])
        .where('v.status', '=', 'published')
        .where('v.external_id', 'is not', null)
        .where('v.published_at', '>=', since)
        .where('a.status', '=', 'active')
        // Backing off: the network said when to come back.
        .where((eb) =>
          eb.or([eb('a.rate_limit_reset_at', 'is', null), eb('a.rate_limit_reset_at', '<=', now)]),
        )
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('post_metric_snapshots as s')
                .select('s.id')
                .whereRef('s.variant_id', '=', 'v.id')
                .where('s.checked_at', '>', fresh),
            ),
          ),
        )
        .orderBy('v.channel_account_id')
        .orderBy('v.published_at', 'desc')
        .execute(),
    );
    const summary: ReadSummary = { read: 0, unchanged: 0, failed: 0, rateLimited: [] };
    const byAccount = new Map<string, typeof due>();
    for (const v of due)
      byAccount.set(v.channel_account_id, [...(byAccount.get(v.channel_account_id) ?? []), v]);
    for (const [accountId, variants] of byAccount) {
      let connector;
      try {
        ({ connector } = await this.channelAccounts.connectorFor(councilId, accountId));
      } catch {
        continue;
      }
      this.capableKinds.set(connector.kind, canReadMetrics(connector));
      if (!canReadMetrics(connector)) continue;
      let isOk = true;
      for (const v of variants) {
        try {
          const m = await connector.readMetrics({ id: v.external_id ?? '' });
          if (await this.store(councilId, v.id, m, now)) summary.read += 1;
          else summary.unchanged += 1;
        } catch (error) {
          summary.failed += 1;
          // A post deleted on the network (rejected) is skipped; anything about the account
          // itself stops this account's reads for this run.
          if (error instanceof ChannelError && error.kind === 'rejected') continue;
          isOk = false;
          if (error instanceof ChannelError && error.kind === 'rate_limited')
            summary.rateLimited.push(accountId);
          // Records a rate limit's reset time, or flags an expired token for the owners.
          await this.channelAccounts.recordOutcome(councilId, accountId, { error });
          break;
        }
      }
      if (isOk) await this.channelAccounts.recordOutcome(councilId, accountId, {});
    }
    return summary;
  }

  /** Keeps a new row when a count moved; otherwise confirms the latest. Returns whether it moved. */
  private async store(councilId: string, variantId: string, m: PostMetrics, now: Date): Promise<boolean> {
    return withCouncil(this.db, councilId, async (tx) => {
      const latest = await tx
        .selectFrom('post_metric_snapshots')
        .selectAll()
        .where('variant_id', '=', variantId)
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      const row = {
        likes: m.likes,
        reposts: m.reposts,
        replies: m.replies,
        quotes: m.quotes ?? null,
        impressions: m.views ?? null,
      };
      if (
        latest &&
        latest.likes === row.likes &&
        latest.reposts === row.reposts &&
        latest.replies === row.replies &&
        latest.quotes === row.quotes &&
        latest.impressions === row.impressions
      ) {
        await tx
          .updateTable('post_metric_snapshots')
          .set({ checked_at: now })
          .where('id', '=', latest.id)
          .execute();
        return false;
      }
      await tx
        .insertInto('post_metric_snapshots')
        .values({ council_id: councilId, variant_id: variantId, ...row, read_at: now, checked_at: now })
        .execute();
      return true;
    });
  }

  /** The latest counts of each of a post's variants, by variant id. */
  async forPost(councilId: string, postId: string): Promise<Record<string, VariantMetrics>> {
    const rows = await withCouncil(this.db, councilId, (tx) =>
      tx
        .selectFrom('post_variants as v')
        .innerJoin('channel_accounts as a', 'a.id', 'v.channel_account_id')
        .leftJoin(
          (eb) =>
            eb
              .selectFrom('post_metric_snapshots')
              .distinctOn('variant_id')
              .selectAll()
              .orderBy('variant_id')
              .orderBy('id', 'desc')
              .as('s'),
          (j) => j.onRef('s.variant_id', '=', 'v.id'),
        )
        .select([
          'v.id',
          'v.status',
          'a.kind',
          'a.settings',
          's.likes',
          's.reposts',
          's.replies',
          's.quotes',
          's.impressions',
          's.read_at',
          's.checked_at',
        ])
        .where('v.post_id', '=', postId)
        .execute(),
    );
    const result: Record<string, VariantMetrics> = {};
    for (const r of rows) {
      if (!this.canRead(r.kind, r.settings)) result[r.id] = { availability: 'not_available' };
      else if (r.likes === null || r.reposts === null || r.replies === null || !r.read_at || !r.checked_at)
        result[r.id] = { availability: 'not_read' };
      else
        result[r.id] = {
          availability: 'available',
          likes: r.likes,
          reposts: r.reposts,
          replies: r.replies,
          quotes: r.quotes,
          impressions: r.impressions,
          since: new Date(r.read_at),
          checkedAt: new Date(r.checked_at),
        };
    }
    return result;
  }

  /**
   * Totals per post over the channels that report metrics (latest counts of each variant).
   * A website-only post has no entry.
   */
  async totals(councilId: string, postIds: string[]): Promise<Record<string, PostTotals>> {
    if (postIds.length === 0) return {};
    const rows = await withCouncil(this.db, councilId, (tx) =>
      tx
        .selectFrom('post_variants as v')
        .leftJoin(
          (eb) =>
            eb
              .selectFrom('post_metric_snapshots')
              .distinctOn('variant_id')
              .select(['variant_id', 'likes', 'reposts', 'replies', 'impressions'])
              .orderBy('variant_id')
              .orderBy('id', 'desc')
              .as('s'),
          (j) => j.onRef('s.variant_id', '=', 'v.id'),
        )
        .select((eb) => [
          'v.post_id',
          eb.fn.sum<string | null>('s.likes').as('likes'),
          eb.fn.sum<string | null>('s.reposts').as('reposts'),
          eb.fn.sum<string | null>('s.replies').as('replies'),
          eb.fn.sum<string | null>('s.impressions').as('impressions'),
          eb.fn.count<string>('s.variant_id').as('channels'),
        ])
        .where('v.post_id', 'in', postIds)
        .groupBy('v.post_id')
        .execute(),
    );
    return Object.fromEntries(
      rows.map((r) => [
        r.post_id,
        {
          likes: Number(r.likes ?? 0),
          reposts: Number(r.reposts ?? 0),
          replies: Number(r.replies ?? 0),
          impressions: r.impressions === null ? null : Number(r.impressions),
          channels: Number(r.channels),
        },
      ]),
    );
  }

  /** Whether a channel kind reads metrics: asked of a connector built without credentials. */
  private canRead(kind: string, settings: unknown): boolean {
    const known = this.capableKinds.get(kind);
    if (known !== undefined) return known;
    try {
      const connector = this.registry.create(kind as never, {
        settings: (settings ?? {}) as Record<string, string>,
        credentials: {},
      });
      const capable = canReadMetrics(connector);
      this.capableKinds.set(kind, capable);
      return capable;
    } catch {
      // This account's settings cannot build a connector: say "not read yet" rather than guess
      // for the whole kind, until the job (or another account) learns it.
      return true;
    }
  }
}
