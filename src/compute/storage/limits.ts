// Size limits on what Condense reads, checked against headers before anything is decoded or allocated,
// so a hostile or broken file fails in milliseconds with a message instead of taking gigabytes of memory.
// Each can be raised with an environment variable (read when the check runs, so worker threads see the
// value the command was started with).
export interface Limit {
  value: number;
  /** The environment variable that raises it, for the error message. */
  env: string;
}

function fromEnv(env: string, fallback: number): Limit {
  const raw = process.env[env];
  const parsed = raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw);
  return { value: Number.isFinite(parsed) && parsed > 0 ? parsed : fallback, env };
}

/** How the user raises a limit, for the end of a refusal. */
export function raiseHint(limit: Limit): string {
  return `raise it with the environment variable ${limit.env}`;
}

/** Any one data file (IDX, CIFAR batch, image, ONNX model), after gunzip: 2 GiB. */
export function maxDataFileBytes(): Limit {
  return fromEnv('CONDENSE_MAX_FILE_BYTES', 2 * 1024 ** 3);
}

/** Pixels of one image (width x height), from its header: 50 megapixels (about 7000 x 7000). */
export function maxImagePixels(): Limit {
  return fromEnv('CONDENSE_MAX_IMAGE_PIXELS', 50_000_000);
}

/** Bytes of decoded pixels one dataset may hold in memory: 4 GiB. */
export function maxDatasetBytes(): Limit {
  return fromEnv('CONDENSE_MAX_DATASET_BYTES', 4 * 1024 ** 3);
}

/** Elements of one ONNX tensor (an initializer or a declared input): 1 billion (4 GB of float32). */
export function maxTensorElements(): Limit {
  return fromEnv('CONDENSE_MAX_TENSOR_ELEMENTS', 1_000_000_000);
}

/** A graph file: 64 MiB (a thousand-node graph with notes is well under 1 MiB). */
export function maxGraphFileBytes(): Limit {
  return fromEnv('CONDENSE_MAX_GRAPH_BYTES', 64 * 1024 ** 2);
}
