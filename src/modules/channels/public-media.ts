/**
 * Images put on the council's public site for networks that fetch them themselves
 * (Instagram's `image_url`). Each copy is addressed by a random 256-bit token, so nothing
 * else in the media library, and nothing of another council, can be reached by guessing;
 * the same bytes keep the same address while the copy is kept, so a retried publish offers
 * the same URL. A copy is kept for `keepPublicMediaHours` after its address was last handed
 * out (`purgeUnused`, run by the `channels.purge-public-media` job), then deleted: its URL
 * answers 404, and handing the same bytes out again makes a new copy at a new address.
 */
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { withCouncil, type Db } from '../../db/index.ts';
import { ChannelError } from './channel-error.ts';
import type { MediaInput } from './port.ts';

export const publicMediaPath = '/media/shared/:token';

const types = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/**
 * How long a copy outlives the last time its address was handed to a network. Instagram
 * fetches the image while it makes a media container, and a container not published within
 * 24 hours expires; a retry after that hands the address out again, which renews the copy.
 */
export const keepPublicMediaHours = 24;

export type PublicMediaFile = { data: Buffer; mimeType: string; sha256: string };

export class PublicMedia {
  /**
   * `originOf` says where a council's public site is, e.g. https://www.kirkby.gov.uk, or
   * undefined when it has no public address a network could fetch from.
   */
  constructor(
    private readonly db: Db,
    private readonly originOf: (councilId: string) => Promise<string | undefined>,
  ) {}

  /**
   * Stores the image (once per content) and returns its public URL. Finding the copy and
   * marking it used are one statement, so the purge can never delete it in between.
   */
  async host(councilId: string, media: MediaInput): Promise<string> {
    if (!types.has(media.mimeType))
      throw new ChannelError('rejected', `Images of type ${media.mimeType} cannot be shared publicly`);
    const origin = await this.originOf(councilId);
    if (!origin)
      throw new ChannelError(
        'rejected',
        'This council has no public web address for Instagram to fetch images from; set TOWNSQUARE_PUBLIC_URL or the council’s host name',
      );
    const sha256 = createHash('sha256').update(media.data).digest('hex');
    const token = await withCouncil(this.db, councilId, async (tx) => {
      const row = await tx
        .insertInto('channel_public_media')
        .values({
          council_id: councilId,
          token: randomBytes(32).toString('base64url'),
          sha256,
          mime_type: media.mimeType,
          data: Buffer.from(media.data),
        })
        .onConflict((oc) => oc.columns(['council_id', 'sha256']).doUpdateSet({ last_used_at: sql`now()` }))
        .returning('token')
        .executeTakeFirstOrThrow();
      return row.token;
    });
    return `${origin}${publicMediaPath.replace(':token', token)}`;
  }

  /** The image behind a token, for this council only. */
  async read(councilId: string, token: string): Promise<PublicMediaFile | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    return withCouncil(this.db, councilId, async (tx) => {
      const row = await tx
        .selectFrom('channel_public_media')
        .select(['data', 'mime_type', 'sha256'])
        .where('token', '=', token)
        .executeTakeFirst();
      return row ? { data: row.data, mimeType: row.mime_type, sha256: row.sha256 } : undefined;
    });
  }

  /**
   * Deletes this council's copies whose address nobody has been handed since `before`;
   * returns how many went.
   */
  async purgeUnused(councilId: string, before: Date): Promise<number> {
    return withCouncil(this.db, councilId, async (tx) => {
      const r = await tx
        .deleteFrom('channel_public_media')
        .where('last_used_at', '<', before)
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    });
  }
}
