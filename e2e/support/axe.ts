/**
 * Runs axe-core on the page as it is now and sorts what it finds into what fails a build
 * (serious and critical) and what is only reported (moderate and minor).
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Result } from 'axe-core';
import type { Page } from 'playwright-core';

/** WCAG 2.0, 2.1 and 2.2 at levels A and AA: what UK public sector websites must meet. */
export const wcagTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

const failingImpacts = new Set(['serious', 'critical']);

export type AxeFindings = { failing: Result[]; other: Result[]; passes: number };

/** The page must come from a context with CSP bypassed: axe is injected as a script. */
export async function scanWithAxe(page: Page): Promise<AxeFindings> {
  const results = await new AxeBuilder({ page }).withTags(wcagTags).analyze();
  return {
    failing: results.violations.filter((v) => failingImpacts.has(v.impact ?? '')),
    other: results.violations.filter((v) => !failingImpacts.has(v.impact ?? '')),
    passes: results.passes.length,
  };
}

/** One line per rule and element: rule, impact, target and the help text with its link. */
export function describeViolations(violations: Result[]): string {
  return violations
    .flatMap((v) =>
      v.nodes.map(
        (node) =>
          `${v.id} (${v.impact ?? 'unknown'}) at ${node.target.join(' ')}: ${v.help} ${v.helpUrl}` +
          (node.failureSummary ? `\n      ${node.failureSummary.replace(/\n/g, '\n      ')}` : ''),
      ),
    )
    .join('\n  ');
}
