/**
 * The media library: images the council may attach to posts, each with its text alternative.
 * Types are read from the file's first bytes, not its name, and an image without alt text is
 * refused (the table refuses it too).
 */
import { withCouncil, type Db } from '../../db/index.ts';
import { recordAudit, type Actor } from '../accounts/index.ts';
import { PublishingError } from './posts.service.ts';

export const maxImageBytes = 5 * 1024 * 1024;

const signatures: [string, (b: Uint8Array) => boolean][] = [
  ['image/png', (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47],
  ['image/jpeg', (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['image/gif', (b) => b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38],
  [
    'image/webp',
    (b) =>
      Buffer.from(b.subarray(0, 4)).toString('latin1') === 'RIFF' &&
      Buffer.from(b.subarray(8, 12)).toString('latin1') === 'WEBP',
  ],
];

export function sniffImageType(data: Uint8Array): string | undefined {
  return signatures.find(([, test]) => test(data))?.[0];
}

export type MediaItem = {
  id: string;
  filename: string;
  mimeType: string;
  altText: string;
  size: number;
  createdAt: Date;
};

export class MediaLibrary {
  constructor(private readonly db: Db) {}

  async add(actor: Actor, input: { filename: string; data: Uint8Array; altText: string }): Promise<string> {
    const errors: Partial<Record<string, string>> = {};
    const mimeType = input.data.byteLength ? sniffImageType(input.data) : undefined;
    if (!input.data.byteLength) errors.file = 'Select an image';
    else if (!mimeType) errors.file = 'The selected file must be a JPG, PNG, GIF or WebP image';
    else if (input.data.byteLength > maxImageBytes)
      errors.file = 'The selected image must be smaller than 5MB';
    const altText = input.altText.trim();
    if (!altText)
      errors.altText =
        'Enter alt text that describes the image, like “Temporary traffic lights on the High Street”';
    else if (altText.length > 1000) errors.altText = 'Alt text must be 1,000 characters or fewer';
    if (Object.keys(errors).length || !mimeType) throw new PublishingError('validation', errors);
    return withCouncil(this.db, actor.councilId, async (tx) => {
      const row = await tx
        .insertInto('media_items')
        .values({
          council_id: actor.councilId,
          filename: input.filename.slice(0, 200) || 'image',
          mime_type: mimeType,
          data: Buffer.from(input.data),
          alt_text: altText,
          created_by: actor.userId,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await recordAudit(tx, actor, {
        action: 'media.added',
        entityType: 'media_item',
        entityId: row.id,
        after: { filename: input.filename, mimeType, altText, size: input.data.byteLength },
      });
      return row.id;
    });
  }

  async list(councilId: string): Promise<MediaItem[]> {
    return withCouncil(this.db, councilId, async (tx) =>
      (
        await tx
          .selectFrom('media_items')
          .select([
            'id',
            'filename',
            'mime_type',
            'alt_text',
            'created_at',
            (eb) => eb.fn<number>('octet_length', ['data']).as('size'),
          ])
          .orderBy('created_at', 'desc')
          .limit(200)
          .execute()
      ).map((r) => ({
        id: r.id,
        filename: r.filename,
        mimeType: r.mime_type,
        altText: r.alt_text,
        size: Number(r.size),
        createdAt: r.created_at,
      })),
    );
  }

  /** The image itself, for the staff preview and the public news page. */
  async read(
    councilId: string,
    id: string,
  ): Promise<{ data: Buffer; mimeType: string; altText: string } | undefined> {
    if (!/^[0-9a-f-]{36}$/u.test(id)) return undefined;
    return withCouncil(this.db, councilId, async (tx) => {
      const r = await tx
        .selectFrom('media_items')
        .select(['data', 'mime_type', 'alt_text'])
        .where('id', '=', id)
        .executeTakeFirst();
      return r ? { data: r.data, mimeType: r.mime_type, altText: r.alt_text } : undefined;
    });
  }
}
