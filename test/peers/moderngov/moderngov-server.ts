/**
 * A contract server for ModernGov's `mgWebService.asmx`, serving real responses (fixtures/)
 * the way the service does: GET /mgWebService.asmx/{Method}?params, text/xml. A test may
 * replace any response (to serve a malformed one) and read the requests made.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

export type ModernGovServer = {
  url: string;
  /** Every request made, as `Method?query`. */
  requests: string[];
  /** Replaces a response: key like `GetMeeting?lMeetingId=4967`, or just `GetCommittees`. */
  override: (key: string, body: string | undefined) => void;
  close: () => Promise<void>;
};

const emptyMeetings = `<?xml version="1.0" encoding="utf-8"?>
<getmeetings>
  <meetingscount> 0</meetingscount>
  <committeescount> 0</committeescount>
</getmeetings>
`;

async function fixture(method: string, params: URLSearchParams): Promise<string | undefined> {
  switch (method) {
    case 'GetCommittees':
      return fs.readFile(path.join(fixtures, 'GetCommittees.xml'), 'utf8');
    case 'GetMeetings': {
      if (!params.get('sFromDate') || !params.get('sToDate')) return undefined;
      return params.get('lCommitteeId') === '144'
        ? fs.readFile(path.join(fixtures, 'GetMeetings_committee144.xml'), 'utf8')
        : emptyMeetings;
    }
    case 'GetMeeting': {
      const id = params.get('lMeetingId');
      if (id === '4966') return fs.readFile(path.join(fixtures, 'GetMeeting_4966_no_minutes.xml'), 'utf8');
      if (id === '4967') return fs.readFile(path.join(fixtures, 'GetMeeting_4967_with_minutes.xml'), 'utf8');
      return undefined;
    }
    default:
      return undefined;
  }
}

export async function startModernGovServer(): Promise<ModernGovServer> {
  const requests: string[] = [];
  const overrides = new Map<string, string>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = /^\/mgWebService\.asmx\/(\w+)$/u.exec(url.pathname);
    const method = match?.[1] ?? '';
    const key = `${method}${url.search}`;
    requests.push(key);
    void (async () => {
      const body =
        overrides.get(key) ??
        overrides.get(method) ??
        (match ? await fixture(method, url.searchParams) : undefined);
      if (body === undefined) {
        // What ASP.NET answers for a missing parameter or an unknown method.
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('System.InvalidOperationException: Request format is invalid.');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' });
      res.end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    override: (k, body) => (body === undefined ? overrides.delete(k) : overrides.set(k, body)),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
