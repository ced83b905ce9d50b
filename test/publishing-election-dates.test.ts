/**
 * The pre-election period check reads a post's time on the UK's clock: a council's period
 * runs from midnight to midnight UK time, so in summer (BST) the hour after midnight is the
 * next day, though UTC still says the day before. Checked at both clock changes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { electionMentions } from '../src/modules/publishing/index.ts';

const text = 'Cllr Jones and the Green Party open the new library.';
const mentions = (start: string, end: string, at: string) =>
  electionMentions(text, { preElectionPeriods: [{ start, end }] }, new Date(at));

describe('the pre-election period check goes by the UK date', () => {
  it('starts a period at midnight BST, an hour before midnight UTC', () => {
    // Period from Thursday 2 April 2026 (BST).
    assert.deepEqual(mentions('2026-04-02', '2026-05-07', '2026-04-01T23:30:00Z'), [
      'Green Party',
      'a councillor',
    ]);
    assert.deepEqual(
      mentions('2026-04-02', '2026-05-07', '2026-04-01T22:59:00Z'),
      [],
      '23:59 BST the day before',
    );
  });

  it('ends a period at midnight BST, so 00:30 BST the next day is outside it', () => {
    assert.notDeepEqual(
      mentions('2026-04-02', '2026-05-07', '2026-05-07T22:59:00Z'),
      [],
      '23:59 BST polling day',
    );
    assert.deepEqual(mentions('2026-04-02', '2026-05-07', '2026-05-07T23:30:00Z'), [], '00:30 BST 8 May');
  });

  it('is right either side of the spring clock change (Sunday 29 March 2026)', () => {
    // A period starting on the Sunday: the first hour of that day is still GMT.
    assert.deepEqual(mentions('2026-03-29', '2026-05-07', '2026-03-28T23:59:00Z'), [], '23:59 GMT Saturday');
    assert.notDeepEqual(mentions('2026-03-29', '2026-05-07', '2026-03-29T00:30:00Z'), [], '00:30 GMT Sunday');
    // A period starting on the Monday: its first half hour is 23:00 to 23:30 UTC on Sunday.
    assert.deepEqual(mentions('2026-03-30', '2026-05-07', '2026-03-29T22:59:00Z'), [], '23:59 BST Sunday');
    assert.notDeepEqual(mentions('2026-03-30', '2026-05-07', '2026-03-29T23:30:00Z'), [], '00:30 BST Monday');
  });

  it('is right either side of the autumn clock change (Sunday 25 October 2026)', () => {
    // A period ending on the Saturday: 00:30 BST on the Sunday is 23:30 UTC on the Saturday.
    assert.notDeepEqual(
      mentions('2026-10-01', '2026-10-24', '2026-10-24T22:59:00Z'),
      [],
      '23:59 BST Saturday',
    );
    assert.deepEqual(mentions('2026-10-01', '2026-10-24', '2026-10-24T23:30:00Z'), [], '00:30 BST Sunday');
    // A period starting on the Monday after: the Sunday ends at midnight GMT, as UTC does.
    assert.deepEqual(mentions('2026-10-26', '2026-11-30', '2026-10-25T23:59:00Z'), [], '23:59 GMT Sunday');
    assert.notDeepEqual(
      mentions('2026-10-26', '2026-11-30', '2026-10-26T00:00:00Z'),
      [],
      'midnight GMT Monday',
    );
  });
});
