// The sentence for a param value its schema refuses, in one place, so validation, `condense run --set` and
// the editor word the same problem the same way ("epochs must be at most 1000 (got 5000)").
import type { z } from 'zod';

const show = (value: unknown) => (value === undefined ? 'nothing' : JSON.stringify(value));

function bound(issue: z.core.$ZodIssue, which: 'minimum' | 'maximum'): string {
  const i = issue as unknown as { origin?: string; inclusive?: boolean; minimum?: unknown; maximum?: unknown };
  const limit = String(i[which]);
  const unit = i.origin === 'string' ? ' characters' : i.origin === 'array' || i.origin === 'set' ? ' items' : '';
  if (which === 'minimum') return i.inclusive === false ? `more than ${limit}${unit}` : `at least ${limit}${unit}`;
  return i.inclusive === false ? `less than ${limit}${unit}` : `at most ${limit}${unit}`;
}

/** One zod issue as a sentence about the param, with the allowed range when there is one. */
export function paramIssueMessage(issue: z.core.$ZodIssue, params: Record<string, unknown>): string {
  const name = issue.path.map(String).join('.') || 'params';
  let value: unknown = params;
  for (const key of issue.path) value = value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  switch (issue.code) {
    case 'too_small':
      return `${name} must be ${bound(issue, 'minimum')} (got ${show(value)})`;
    case 'too_big':
      return `${name} must be ${bound(issue, 'maximum')} (got ${show(value)})`;
    case 'invalid_type':
      return `${name} must be ${issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`} (got ${show(value)})`;
    case 'invalid_value':
      return `${name} must be one of ${issue.values.map((v) => show(v)).join(', ')} (got ${show(value)})`;
    case 'not_multiple_of':
      return `${name} must be a multiple of ${String(issue.divisor)} (got ${show(value)})`;
    default:
      return `${name}: ${issue.message}`;
  }
}
