/**
 * Row ids are PostgreSQL uuids. An id from a URL is checked before it reaches a query: a
 * malformed one is "not found" for the caller, where PostgreSQL would raise 22P02 and the
 * request would end as a 500.
 */
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/iu;

/** @example isUuid('not-an-id') // false */
export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}
