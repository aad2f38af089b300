// One way to print a validation issue everywhere in the CLI: `node <id> param <p>: message`.
import type { ValidationIssue } from '../shared/events';

export function formatIssue(issue: ValidationIssue): string {
  const where: string[] = [];
  if (issue.nodeId !== undefined) where.push(`node ${issue.nodeId}`);
  if (issue.edgeId !== undefined) where.push(`edge ${issue.edgeId}`);
  if (issue.port !== undefined) where.push(`port ${issue.port}`);
  if (issue.param !== undefined) where.push(`param ${issue.param}`);
  return where.length > 0 ? `${where.join(' ')}: ${issue.message}` : issue.message;
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
