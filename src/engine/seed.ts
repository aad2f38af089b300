// Per-node seeds: derived from the graph's seed and the node id, so two nodes of the same type draw
// different numbers, and a node keeps its seed when others are added or removed.
import crypto from 'node:crypto';

export function nodeSeed(graphSeed: number, nodeId: string): number {
  return crypto.createHash('sha256').update(`${graphSeed}\u0000${nodeId}`).digest().readUInt32BE(0);
}
