/**
 * One regular expression that matches wherever any of several does: the quick "can any rule fire
 * at all?" test that lets most messages skip trying rules one by one.
 *
 * Alternatives that start with a word boundary share one: `\b(?:a|b|c)` rather than
 * `(?:\ba)|(?:\bb)|(?:\bc)`. The two match the same texts, but V8 tries every alternative at every
 * position of the second, and checks the boundary once per position, then only at word starts, in
 * the first: about twice as fast over resident messages.
 */

/** The top-level alternatives of a pattern source (split at `|` outside groups and classes). */
export function topLevelAlternatives(source: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let inClass = false;
  let start = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      parts.push(source.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(source.slice(start));
  return parts;
}

/**
 * @example unionOf([/\bgas leak\b/, /\bflood(?:ed|ing)\b/]).test('the kitchen flooded') // true
 */
export function unionOf(patterns: readonly RegExp[], flags = ''): RegExp {
  const bounded: string[] = [];
  const other: string[] = [];
  for (const p of patterns)
    for (const alt of topLevelAlternatives(p.source))
      if (alt.startsWith('\\b')) bounded.push(alt.slice(2));
      else other.push(alt);
  const all = [...(bounded.length > 0 ? [`\\b(?:${bounded.join('|')})`] : []), ...other];
  return new RegExp(all.map((a) => `(?:${a})`).join('|'), flags);
}
