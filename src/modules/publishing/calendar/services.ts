/**
 * The council services a post can be about, for the calendar's service filter. The names follow
 * the top-level headings most council websites use (after the LGA's service list), so officers
 * recognise them; stored as text on the post.
 */
export const councilServices = [
  'Bins and recycling',
  'Roads and transport',
  'Parking',
  'Council tax and benefits',
  'Housing',
  'Planning and building control',
  'Environment and pollution',
  'Parks, leisure and culture',
  'Libraries',
  'Schools and education',
  'Social care and health',
  'Business and licensing',
  'Councillors and democracy',
  'Community safety and emergencies',
] as const;

export type CouncilService = (typeof councilServices)[number];

export const isCouncilService = (value: string): value is CouncilService =>
  (councilServices as readonly string[]).includes(value);
