// An ExecuteContext for direct node tests: artifacts kept in memory, and every metric, progress report and
// log line recorded so tests can assert on them.
import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import type { ExecuteContext, NodeDefinition, Ports } from '../../src/shared/node-sdk';
import type { ArtifactRef } from '../../src/shared/values';

export interface StoredArtifact {
  ref: ArtifactRef;
  data: Uint8Array;
}

export interface Recorded {
  /** By artifact name, in write order (a name written twice keeps the last). */
  artifacts: Map<string, StoredArtifact>;
  metrics: { name: string; value: number; step: number }[];
  progress: { fraction: number; message?: string }[];
  logs: { message: string; level: 'info' | 'warn' }[];
}

export type TestContext<I extends Ports, P> = ExecuteContext<I, P> & {
  recorded: Recorded;
  /** Cancels the run, as the user's stop button would. */
  abort(): void;
};

export interface TestContextOptions<I extends Ports, P> {
  params: P;
  inputs?: ExecuteContext<I, P>['inputs'];
  nodeId?: string;
  seed?: number;
  /** Relative path params resolve against this folder (default: cwd). */
  graphDir?: string;
}

export function makeTestContext<I extends Ports = Ports, P = Record<string, unknown>>(
  options: TestContextOptions<I, P>,
): TestContext<I, P> {
  const controller = new AbortController();
  const recorded: Recorded = { artifacts: new Map(), metrics: [], progress: [], logs: [] };
  const bySha = new Map<string, Uint8Array>();
  const graphDir = options.graphDir ?? process.cwd();
  return {
    nodeId: options.nodeId ?? 'node',
    params: options.params,
    inputs: (options.inputs ?? {}) as ExecuteContext<I, P>['inputs'],
    signal: controller.signal,
    progress(fraction, message) {
      if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`progress fraction ${fraction} is outside [0, 1]`);
      recorded.progress.push({ fraction, ...(message !== undefined ? { message } : {}) });
    },
    metric(name, value, step) {
      recorded.metrics.push({ name, value, step });
    },
    log(message, level = 'info') {
      recorded.logs.push({ message, level });
    },
    artifacts: {
      async write(name, data, mime) {
        const copy = data.slice();
        const sha256 = createHash('sha256').update(copy).digest('hex');
        const ref: ArtifactRef = { kind: 'artifact', sha256, name, mime, bytes: copy.byteLength };
        bySha.set(sha256, copy);
        recorded.artifacts.set(name, { ref, data: copy });
        return ref;
      },
      async read(ref) {
        const data = bySha.get(ref.sha256);
        if (!data) throw new Error(`artifact ${ref.sha256} was never written`);
        return data;
      },
    },
    seed: options.seed ?? 1,
    resolvePath: (path) => (isAbsolute(path) ? path : resolve(graphDir, path)),
    recorded,
    abort: () => controller.abort(),
  };
}

/** Parses `params` through the node's schema (filling defaults, as the engine does) and runs it. */
export async function runNode<I extends Ports, O extends Ports, S extends z.ZodObject>(
  node: NodeDefinition<I, O, S>,
  options: Omit<TestContextOptions<I, z.infer<S>>, 'params'> & { params?: Partial<z.input<S>> },
): Promise<{ outputs: Awaited<ReturnType<NodeDefinition<I, O, S>['execute']>>; ctx: TestContext<I, z.infer<S>> }> {
  const params = node.params.parse(options.params ?? {}) as z.infer<S>;
  const ctx = makeTestContext<I, z.infer<S>>({ ...options, params });
  const outputs = (await node.execute(ctx)) as Awaited<ReturnType<NodeDefinition<I, O, S>['execute']>>;
  return { outputs, ctx };
}
