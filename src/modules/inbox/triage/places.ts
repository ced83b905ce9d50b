/**
 * Places named in a message: UK postcodes (validated; with coordinates and ward when the council's
 * gazetteer knows them), the gazetteer's street names and its ward names.
 */
import { normalisePostcode, type Gazetteer, type Ward } from '../../councils/index.ts';

export interface Place {
  readonly kind: 'postcode' | 'street' | 'ward';
  /** The canonical form: normalised postcode, gazetteer street spelling or ward name. */
  readonly text: string;
  readonly lat?: number;
  readonly lon?: number;
  readonly wardCode?: string;
  readonly wardName?: string;
}

/** Scanning for places stops here; a place is named near the start of a real message. */
const MAX_PLACE_CHARS = 20_000;
const MAX_PLACES = 20;

// Loose shape, then normalisePostcode() validates it properly (area letters, inward letters).
const POSTCODE_SHAPE = /\b([A-Za-z]{1,2}\d[A-Za-z\d]?) ?(\d[A-Za-z]{2})\b/g;

/** Ward names that are also everyday words only count when written as a name before "ward". */
const COMMON_WORD_WARDS = new Set(['park', 'college']);

function wardKey(name: string): string {
  return name
    .toLowerCase()
    .replace(/['\u2019]/g, '')
    .replace(/\bsaint\b/g, 'st')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export interface PlaceFinder {
  find(text: string): Place[];
}

export function createPlaceFinder(gazetteer: Gazetteer): PlaceFinder {
  const wards = gazetteer.wards.map((w) => ({ ward: w, key: wardKey(w.name) }));
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const wardPattern = new RegExp(
    `(?<![\\p{L}\\p{N}])(?:${wards
      .map((w) => escape(w.key).replace(/ /g, '[^\\p{L}\\p{N}]+'))
      .sort((a, b) => b.length - a.length)
      .join('|')})(?![\\p{L}\\p{N}])`,
    'gu',
  );
  const wardByKey = new Map<string, Ward>(wards.map((w) => [w.key, w.ward]));

  function findWards(text: string, seen: Set<string>, out: Place[]): void {
    // Match on a lower-cased copy with "saint" folded and apostrophes removed; same length is
    // not guaranteed, so common-word wards are checked against the original casing separately.
    const folded = text
      .toLowerCase()
      .replace(/['\u2019]/g, '')
      .replace(/\bsaint\b/g, 'st');
    for (const m of folded.matchAll(wardPattern)) {
      const key = wardKey(m[0]);
      const ward = wardByKey.get(key);
      if (!ward || seen.has(`ward:${ward.code}`)) continue;
      if (COMMON_WORD_WARDS.has(key)) {
        const named = new RegExp(`\\b${escape(ward.name)} [Ww]ard\\b`);
        if (!named.test(text)) continue;
      }
      seen.add(`ward:${ward.code}`);
      out.push({
        kind: 'ward',
        text: ward.name,
        lat: ward.lat,
        lon: ward.lon,
        wardCode: ward.code,
        wardName: ward.name,
      });
    }
  }

  return {
    find(input: string): Place[] {
      const text = input.length > MAX_PLACE_CHARS ? input.slice(0, MAX_PLACE_CHARS) : input;
      const out: Place[] = [];
      const seen = new Set<string>();
      for (const m of text.matchAll(POSTCODE_SHAPE)) {
        const postcode = normalisePostcode(`${m[1] ?? ''}${m[2] ?? ''}`);
        if (!postcode || seen.has(postcode)) continue;
        seen.add(postcode);
        const hit = gazetteer.lookupPostcode(postcode);
        out.push(
          hit
            ? {
                kind: 'postcode',
                text: postcode,
                lat: hit.lat,
                lon: hit.lon,
                wardCode: hit.wardCode,
                wardName: hit.wardName,
              }
            : { kind: 'postcode', text: postcode },
        );
      }
      for (const s of gazetteer.findStreets(text)) {
        if (seen.has(`street:${s.street}`)) continue;
        seen.add(`street:${s.street}`);
        out.push(
          s.ward
            ? { kind: 'street', text: s.street, wardCode: s.ward.code, wardName: s.ward.name }
            : { kind: 'street', text: s.street },
        );
      }
      findWards(text, seen, out);
      return out.slice(0, MAX_PLACES);
    },
  };
}
