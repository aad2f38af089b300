// `condense run --out dir`: each node's outputs as plain files a person or a CI job can pick up.
//   dir/run.json                      run id, status, counts, per-node status and output summaries
//   dir/<node>/<port>.report.json     a Report's title, text and tables; its images beside it as files
//   dir/<node>/<port>.metrics.json    a Metrics value
//   dir/<node>/<port>.summary.json    any other value's summary (datasets and models stay in the cache)
import { writeFile as writeFileUnchecked } from 'node:fs/promises';
import path from 'node:path';
import type { Engine, RunResult, StoredOutput } from '../engine/types';
import type { Graph } from '../shared/graph/schema';
import type { Metrics, Report } from '../shared/values';
import { statSync } from 'node:fs';
import { checkWritableFile, makeDirectories, specialLocationOf } from '../compute/storage/safe-files';

/** A FIFO or device already sitting at an output name would block or swallow the write: regular files only. */
async function writeFile(file: string, data: Uint8Array | string): Promise<void> {
  checkWritableFile(file);
  await writeFileUnchecked(file, data);
}

/**
 * Why `dir` cannot take the outputs (a system folder, a kernel filesystem, a file in the way), or
 * undefined. Checked before the run, so a bad --out fails in a moment instead of after the training.
 */
export function outputDirRefusal(dir: string): string | undefined {
  const special = specialLocationOf(dir);
  if (special) return `${dir}: cannot write here because ${special}`;
  const stat = statSync(dir, { throwIfNoEntry: false });
  if (stat && !stat.isDirectory()) return `${dir}: exists and is not a folder`;
  return undefined;
}

/** Node ids and artifact names become file names: keep them portable (no ':' on Windows, no separators). */
export function safeFileName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_');
  return cleaned === '' ? '_' : cleaned.slice(0, 120);
}

function isReport(value: unknown): value is Report {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'report';
}

function isMetrics(value: unknown): value is Metrics {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'metrics';
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
}

interface WrittenOutput extends StoredOutput {
  files: string[];
}

async function writeOne(engine: Engine, folder: string, port: string, stored: StoredOutput): Promise<string[]> {
  const kind = String(stored.summary.type).toLowerCase();
  const base = safeFileName(port);
  // Only small values are read back; datasets and models are summarised, not copied out of the cache.
  const value = kind === 'report' || kind === 'metrics' ? await engine.readObject(stored.object) : undefined;
  if (isReport(value)) {
    const files: string[] = [];
    const taken = new Set<string>();
    const images = [];
    for (const image of value.images) {
      let name = `${base}-${safeFileName(image.name)}`;
      for (let n = 2; taken.has(name); n++) name = `${base}-${n}-${safeFileName(image.name)}`;
      taken.add(name);
      const artifact = await engine.readArtifact(image.sha256);
      await writeFile(path.join(folder, name), artifact.data);
      files.push(name);
      images.push({ ...image, file: name });
    }
    const reportFile = `${base}.report.json`;
    await writeJson(path.join(folder, reportFile), { ...value, images });
    return [reportFile, ...files];
  }
  if (isMetrics(value)) {
    const metricsFile = `${base}.metrics.json`;
    await writeJson(path.join(folder, metricsFile), value);
    return [metricsFile];
  }
  const summaryFile = `${base}.summary.json`;
  await writeJson(path.join(folder, summaryFile), stored.summary);
  return [summaryFile];
}

export async function writeOutputs(engine: Engine, result: RunResult, graph: Graph, graphPath: string, dir: string): Promise<string[]> {
  makeDirectories(dir);
  const written: string[] = [];
  const outputs: Record<string, Record<string, WrittenOutput>> = {};
  for (const [nodeId, ports] of Object.entries(result.outputs)) {
    const folderName = safeFileName(nodeId);
    const folder = path.join(dir, folderName);
    makeDirectories(folder);
    outputs[nodeId] = {};
    for (const [port, stored] of Object.entries(ports)) {
      const files = (await writeOne(engine, folder, port, stored)).map((file) => `${folderName}/${file}`);
      outputs[nodeId][port] = { ...stored, files };
      written.push(...files);
    }
  }
  const nodes: Record<string, { status: string; ms?: number; error?: string }> = {};
  let finished: Extract<RunResult['events'][number], { type: 'run-finished' }> | undefined;
  for (const event of result.events) {
    if (event.type === 'run-finished') finished = event;
    else if (event.type === 'node-cached') nodes[event.nodeId] = { status: 'cached' };
    else if (event.type === 'node-finished') nodes[event.nodeId] = { status: 'done', ms: event.ms };
    else if (event.type === 'node-failed') nodes[event.nodeId] = { status: 'failed', ms: event.ms, error: event.error };
    else if (event.type === 'node-skipped') nodes[event.nodeId] = { status: 'skipped', error: event.reason };
  }
  await writeJson(path.join(dir, 'run.json'), {
    runId: result.runId,
    status: result.status,
    graph: { name: graph.meta.name, path: graphPath },
    ms: finished?.ms,
    counts: finished?.counts,
    nodes,
    outputs,
  });
  written.push('run.json');
  return written;
}
