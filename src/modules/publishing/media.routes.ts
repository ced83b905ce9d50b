/**
 * The media library pages. Uploads are multipart forms, parsed with the platform's own
 * `Request.formData()` in a scope of their own, so no other route accepts multipart bodies.
 * Also the public address of images handed to a network that fetches them itself
 * (Instagram's image_url).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorList, field } from '../../web/forms.ts';
import { seeOther } from '../../web/staff-routes.ts';
import { publicMediaPath, type PublicMedia } from '../channels/index.ts';
import { PublishingError } from './posts.service.ts';
import type { Publishing } from './publishing.module.ts';
import { publishingPaths as paths } from './publishing.paths.ts';
import { staffOf } from './publishing.routes.ts';
import { maxImageBytes } from './media.service.ts';

type Upload = { _csrf?: string; altText?: string; file?: { filename: string; data: Uint8Array } };

export function registerMediaRoutes(app: FastifyInstance, publishing: Publishing): void {
  const write = { preHandler: app.requireStaff('publishing.write') };
  const render = async (request: FastifyRequest, errors: Partial<Record<string, string>>, altText = '') => ({
    pageTitle: 'Media library',
    items: await publishing.media.list(request.council.id),
    errors,
    errorList: errorList(errors, ['file', 'altText']),
    values: { altText },
    flash: field(request.query, 'done') === 'added' ? 'The image is added to the library' : undefined,
  });

  app.get(paths.media, write, async (request, reply) =>
    reply.render('publishing/views/media.njk', await render(request, {})),
  );

  app.get<{ Params: { mediaId: string } }>(paths.mediaFile, write, async (request, reply) => {
    const item = await publishing.media.read(request.council.id, request.params.mediaId);
    if (!item) return reply.callNotFound();
    return reply.type(item.mimeType).header('cache-control', 'private, max-age=3600').send(item.data);
  });

  void app.register(async (scope) => {
    scope.addContentTypeParser(
      'multipart/form-data',
      { parseAs: 'buffer', bodyLimit: maxImageBytes + 512 * 1024 },
      async (request: { headers: Record<string, unknown> }, body: Buffer) => {
        const form = await new Request('http://upload.invalid/', {
          method: 'POST',
          headers: { 'content-type': String(request.headers['content-type']) },
          body,
        }).formData();
        const out: Upload = {};
        const csrf = form.get('_csrf');
        const alt = form.get('altText');
        const file = form.get('file');
        if (typeof csrf === 'string') out._csrf = csrf;
        if (typeof alt === 'string') out.altText = alt;
        if (file && typeof file !== 'string')
          out.file = { filename: file.name, data: new Uint8Array(await file.arrayBuffer()) };
        return out;
      },
    );
    scope.post(paths.media, write, async (request, reply) => {
      const upload = (request.body ?? {}) as Upload;
      try {
        await publishing.media.add(staffOf(request).actor, {
          filename: upload.file?.filename ?? '',
          data: upload.file?.data ?? new Uint8Array(),
          altText: upload.altText ?? field(request.body, 'altText'),
        });
      } catch (error) {
        if (!(error instanceof PublishingError) || error.kind !== 'validation') throw error;
        reply.code(400);
        return reply.render(
          'publishing/views/media.njk',
          await render(request, error.fieldErrors, upload.altText ?? ''),
        );
      }
      return seeOther(request, reply, paths.media, { done: 'added' });
    });
  });
}

/**
 * Published images at their public address: `/media/shared/{token}` on the council's own site.
 * The 256-bit token is the only key (nothing is listed, and another council's token is not
 * found under this council's address); only images already handed to a network are there, so
 * the private media library stays private. The bytes behind a token never change, so they are
 * cached for a year, and any site (Instagram's fetcher) may load them.
 */
export function registerPublicMediaRoutes(app: FastifyInstance, media: PublicMedia): void {
  app.get<{ Params: { token: string } }>(
    publicMediaPath,
    { schema: { hide: true } },
    async (request, reply) => {
      const file = await media.read(request.council.id, request.params.token);
      if (!file) return reply.callNotFound();
      const etag = `"${file.sha256}"`;
      reply
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('etag', etag)
        .header('cross-origin-resource-policy', 'cross-origin')
        .header('content-disposition', 'inline');
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();
      return reply.type(file.mimeType).send(file.data);
    },
  );
}
