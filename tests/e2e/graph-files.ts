// Graph files written by the tests, from the fixture node pack, laid out left to right so all nodes show.

export interface TestNode {
  id: string;
  type: string;
  params?: Record<string, unknown>;
  typeVersion?: number;
}

/** `edges` as "from.port->to.port". Nodes are placed in the order given, in rows of `perRow`. */
export function testGraphText(name: string, nodes: TestNode[], edges: string[] = [], perRow = 4): string {
  const positions = Object.fromEntries(nodes.map((n, i) => [n.id, [(i % perRow) * 300, Math.floor(i / perRow) * 220]]));
  return `${JSON.stringify(
    {
      format: 'condense.graph',
      schemaVersion: 1,
      meta: { name },
      nodes: nodes.map((n) => ({ id: n.id, type: n.type, typeVersion: n.typeVersion ?? (n.type === 'test.number' ? 2 : 1), params: n.params ?? {} })),
      edges: edges.map((edge, i) => {
        const [from, to] = edge.split('->');
        const [fromNode, fromPort] = from.split('.');
        const [toNode, toPort] = to.split('.');
        return { id: `e${i + 1}`, from: { node: fromNode, port: fromPort }, to: { node: toNode, port: toPort } };
      }),
      ui: { positions, viewport: { x: 0, y: 0, zoom: 1 }, groups: [], notes: [] },
    },
    null,
    2,
  )}\n`;
}
