/**
 * What the resident wants, from phrasing rules checked in order: a question for a council meeting,
 * a complaint about the council itself, a compliment, a request for a service, a question, a
 * problem report, or other. A "noise complaint" is a problem report; a complaint *about the
 * council* blames the council or its service.
 */
import type { Sentiment } from './sentiment.ts';

export type Intent =
  | 'report_problem'
  | 'request_service'
  | 'question'
  | 'complaint'
  | 'compliment'
  | 'meeting_question'
  | 'other';

const MEETING =
  /\b(?:full council|council meeting|(?:planning|licensing|scrutiny|cabinet|overview) (?:committee|meeting)|committee meeting|public question|question (?:for|to) (?:the )?(?:full council|council meeting|cabinet|committee|leader|mayor)|deputation|speak at (?:the )?(?:committee|meeting|council)|agenda (?:item|for))\b/;

const COMPLAINT =
  /\b(?:(?:formal|official) complaint|complain(?:t|ing)? (?:about|against) (?:the |your |this )?(?:council|service|staff|officer|crew|team|contractor|department|way)|i (?:want|wish|would like) to (?:make a |raise a |lodge a )?complain|(?:nobody|no one|no-one|noone) (?:has |have )?(?:replied|responded|got back|come|bothered|done anything)|(?:still|yet) (?:not|hasn't|haven't|hasnt|havent) (?:been )?(?:fixed|done|collected|emptied|sorted|replied|responded|repaired)|reported (?:this|it) (?:\w+ )?(?:times|weeks ago|months ago|already|before|again)|(?:third|fourth|fifth|umpteenth|\d+(?:st|nd|rd|th)) time|poor service|terrible service|waste of (?:my )?(?:council tax|money)|(?:useless|incompetent|pathetic) (?:council|service|staff)|what do (?:we|i) pay (?:our|my)? ?council tax for|you (?:lot|people) (?:never|don't|do nothing)|the council (?:never|doesn't|don't|has failed|have failed|ignores?|ignored)|(?:being|been|keep being) ignored|nobody cares|disgrace(?:ful)?)\b/;

const COMPLIMENT =
  /\b(?:thank(?:s| you)(?: so much| very much)? (?:for|to)|well done|great job|good job|brilliant (?:job|work|service)|excellent (?:job|work|service)|really (?:pleased|grateful|impressed)|(?:huge|big) thanks|kudos|credit to|much appreciated|keep up the good work|fixed (?:so |really )?(?:quickly|fast|promptly))\b/;

const PROBLEM_AFTER_THANKS = /\b(?:but|however|still|again|not (?:been )?(?:fixed|collected|emptied))\b/;

const REQUEST =
  /\b(?:(?:can|could|would|will) (?:you|someone|somebody|the council|a team|an officer) (?:please |kindly )?(?:come|collect|fix|remove|send|book|arrange|replace|deliver|cut|empty|clear|repair|take|sort|check|inspect|clean|install|put|trim|grit|visit|call)|(?:i'd|i would|we'd|we would) like to (?:book|order|request|apply|arrange|register|sign up|subscribe|cancel|renew|report)|i (?:want|need|wish) to (?:book|order|request|apply|arrange|register|sign up|subscribe|cancel|renew|pay|get)|(?:please|pls|kindly) (?:send|collect|remove|arrange|book|deliver|replace|fix|come|empty|clear|cut|install|grit|repair|take|sort|visit|call)|(?:book|order|request|apply for|arrange) (?:a|an|my|our|the) |i (?:need|want) (?:a|an) (?:new|replacement|extra|larger|bigger|smaller|second)\b|request(?:ing)? (?:a|an|for)\b|apply(?:ing)? (?:for|to)|i need (?:some )?help with|help with my)/;

const QUESTION_START =
  /^(?:how|what|when|where|why|who|which|is|are|do|does|did|can i|can we|could i|may i|am i|will|would|should|have you|has the|any (?:idea|news|update))\b/;

const PROBLEM =
  /\b(?:broken|damaged|dumped|missed|overflowing|not working|blocked|pot ?holes?|fly[- ]?tip\w*|graffiti|litter|leaking|flood\w*|overgrown|abandoned|collapsed|faded|missing|dangerous|hazard|smashed|vandalised|fallen|stolen|mess|rubbish|noise|noisy|loud|rats?|mice|smell\w*|damp|mould|not (?:been )?(?:collected|emptied)|out of order|needs? (?:fixing|repair|cutting|emptying|clearing|sweeping)|dog (?:mess|fouling|poo)|street ?light|lamp ?post|out\b)/;

export interface IntentContext {
  readonly sentiment: Sentiment;
  /** Area the service classifier chose, and how sure it was. */
  readonly area: string;
  readonly areaConfidence: number;
}

/**
 * @example detectIntent('Question for the next full council meeting about buses', ctx) // 'meeting_question'
 */
export function detectIntent(text: string, ctx: IntentContext): Intent {
  const lower = (text.length > 4000 ? text.slice(0, 4000) : text)
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
  if (lower === '') return 'other';
  if (MEETING.test(lower)) return 'meeting_question';
  if (COMPLAINT.test(lower)) return 'complaint';
  if (COMPLIMENT.test(lower) && !PROBLEM_AFTER_THANKS.test(lower)) return 'compliment';
  if (ctx.sentiment === 'positive' && /\bthank/.test(lower) && !PROBLEM.test(lower)) {
    return 'compliment';
  }
  if (QUESTION_START.test(lower)) return 'question';
  if (REQUEST.test(lower)) return 'request_service';
  const firstSentence = lower.split(/[.!\n]/)[0] ?? lower;
  if (/\?\s*$/.test(firstSentence) || /\?\s*$/.test(lower)) return 'question';
  if (PROBLEM.test(lower)) return 'report_problem';
  if (ctx.area !== 'other' && ctx.areaConfidence >= 0.5) return 'report_problem';
  return 'other';
}
