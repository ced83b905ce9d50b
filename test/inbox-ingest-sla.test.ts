/**
 * SLA due times: business hours in Europe/London, bank holidays in England and Wales, the clock
 * changes, and which policy applies.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  addBusinessMinutes,
  choosePolicy,
  computeBankHolidays,
  dueAt,
  isBankHoliday,
  slaDue,
  type SlaPolicy,
} from '../src/modules/inbox/sla/index.ts';
import { publishedBankHolidays } from '../src/modules/inbox/sla/bank-holidays.ts';

const at = (iso: string) => new Date(iso);
const due = (start: string, minutes: number) => addBusinessMinutes(at(start), minutes).toISOString();

describe('business hours', () => {
  it('carries Friday 16:30 + 60 minutes over the weekend to Monday 09:30', () => {
    // 28 November 2025 is a Friday in GMT.
    assert.equal(due('2025-11-28T16:30:00Z', 60), '2025-12-01T09:30:00.000Z');
  });

  it('ends exactly at closing time when the minutes fit', () => {
    assert.equal(due('2025-11-28T16:00:00Z', 60), '2025-11-28T17:00:00.000Z');
  });

  it('starts the clock at 09:00 for a message sent overnight or at the weekend', () => {
    assert.equal(due('2025-11-26T03:12:00Z', 30), '2025-11-26T09:30:00.000Z');
    assert.equal(due('2025-11-29T11:00:00Z', 30), '2025-12-01T09:30:00.000Z');
    assert.equal(due('2025-11-26T19:00:00Z', 30), '2025-11-27T09:30:00.000Z');
  });

  it('skips a bank holiday Monday', () => {
    // Friday 22 August 2025 16:00 BST (15:00Z); Monday 25 August is the summer bank holiday.
    assert.equal(due('2025-08-22T15:00:00Z', 120), '2025-08-26T09:00:00.000Z');
  });

  it('skips Good Friday and Easter Monday together', () => {
    // Thursday 2 April 2026 16:30 BST + 60 minutes -> Tuesday 7 April 09:30 BST.
    assert.equal(due('2026-04-02T15:30:00Z', 60), '2026-04-07T08:30:00.000Z');
  });

  it('skips Christmas, the substitute Boxing Day and the weekend', () => {
    // Thursday 24 December 2026 16:00 + 120 -> Tuesday 29 December 10:00 (25th Fri, 28th Mon substitute).
    assert.equal(due('2026-12-24T16:00:00Z', 120), '2026-12-29T10:00:00.000Z');
  });

  it('keeps eight working hours across the March clock change', () => {
    // Friday 27 March 2026 16:00 GMT + 120 -> Monday 30 March 10:00 BST = 09:00Z.
    assert.equal(due('2026-03-27T16:00:00Z', 120), '2026-03-30T09:00:00.000Z');
    // 09:00 on the Monday after the change is 08:00Z.
    assert.equal(due('2026-03-29T12:00:00Z', 0), '2026-03-30T08:00:00.000Z');
  });

  it('keeps eight working hours across the October clock change', () => {
    // Friday 23 October 2026 16:00 BST (15:00Z) + 120 -> Monday 26 October 10:00 GMT.
    assert.equal(due('2026-10-23T15:00:00Z', 120), '2026-10-26T10:00:00.000Z');
    // A whole working day (480 minutes) from Monday 09:00 GMT ends at 17:00 GMT.
    assert.equal(due('2026-10-26T09:00:00Z', 480), '2026-10-26T17:00:00.000Z');
  });

  it('counts several days for a long SLA', () => {
    // Monday 1 December 2025 09:00 + 5 working days of 480 minutes -> Friday 17:00.
    assert.equal(due('2025-12-01T09:00:00Z', 5 * 480), '2025-12-05T17:00:00.000Z');
  });

  it('runs round the clock when the policy says so', () => {
    assert.equal(dueAt(at('2025-11-28T16:30:00Z'), 60, false).toISOString(), '2025-11-28T17:30:00.000Z');
  });
});

describe('bank holidays', () => {
  it('computes the same days as the published list for 2025-2028', () => {
    for (const [year, days] of Object.entries(publishedBankHolidays))
      assert.deepEqual(computeBankHolidays(Number(year)), [...days].sort(), `year ${year}`);
  });

  it('knows substitute days', () => {
    assert.ok(isBankHoliday(2028, 1, 3)); // New Year's Day 2028 is a Saturday
    assert.ok(!isBankHoliday(2028, 1, 1));
    assert.ok(isBankHoliday(2027, 12, 28));
  });
});

describe('SLA policies', () => {
  const p = (area: string | null, urgency: string | null, first: number): SlaPolicy => ({
    area,
    urgency,
    firstResponseMinutes: first,
    resolutionMinutes: first * 10,
    isBusinessHours: true,
  });
  const policies = [
    p(null, null, 480),
    p('waste', null, 240),
    p(null, 'emergency', 15),
    p('waste', 'high', 60),
  ];

  it('prefers area and urgency, then area, then urgency, then the default', () => {
    assert.equal(choosePolicy(policies, 'waste', 'high')?.firstResponseMinutes, 60);
    assert.equal(choosePolicy(policies, 'waste', 'routine')?.firstResponseMinutes, 240);
    assert.equal(choosePolicy(policies, 'housing', 'emergency')?.firstResponseMinutes, 15);
    assert.equal(choosePolicy(policies, null, 'routine')?.firstResponseMinutes, 480);
    assert.equal(choosePolicy([], 'waste', 'routine'), undefined);
  });

  it('gives both due times', () => {
    const d = slaDue(policies, 'housing', 'routine', at('2025-11-28T16:30:00Z'));
    assert.equal(d?.firstResponseDueAt.toISOString(), '2025-12-01T16:30:00.000Z');
  });
});
