// What the search popup lists: node types matching the query and, for a wire dropped on empty canvas, only
// those with a port the wire can plug into, together with that port.
import type { NodeDescriptor } from '../../shared/node-descriptor';
import { portCompatibility, type PortSpec } from '../../shared/port-types';

/** Every word of the query must appear in the title, type, category or description. */
export function matchesQuery(d: NodeDescriptor, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const haystack = `${d.title} ${d.type} ${d.category} ${d.description}`.toLowerCase();
  return words.every((w) => haystack.includes(w));
}

/** The loose end of a dragged wire: an output (`source`) looking for an input, or an input looking for an output. */
export interface WireEnd {
  side: 'source' | 'target';
  spec: PortSpec;
}

/** The first port of `d` that the wire end can connect to, or undefined. */
export function compatiblePortOf(d: NodeDescriptor, wire: WireEnd): string | undefined {
  if (wire.side === 'source') return Object.entries(d.inputs).find(([, input]) => portCompatibility(wire.spec, input).ok)?.[0];
  return Object.entries(d.outputs).find(([, output]) => portCompatibility(output, wire.spec).ok)?.[0];
}

export interface SearchHit {
  descriptor: NodeDescriptor;
  /** The port the wire goes to, when searching for a wire. */
  port?: string;
}

/** Matches sorted with title-prefix hits first, then by title; filtered by the wire when there is one. */
export function searchNodes(descriptors: readonly NodeDescriptor[], query: string, wire?: WireEnd): SearchHit[] {
  const q = query.trim().toLowerCase();
  const hits: SearchHit[] = [];
  for (const descriptor of descriptors) {
    if (!matchesQuery(descriptor, q)) continue;
    const port = wire ? compatiblePortOf(descriptor, wire) : undefined;
    if (wire && !port) continue;
    hits.push({ descriptor, port });
  }
  const rank = (h: SearchHit) => (q && h.descriptor.title.toLowerCase().startsWith(q) ? 0 : 1);
  return hits.sort((a, b) => rank(a) - rank(b) || a.descriptor.title.localeCompare(b.descriptor.title));
}

/** The description and the first lines of a node's docs, without its top heading, for a hover card. */
export function docsExcerpt(d: NodeDescriptor, lines = 6): string {
  const body = d.docs
    .split('\n')
    .filter((line, i) => !(i === 0 && line.startsWith('# ')))
    .join('\n')
    .trim();
  return body.split('\n').slice(0, lines).join('\n').trim();
}
