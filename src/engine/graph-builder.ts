// A small builder for graphs in tests and benchmarks: nodes by id, edges as "node.port" strings.
//   graphOf().node('a', 'test.number', { value: 1 }).node('b', 'test.add').edge('a.value', 'b.a').build()
// typeVersion defaults to 1 unless a registry is given, then to the type's current version.
import { graphSchema, type Graph } from '../shared/graph/schema';
import type { Registry } from './types';

export class GraphBuilder {
  private nodes: Graph['nodes'] = [];
  private edges: Graph['edges'] = [];
  private seed: number | undefined;

  constructor(
    private readonly name = 'test graph',
    private readonly registry?: Registry,
  ) {}

  node(id: string, type: string, params: Record<string, unknown> = {}, extra: { typeVersion?: number; bypass?: boolean } = {}): this {
    this.nodes.push({
      id,
      type,
      typeVersion: extra.typeVersion ?? this.registry?.get(type)?.version ?? 1,
      params,
      ...(extra.bypass ? { bypass: true } : {}),
    });
    return this;
  }

  /** `edge('a.value', 'b.a')`; the edge id defaults to "a.value->b.a". */
  edge(from: string, to: string, id?: string): this {
    const split = (end: string) => {
      const dot = end.lastIndexOf('.');
      if (dot <= 0) throw new Error(`edge end "${end}" must look like node.port`);
      return { node: end.slice(0, dot), port: end.slice(dot + 1) };
    };
    this.edges.push({ id: id ?? `${from}->${to}`.replace(/[^A-Za-z0-9_.:-]/g, '_'), from: split(from), to: split(to) });
    return this;
  }

  withSeed(seed: number): this {
    this.seed = seed;
    return this;
  }

  build(): Graph {
    return graphSchema.parse({
      format: 'condense.graph',
      schemaVersion: 1,
      meta: { name: this.name },
      nodes: this.nodes,
      edges: this.edges,
      ...(this.seed !== undefined ? { seed: this.seed } : {}),
    });
  }
}

export function graphOf(name?: string, registry?: Registry): GraphBuilder {
  return new GraphBuilder(name, registry);
}
