/**
 * ModernGov's public web service (`mgWebService.asmx`): GetCommittees, GetMeetings and
 * GetMeeting, read into plain records. Real responses carry dd/mm/yyyy dates, "10.00 am"
 * times (Europe/London) and agenda text that is HTML escaped inside the XML; the HTML is
 * reduced to plain text here, so nothing a remote system sends is ever shown as markup.
 * Anything missing or malformed throws ModernGovError naming what and where.
 */
import { londonTime } from '../london-time.ts';
import { XmlError, child, children, parseXml, textOf, type XmlElement } from './xml.ts';

export class ModernGovError extends Error {
  constructor(
    readonly kind: 'malformed' | 'unavailable',
    message: string,
  ) {
    super(message);
    this.name = 'ModernGovError';
  }
}

export type MgCommittee = { id: string; title: string; category: string; isActive: boolean };
export type MgMeetingRef = { id: string; committeeId: string; startsAt: Date; status: string };
export type MgPaper = { title: string; url: string };
export type MgAgendaItem = {
  id: string;
  number: string;
  title: string;
  body: string;
  minutes: string;
  papers: MgPaper[];
};
export type MgMeeting = {
  id: string;
  startsAt: Date;
  endsAt: Date | null;
  location: string;
  status: string;
  isWebcast: boolean;
  items: MgAgendaItem[];
};

function parse(xml: string, what: string, rootName: string): XmlElement {
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch (error) {
    if (error instanceof XmlError) throw new ModernGovError('malformed', `${what}: ${error.message}`);
    throw error;
  }
  if (root.name !== rootName)
    throw new ModernGovError(
      'malformed',
      `${what}: expected <${rootName}> but the response is <${root.name}>`,
    );
  return root;
}

function required(el: XmlElement, name: string, where: string): string {
  const value = textOf(el, name);
  if (!value) throw new ModernGovError('malformed', `${where}: <${name}> is missing or empty`);
  return value;
}

function id(el: XmlElement, name: string, where: string): string {
  const value = required(el, name, where);
  if (!/^\d{1,12}$/u.test(value))
    throw new ModernGovError('malformed', `${where}: <${name}> is "${value}", not a number`);
  return value;
}

/** "13/01/2026" and "10.00 am" (or "10:00", "2.30 pm") as an instant, Europe/London. */
export function parseMgDateTime(date: string, time: string, where: string): Date {
  const d = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/u.exec(date.trim());
  if (!d) throw new ModernGovError('malformed', `${where}: date "${date}" is not dd/mm/yyyy`);
  const [day, month, year] = [Number(d[1]), Number(d[2]), Number(d[3])];
  let hour = 0;
  let minute = 0;
  if (time.trim()) {
    const t = /^(\d{1,2})[.:](\d{2})\s*(am|pm)?$/iu.exec(time.trim());
    if (!t) throw new ModernGovError('malformed', `${where}: time "${time}" is not like "10.00 am"`);
    hour = Number(t[1]);
    minute = Number(t[2]);
    const half = t[3]?.toLowerCase();
    if (half === 'pm' && hour < 12) hour += 12;
    if (half === 'am' && hour === 12) hour = 0;
  }
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (
    probe.getUTCFullYear() !== year ||
    probe.getUTCMonth() !== month - 1 ||
    probe.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59
  )
    throw new ModernGovError('malformed', `${where}: "${date} ${time}" is not a real date and time`);
  return londonTime(year, month, day, hour, minute);
}

const htmlEntities: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  pound: '£',
  euro: '€',
  ndash: '–',
  mdash: '—',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  hellip: '…',
  bull: '•',
  copy: '©',
};

/**
 * HTML (as ModernGov stores agenda text) to plain text: scripts and styles dropped with
 * their content, block ends as line breaks, every other tag removed, entities decoded last
 * so that an escaped `&lt;script&gt;` in the text stays text.
 */
export function htmlToText(html: string): string {
  const text = html
    // As a browser would: runs of white space, line breaks included, are one space.
    .replace(/\s+/gu, ' ')
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/giu, '')
    .replace(/<!--[\s\S]*?-->/gu, '')
    .replace(/<br\s*\/?>/giu, '\n')
    .replace(/<\/(p|div|li|h[1-6]|tr|table|ul|ol)\s*>/giu, '\n\n')
    .replace(/<[^>]*>/gu, '')
    .replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/giu, (m, e: string) => {
      if (e.startsWith('#')) {
        const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
      }
      return htmlEntities[e.toLowerCase()] ?? m;
    });
  return text
    .split('\n')
    .map((line) => line.replace(/[ \t\u00a0]+/gu, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/gu, '\n\n')
    .trim();
}

const isTrue = (v: string) => v.trim().toLowerCase() === 'true';

export function readCommittees(xml: string): MgCommittee[] {
  const root = parse(xml, 'GetCommittees', 'committees');
  return children(root, 'committee').map((c, n) => {
    const where = `GetCommittees, committee ${n + 1}`;
    return {
      id: id(c, 'committeeid', where),
      title: required(c, 'committeetitle', where),
      category: textOf(c, 'committeecategory'),
      isActive: !isTrue(textOf(c, 'committeedeleted')) && !isTrue(textOf(c, 'committeeexpired')),
    };
  });
}

export function readMeetings(xml: string): MgMeetingRef[] {
  const root = parse(xml, 'GetMeetings', 'getmeetings');
  return children(root, 'committee').flatMap((c, n) => {
    const committeeId = id(c, 'committeeid', `GetMeetings, committee ${n + 1}`);
    const list = child(c, 'committeemeetings');
    return (list ? children(list, 'meeting') : []).map((m, k) => {
      const where = `GetMeetings, committee ${committeeId}, meeting ${k + 1}`;
      return {
        id: id(m, 'meetingid', where),
        committeeId,
        startsAt: parseMgDateTime(required(m, 'meetingdate', where), textOf(m, 'meetingtime'), where),
        status: textOf(m, 'meetingstatus'),
      };
    });
  });
}

export function readMeeting(xml: string): MgMeeting {
  const root = parse(xml, 'GetMeeting', 'meeting');
  const meetingId = id(root, 'meetingid', 'GetMeeting');
  const where = `GetMeeting ${meetingId}`;
  const date = required(root, 'meetingdate', where);
  const finish = textOf(root, 'meetingplannedfinishtime');
  const list = child(root, 'agendaitems');
  return {
    id: meetingId,
    startsAt: parseMgDateTime(date, textOf(root, 'meetingtime'), where),
    endsAt: finish ? parseMgDateTime(date, finish, where) : null,
    location: textOf(root, 'meetinglocation'),
    status: textOf(root, 'meetingstatus'),
    isWebcast: isTrue(textOf(root, 'iswebcast')),
    items: (list ? children(list, 'agendaitem') : []).map((item, n) => {
      const itemWhere = `${where}, agenda item ${n + 1}`;
      const docs = child(item, 'linkeddocuments');
      return {
        id: id(item, 'agendaitemid', itemWhere),
        number: textOf(item, 'fulldisplaynumberformat').replace(/\.$/u, ''),
        title: required(item, 'agendaitemtitle', itemWhere),
        body: htmlToText(child(item, 'agendatext')?.text ?? ''),
        minutes: htmlToText(child(item, 'minutesnonemptyhtmlbody')?.text ?? ''),
        papers: (docs ? children(docs, 'linkeddoc') : [])
          .filter((d) => !isTrue(textOf(d, 'isrestricted')))
          .map((d) => ({ title: textOf(d, 'title') || 'Document', url: textOf(d, 'url') }))
          .filter((p) => /^https?:\/\//u.test(p.url)),
      };
    }),
  };
}

/** Fetches the three calls over HTTP(S). */
export class ModernGovClient {
  constructor(
    private readonly baseUrl: string,
    private readonly opts: { timeoutMs?: number; fetch?: typeof fetch } = {},
  ) {}

  private async call(method: string, params: Record<string, string>): Promise<string> {
    const url = new URL(`${this.baseUrl.replace(/\/+$/u, '')}/mgWebService.asmx/${method}`);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    let res: Response;
    try {
      res = await (this.opts.fetch ?? fetch)(url, {
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 15_000),
        headers: { accept: 'text/xml, application/xml' },
      });
    } catch (error) {
      throw new ModernGovError('unavailable', `${method}: ${(error as Error).message}`);
    }
    if (!res.ok) throw new ModernGovError('unavailable', `${method}: the server answered ${res.status}`);
    return res.text();
  }

  committees(): Promise<string> {
    return this.call('GetCommittees', {});
  }

  /** Dates as ModernGov wants them: dd/mm/yyyy. */
  meetings(committeeId: string, from: Date, to: Date): Promise<string> {
    const dmy = (d: Date) =>
      `${String(d.getUTCDate()).padStart(2, '0')}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${d.getUTCFullYear()}`;
    return this.call('GetMeetings', { lCommitteeId: committeeId, sFromDate: dmy(from), sToDate: dmy(to) });
  }

  meeting(meetingId: string): Promise<string> {
    return this.call('GetMeeting', { lMeetingId: meetingId });
  }
}
