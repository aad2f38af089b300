// The deploy package's report.md: the summary, the chart and every table as GitHub-flavoured markdown.
import type { Table } from '../../shared/values';

const cell = (v: string | number | null) => (v === null ? '' : String(v).replace(/\|/g, '\\|').replace(/\n/g, ' '));

export function markdownTable(t: Table): string {
  return [`### ${t.title}`, '', `| ${t.columns.map(cell).join(' | ')} |`, `| ${t.columns.map(() => '---').join(' | ')} |`, ...t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

export function markdownReport(title: string, summary: string, tables: Table[], chart: string): string {
  return [`# ${title}`, '', ...summary.split('\n').map((l) => `${l}\n`), `![Estimated latency per layer](${chart})`, '', ...tables.map((t) => `${markdownTable(t)}\n`)].join('\n');
}
