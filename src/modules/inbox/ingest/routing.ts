/**
 * Which team a conversation goes to. Emergencies (risk to life, safeguarding) go to the urgent
 * queue whatever the service; otherwise the most specific routing rule wins: area and category,
 * then category, then area, then the council's default rule (both empty).
 */
export type Team = { id: string; isUrgentQueue: boolean; dutyContact: string | null };
export type RoutingRule = { area: string | null; category: string | null; teamId: string };
export type RoutingTable = { teams: Team[]; rules: RoutingRule[]; urgentTeam: Team | undefined };

export function routingTable(teams: Team[], rules: RoutingRule[]): RoutingTable {
  return { teams, rules, urgentTeam: teams.find((t) => t.isUrgentQueue) };
}

function score(r: RoutingRule, area: string | null, category: string | null): number {
  if (r.area !== null && r.area !== area) return -1;
  if (r.category !== null && r.category !== category) return -1;
  return (r.category !== null ? 2 : 0) + (r.area !== null ? 1 : 0);
}

export function routeTo(
  table: RoutingTable,
  triage: { area: string | null; category: string | null; urgency: string },
): string | null {
  if (triage.urgency === 'emergency' && table.urgentTeam) return table.urgentTeam.id;
  let best: RoutingRule | undefined;
  let bestScore = -1;
  for (const r of table.rules) {
    const s = score(r, triage.area, triage.category);
    if (s > bestScore) [best, bestScore] = [r, s];
  }
  return best?.teamId ?? null;
}
