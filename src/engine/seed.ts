// Per-node seeds (`ctx.seed`): derived from the graph's seed and the node's content key (type, version,
// params, what its inputs are, the files it reads; see cache-key.ts), never from its id. So a node keeps
// its seed, and its cache entry, when it is renamed or copied, and two nodes that compute the same thing
// from the same inputs draw the same numbers and give the same output; nodes that differ in anything
// (a param, an input, a file) draw different numbers. Adding or removing other nodes changes nothing.
import crypto from 'node:crypto';

/** A uint32 from the graph seed and a node's content key (`KeyedNode.contentKey`). */
export function nodeSeed(graphSeed: number, contentKey: string): number {
  return crypto.createHash('sha256').update(`${graphSeed}\u0000${contentKey}`).digest().readUInt32BE(0);
}
