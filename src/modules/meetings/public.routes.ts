/**
 * Residents' pages: the list of meetings, a meeting (agenda, papers, stream, questions), the
 * question form, the live wall and its SSE stream, upvotes, polls and the archive. Every page
 * works without JavaScript; public/live-wall.js only keeps the wall current.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorList, field } from '../../web/forms.ts';
import { sendError } from '../../web/errors.ts';
import { publicKinds } from './live.ts';
import { meetingPaths as paths, pathTo } from './meetings.paths.ts';
import { attendanceLabels, MeetingsError, statusLabels, type Meeting } from './meetings.types.ts';
import type { MeetingsModule } from './module.ts';
import { formatWebcastTime } from './question-rules.ts';
import { serveEvents } from './sse.ts';
import { hlsAssets } from './assets.routes.ts';
import { frameSources, recordingAt, streamEmbed } from './webcast.ts';

const voterCookie = 'ts_voter';

type Params = { meetingId: string; questionId?: string; pollId?: string };

/** The voter's cookie, set on first vote: one vote per resident per question. */
function voterKey(request: FastifyRequest, reply: FastifyReply, secure: boolean): string {
  const existing = request.cookies[voterCookie];
  if (existing && /^[A-Za-z0-9_-]{22}$/u.test(existing)) return existing;
  const key = randomBytes(16).toString('base64url');
  reply.setCookie(voterCookie, key, {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    maxAge: 365 * 86400,
  });
  return key;
}

/** Adds the embed's host to the CSP on this response only (the default allows no frames). */
function allowEmbed(reply: FastifyReply, kind: string | undefined, mediaUrl?: string): void {
  const csp = reply.getHeader('content-security-policy');
  if (typeof csp !== 'string') return;
  if (kind === 'youtube' || kind === 'vimeo')
    reply.header('content-security-policy', `${csp};frame-src ${frameSources.join(' ')}`);
  if (kind === 'hls' && mediaUrl) {
    // hls.js fetches the playlist and segments (connect-src) and plays them from a blob: URL
    // (media-src); a browser ignores a repeated directive, so connect-src is extended in place.
    const origin = new URL(mediaUrl).origin;
    const withConnect = /(^|;)\s*connect-src /u.test(csp)
      ? csp.replace(/((?:^|;)\s*connect-src [^;]*)/u, `$1 ${origin}`)
      : `${csp};connect-src 'self' ${origin}`;
    reply.header('content-security-policy', `${withConnect};media-src 'self' blob: ${origin}`);
  }
}

export function registerPublicMeetingRoutes(
  app: FastifyInstance,
  deps: { module: MeetingsModule; secret: Buffer; secureCookies: boolean },
): void {
  const { meetings, questions } = deps.module;
  const sourceHash = (request: FastifyRequest) =>
    createHmac('sha256', deps.secret)
      .update(`${request.council.id}:${request.ip}`)
      .digest('hex')
      .slice(0, 32);

  const load = async (
    request: FastifyRequest<{ Params: Params }>,
    reply: FastifyReply,
  ): Promise<Meeting | undefined> => {
    try {
      return await meetings.getMeeting(request.council.id, request.params.meetingId);
    } catch (error) {
      if (error instanceof MeetingsError && error.kind === 'not_found') {
        await sendError(request, reply, 404);
        return undefined;
      }
      throw error;
    }
  };

  app.get(paths.list, async (request, reply) => {
    const all = await meetings.listMeetings(request.council.id);
    const now = Date.now();
    return reply.render('meetings/views/public/list.njk', {
      pageTitle: 'Council meetings',
      upcoming: all.filter((m) => m.startsAt.getTime() >= now - 6 * 3600_000).reverse(),
      past: all.filter((m) => m.startsAt.getTime() < now - 6 * 3600_000),
    });
  });

  const renderMeeting = async (
    request: FastifyRequest<{ Params: Params }>,
    reply: FastifyReply,
    meeting: Meeting,
    extra: Record<string, unknown> = {},
  ) => {
    const councilId = request.council.id;
    const [agenda, wall, polls, window] = await Promise.all([
      meetings.listAgenda(councilId, meeting.id),
      questions.wall(councilId, meeting.id),
      questions.polls(councilId, meeting.id),
      questions.deadline(councilId, meeting),
    ]);
    const embed = streamEmbed(meeting.streamUrl);
    allowEmbed(reply, embed?.kind, embed?.kind === 'hls' ? embed.mediaUrl : undefined);
    const q = request.query as Record<string, unknown>;
    return reply.render('meetings/views/public/meeting.njk', {
      pageTitle: meeting.title,
      meeting,
      attendanceLabel: attendanceLabels[meeting.attendance],
      agenda,
      questions: wall.questions,
      polls,
      embed,
      hlsAssets,
      deadline: window.deadline,
      isOpen: window.isOpen,
      statusLabels,
      flash:
        q.asked === '1'
          ? 'Your question has been received. A moderator will check it before it is shown.'
          : undefined,
      ...extra,
    });
  };

  app.get<{ Params: Params }>(paths.meeting, async (request, reply) => {
    const meeting = await load(request, reply);
    return meeting && renderMeeting(request, reply, meeting);
  });

  // The question form ----------------------------------------------------------------------
  const renderAsk = async (
    request: FastifyRequest<{ Params: Params }>,
    reply: FastifyReply,
    meeting: Meeting,
    extra: Record<string, unknown>,
  ) => {
    const [rules, window] = await Promise.all([
      meetings.rules(request.council.id),
      questions.deadline(request.council.id, meeting),
    ]);
    return reply.render('meetings/views/public/ask.njk', {
      pageTitle: `Ask a question – ${meeting.title}`,
      meeting,
      rules,
      deadline: window.deadline,
      isOpen: window.isOpen,
      values: {},
      errors: {},
      ...extra,
    });
  };

  app.get<{ Params: Params }>(paths.ask, async (request, reply) => {
    const meeting = await load(request, reply);
    return meeting && renderAsk(request, reply, meeting, {});
  });

  app.post<{ Params: Params }>(
    paths.ask,
    { config: { rateLimit: { max: 10, timeWindow: '1 minute' } } },
    async (request, reply) => {
      const meeting = await load(request, reply);
      if (!meeting) return;
      const values = {
        name: field(request.body, 'name'),
        email: field(request.body, 'email'),
        ward: field(request.body, 'ward'),
        text: field(request.body, 'text'),
      };
      try {
        await questions.submit(request.council.id, meeting.id, values);
      } catch (error) {
        if (!(error instanceof MeetingsError) || error.kind !== 'rule') throw error;
        reply.code(400);
        return renderAsk(request, reply, meeting, {
          values,
          errors: error.fieldErrors,
          errorList: errorList(error.fieldErrors, ['name', 'email', 'ward', 'text']),
        });
      }
      return reply.redirect(
        `${request.basePath}${pathTo(paths.meeting, { meetingId: meeting.id })}?asked=1`,
        303,
      );
    },
  );

  // The live wall ------------------------------------------------------------------------------
  const renderWall = async (
    request: FastifyRequest<{ Params: Params }>,
    reply: FastifyReply,
    meeting: Meeting,
    extra: Record<string, unknown> = {},
  ) => {
    const [wall, agenda, polls] = await Promise.all([
      questions.wall(request.council.id, meeting.id),
      meetings.listAgenda(request.council.id, meeting.id),
      questions.polls(request.council.id, meeting.id),
    ]);
    const q = request.query as Record<string, unknown>;
    return reply.render('meetings/views/public/wall.njk', {
      pageTitle: `Live questions – ${meeting.title}`,
      meeting,
      questions: wall.questions,
      lastEventId: wall.lastEventId,
      agendaTitles: Object.fromEntries(
        agenda.map((a) => [a.id, `${a.number ? `${a.number}. ` : ''}${a.title}`]),
      ),
      polls,
      statusLabels,
      updatedAt: new Date(),
      flash: q.voted === '1' ? 'Your vote has been counted' : undefined,
      ...extra,
    });
  };

  app.get<{ Params: Params }>(paths.wall, async (request, reply) => {
    const meeting = await load(request, reply);
    return meeting && renderWall(request, reply, meeting);
  });

  app.get<{ Params: Params }>(
    paths.events,
    { config: { rateLimit: { max: 120, timeWindow: '1 minute' } } },
    async (request, reply) => {
      const meeting = await load(request, reply);
      if (!meeting) return;
      await serveEvents(request, reply, {
        hub: deps.module.hub,
        db: deps.module.db,
        councilId: request.council.id,
        meetingId: meeting.id,
        kinds: publicKinds,
      });
    },
  );

  app.post<{ Params: Params }>(
    paths.vote,
    { config: { rateLimit: { max: 60, timeWindow: '1 minute' } } },
    async (request, reply) => {
      const meeting = await load(request, reply);
      if (!meeting) return;
      try {
        await questions.vote(request.council.id, meeting.id, request.params.questionId ?? '', {
          voterKey: voterKey(request, reply, deps.secureCookies),
          sourceHash: sourceHash(request),
        });
      } catch (error) {
        if (error instanceof MeetingsError && error.kind === 'not_found')
          return sendError(request, reply, 404);
        if (!(error instanceof MeetingsError) || error.kind !== 'rule') throw error;
        reply.code(400);
        return renderWall(request, reply, meeting, {
          errorList: [{ text: error.message, href: `#question-${request.params.questionId ?? ''}` }],
        });
      }
      return reply.redirect(
        `${request.basePath}${pathTo(paths.wall, { meetingId: meeting.id })}?voted=1#question-${request.params.questionId ?? ''}`,
        303,
      );
    },
  );

  app.post<{ Params: Params }>(
    paths.pollVote,
    { config: { rateLimit: { max: 30, timeWindow: '1 minute' } } },
    async (request, reply) => {
      const meeting = await load(request, reply);
      if (!meeting) return;
      const choice = field(request.body, 'choice');
      try {
        await questions.answerPoll(
          request.council.id,
          meeting.id,
          request.params.pollId ?? '',
          voterKey(request, reply, deps.secureCookies),
          choice === '' ? -1 : Number(choice),
        );
      } catch (error) {
        if (error instanceof MeetingsError && error.kind === 'not_found')
          return sendError(request, reply, 404);
        if (!(error instanceof MeetingsError)) throw error;
        reply.code(400);
        return renderWall(request, reply, meeting, {
          errorList: [{ text: error.message, href: `#poll-${request.params.pollId ?? ''}-0` }],
        });
      }
      return reply.redirect(
        `${request.basePath}${pathTo(paths.wall, { meetingId: meeting.id })}#poll-${request.params.pollId ?? ''}`,
        303,
      );
    },
  );

  // The archive --------------------------------------------------------------------------------
  app.get<{ Params: Params }>(paths.archive, async (request, reply) => {
    const meeting = await load(request, reply);
    if (!meeting) return;
    const [agenda, wall] = await Promise.all([
      meetings.listAgenda(request.council.id, meeting.id),
      questions.wall(request.council.id, meeting.id),
    ]);
    const withLinks = wall.questions.map((q) => ({
      ...q,
      at: q.webcastSeconds === null ? undefined : formatWebcastTime(q.webcastSeconds),
      link: q.webcastSeconds === null ? undefined : recordingAt(meeting.recordingUrl, q.webcastSeconds),
    }));
    return reply.render('meetings/views/public/archive.njk', {
      pageTitle: `Questions and answers – ${meeting.title}`,
      meeting,
      items: agenda.map((a) => ({ ...a, questions: withLinks.filter((q) => q.agendaItemId === a.id) })),
      other: withLinks.filter((q) => !q.agendaItemId || !agenda.some((a) => a.id === q.agendaItemId)),
      statusLabels,
    });
  });
}
