/**
 * Case references: `TS-<year>-<number>`, numbered per council per year with no gaps and no
 * duplicates. The counter row is taken under its row lock by an upsert in the transaction that
 * creates the case, so concurrent creators queue on it, and a transaction that rolls back gives
 * its number back with it.
 */
import { sql, type Tx } from '../../../db/index.ts';

const yearFormat = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', year: 'numeric' });

/** The year in the UK: a case made at 00:30 on 1 January BST/GMT belongs to the new year. */
export function londonYear(at: Date): number {
  return Number(yearFormat.format(at));
}

/** @example formatReference(2026, 123) // 'TS-2026-000123' */
export function formatReference(year: number, n: number): string {
  return `TS-${year}-${String(n).padStart(6, '0')}`;
}

export const referencePattern = /^TS-\d{4}-\d{6,}$/;

/** Takes the council's next number for the year; call inside the transaction that uses it. */
export async function nextReference(tx: Tx, councilId: string, at = new Date()): Promise<string> {
  const year = londonYear(at);
  const { rows } = await sql<{ last_number: number }>`
    INSERT INTO case_counters (council_id, year, last_number) VALUES (${councilId}, ${year}, 1)
    ON CONFLICT (council_id, year) DO UPDATE SET last_number = case_counters.last_number + 1
    RETURNING last_number`.execute(tx);
  const n = rows[0]?.last_number;
  if (n === undefined) throw new Error('case counter returned no row');
  return formatReference(year, n);
}
