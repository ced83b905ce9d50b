/**
 * The hashtags the council's open meetings take questions under, for the inbox's Bluesky
 * hashtag listener (its `HashtagWatch` port, inbox/ingest/bluesky-tags.ts). Cached per council
 * for 30 s, like the MessageTap's filter, because the listener asks for every streamed post.
 */
import { withCouncil, type Db } from '../../db/index.ts';
import type { HashtagWatch } from '../inbox/index.ts';
import { openMeetings } from './inbox-questions.ts';

const cacheMs = 30_000;

export function meetingHashtags(db: Db, clock: () => Date = () => new Date()): HashtagWatch {
  const cache = new Map<string, { at: number; tags: ReadonlySet<string> }>();
  return {
    async hashtagsFor(councilId) {
      const hit = cache.get(councilId);
      if (hit && Date.now() - hit.at < cacheMs) return hit.tags;
      const now = clock();
      const meetings = await withCouncil(db, councilId, (tx) => openMeetings(tx, now));
      // A post after the deadline is still taken: filing refuses it and tells the asker why.
      const tags = new Set(meetings.flatMap((m) => (m.hashtag ? [m.hashtag.toLowerCase()] : [])));
      cache.set(councilId, { at: Date.now(), tags });
      return tags;
    },
  };
}
