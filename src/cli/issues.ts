// One way to print a validation issue everywhere in the CLI: `node <id> param <p>: message`.
import type { ValidationIssue } from '../shared/events';
import { shorten } from '../engine/quote';

/** The most characters of one issue's message printed; ids and names in it are shortened on their own. */
export const MAX_MESSAGE_CHARS = 600;

export function formatIssue(issue: ValidationIssue): string {
  // Ids, ports and params come from the graph file as written: any length, any characters.
  const where: string[] = [];
  if (issue.nodeId !== undefined) where.push(`node ${shorten(issue.nodeId)}`);
  if (issue.edgeId !== undefined) where.push(`edge ${shorten(issue.edgeId)}`);
  if (issue.port !== undefined) where.push(`port ${shorten(issue.port)}`);
  if (issue.param !== undefined) where.push(`param ${shorten(issue.param)}`);
  const message = shorten(issue.message, MAX_MESSAGE_CHARS);
  return where.length > 0 ? `${where.join(' ')}: ${message}` : message;
}

/** Issues from loading and from validation overlap; print each once, in first-seen order. */
export function uniqueIssues(issues: ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.code}\u0000${formatIssue(issue)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
