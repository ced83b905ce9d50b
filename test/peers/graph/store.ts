/**
 * The Graph contract server's storage and request plumbing: what it holds per object, how
 * it reads form, multipart and JSON bodies (as the Graph API accepts all three), and how it
 * recognises image types by their magic bytes rather than by what the client claims.
 */
import type http from 'node:http';

export type Stored = {
  id: string;
  type: 'post' | 'photo' | 'comment' | 'message' | 'ig_container' | 'ig_media' | 'ig_comment';
  text: string;
  altTexts: string[];
  createdAt: number;
  likes: number;
  replies: number;
  shares: number;
  deleted: boolean;
  link?: string | undefined;
  parentId?: string | undefined;
  fromId?: string | undefined;
  fromName?: string | undefined;
  published?: boolean;
  isCarouselItem?: boolean;
  isVisitor?: boolean;
  privateReplied?: boolean;
  mediaType?: string | undefined;
};

/** Live posts and Instagram media published by the account whose text contains `marker`. */
export function countIn(objects: Iterable<Stored>, marker: string): number {
  let n = 0;
  for (const o of objects)
    if ((o.type === 'post' || o.type === 'ig_media') && !o.deleted && !o.isVisitor && o.text.includes(marker))
      n += 1;
  return n;
}

export function imageType(b: Uint8Array): string | undefined {
  const starts = (...sig: number[]) => sig.every((v, i) => b[i] === v);
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'image/png';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  if (starts(0x42, 0x4d)) return 'image/bmp';
  if (starts(0x49, 0x49, 0x2a, 0x00) || starts(0x4d, 0x4d, 0x00, 0x2a)) return 'image/tiff';
  if (starts(0x52, 0x49, 0x46, 0x46) && b[8] === 0x57 && b[9] === 0x45) return 'image/webp';
  return undefined;
}

export async function readRaw(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function readBody(req: http.IncomingMessage): Promise<Map<string, string | Blob>> {
  const raw = await readRaw(req);
  const out = new Map<string, string | Blob>();
  const type = req.headers['content-type'] ?? '';
  if (raw.length === 0) return out;
  if (type.startsWith('multipart/form-data')) {
    const form = await new Request('http://x/', {
      method: 'POST',
      headers: { 'content-type': type },
      body: raw,
    }).formData();
    for (const [k, v] of form) out.set(k, v);
  } else if (type.startsWith('application/json')) {
    const json = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    for (const [k, v] of Object.entries(json)) out.set(k, typeof v === 'string' ? v : JSON.stringify(v));
  } else for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) out.set(k, v);
  return out;
}
