/**
 * The public contact form (GOV.UK pattern: error summary, messages at the fields, values
 * kept, CSRF on) and the public JSON API for the same thing (idempotency key header, RFC 9457
 * problems). Both are rate limited per address.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { errorList, field } from '../../../web/forms.ts';
import { problem, sendProblem } from '../../../web/problem.ts';
import { contactPaths as paths } from './contact.paths.ts';
import type { ContactService } from './contact.service.ts';
import { validateContact, type ContactInput } from './contact.validate.ts';

const order = ['name', 'email', 'phone', 'message'] as const;

function readForm(body: unknown): ContactInput {
  return {
    name: field(body, 'name'),
    email: field(body, 'email'),
    phone: field(body, 'phone'),
    message: field(body, 'message'),
  };
}

export function registerContactRoutes(app: FastifyInstance, deps: { contact: ContactService }): void {
  const formLimit = { rateLimit: { max: 10, timeWindow: '1 minute' } };
  const apiLimit = { rateLimit: { max: 30, timeWindow: '1 minute' } };

  app.get(paths.form, { schema: { hide: true } }, async (_request, reply) =>
    reply.render('inbox/contact/views/contact.njk', {
      pageTitle: 'Contact the council',
      values: {},
      errors: {},
      // One id per page load: submitting the same page twice sends one message.
      submissionId: randomUUID(),
    }),
  );

  app.post(paths.form, { config: formLimit, schema: { hide: true } }, async (request, reply) => {
    const input = readForm(request.body);
    const submissionId = field(request.body, 'submissionId') || randomUUID();
    const errors = validateContact(input);
    if (Object.keys(errors).length > 0) {
      reply.code(400);
      return reply.render('inbox/contact/views/contact.njk', {
        pageTitle: 'Contact the council',
        values: input,
        errors,
        errorList: errorList(errors, order),
        submissionId,
      });
    }
    await deps.contact.submit(request.council.id, {
      source: 'form',
      text: input.message,
      name: input.name,
      ...(input.email.trim() ? { email: input.email } : {}),
      ...(input.phone.trim() ? { phone: input.phone } : {}),
      idempotencyKey: `form-${submissionId}`,
      origin: paths.form,
      receivedAt: new Date(),
    });
    const by = input.email.trim() ? 'email' : 'phone';
    return reply.redirect(`${request.basePath}${paths.sent}?by=${by}`, 303);
  });

  app.get(paths.sent, { schema: { hide: true } }, async (request, reply) =>
    reply.render('inbox/contact/views/sent.njk', {
      pageTitle: 'Message sent',
      by: field(request.query, 'by') === 'phone' ? 'phone' : 'email',
    }),
  );

  app.post(
    paths.api,
    {
      config: apiLimit,
      schema: {
        summary: 'Send a message to the council (public; no token needed)',
        description:
          'Accepted messages are stored at once and appear in the council’s inbox within seconds. Send an `Idempotency-Key` header: a retry with the same key returns the same message and never makes a second one.',
        tags: ['inbox'],
        security: [],
        headers: { type: 'object', properties: { 'idempotency-key': { type: 'string', maxLength: 255 } } },
      },
    },
    async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      const input: ContactInput = {
        name: field(body, 'name'),
        email: field(body, 'email'),
        phone: field(body, 'phone'),
        message: field(body, 'message'),
      };
      const errors = validateContact(input);
      if (Object.keys(errors).length > 0)
        return sendProblem(
          reply,
          problem(422, 'The message could not be accepted; see errors.', {
            errors: order.flatMap((f) => (errors[f] ? [{ field: f, message: errors[f] }] : [])),
          }),
        );
      const key = request.headers['idempotency-key'];
      const submitted = await deps.contact.submit(request.council.id, {
        source: 'api',
        text: input.message,
        name: input.name,
        ...(input.email.trim() ? { email: input.email } : {}),
        ...(input.phone.trim() ? { phone: input.phone } : {}),
        ...(typeof key === 'string' && key ? { idempotencyKey: key } : {}),
        origin: 'api',
        receivedAt: new Date(),
      });
      return reply.code(202).send({
        id: submitted.messageId,
        receiptId: submitted.receiptId,
        status: submitted.messageId ? 'received' : 'queued',
        isDuplicate: submitted.isDuplicate,
      });
    },
  );
}
