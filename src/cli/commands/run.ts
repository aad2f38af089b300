// `condense run <graph>`: runs a graph headless with a live display, plain lines or NDJSON events.
import path from 'node:path';
import { parseCommandArgs, stringArg } from '../args';
import { withEngine } from '../engine';
import { externalFiles } from '../external-files';
import { quote, quoteList, shorten } from '../../engine/quote';
import { formatIssue, uniqueIssues } from '../issues';
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK, UsageError, println, type CliIo } from '../io';
import { loadGraphForCli } from '../load-graph';
import { createRunDisplay, type DisplayMode } from '../run-display';
import { applyOverrides, parseSetArg } from '../set-overrides';
import { outputDirRefusal, writeOutputs } from '../write-outputs';

export async function runCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('run', argv, {
    set: { type: 'string', multiple: true },
    until: { type: 'string' },
    'no-cache': { type: 'boolean' },
    out: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length !== 1) throw new UsageError('condense run: give exactly one graph file. See `condense run --help`.');
  const file = positionals[0];
  const cwd = io.cwd ?? process.cwd();
  const until = stringArg(values, 'until');
  const out = stringArg(values, 'out');
  const sets = (values.set as string[] | undefined) ?? [];
  const mode: DisplayMode = values.json ? 'json' : io.isTTY ? 'tty' : 'plain';
  const outDir = out === undefined ? undefined : path.resolve(cwd, out);
  const outRefused = outDir === undefined ? undefined : outputDirRefusal(outDir);
  if (outRefused) throw new UsageError(`condense run: --out ${outRefused}`);

  return withEngine(io, async (engine) => {
    const loaded = await loadGraphForCli(engine, file, cwd);
    if (!loaded.ok) {
      for (const problem of loaded.problems) println(io.stderr, problem);
      return EXIT_INVALID;
    }
    const nodeIds = loaded.loaded.graph.nodes.map((node) => node.id);
    const overridden = applyOverrides(
      loaded.loaded.graph,
      sets.map((arg) => parseSetArg(arg, nodeIds)),
      engine.registry,
    );
    if (overridden.problems.length > 0) {
      for (const problem of overridden.problems) println(io.stderr, problem);
      return EXIT_INVALID;
    }
    const graph = overridden.graph;
    if (until !== undefined && !nodeIds.includes(until)) {
      println(io.stderr, `--until ${shorten(until)}: the graph has no node ${quote(until)} (nodes: ${quoteList(nodeIds)})`);
      return EXIT_INVALID;
    }
    const issues = uniqueIssues([...loaded.loaded.issues, ...engine.validate(graph, loaded.path)]);
    if (issues.length > 0) {
      for (const issue of issues) println(io.stderr, `${file}: ${formatIssue(issue)}`);
      return EXIT_INVALID;
    }
    const outside = externalFiles(graph, loaded.path, engine.registry);
    if (outside.length > 0) {
      println(io.stderr, 'This graph reads files outside its folder:');
      for (const entry of outside) println(io.stderr, `  ${shorten(entry.path, 400)}${entry.nodeId ? ` (node ${shorten(entry.nodeId)})` : ''}`);
    }

    if (io.signal?.aborted) return EXIT_INTERRUPTED;
    const display = createRunDisplay(mode, io, nodeIds);
    const handle = engine.run({
      graph,
      graphPath: loaded.path,
      until,
      noCache: Boolean(values['no-cache']),
      onEvent: (event) => display.onEvent(event),
    });
    const cancel = () => handle.cancel();
    io.signal?.addEventListener('abort', cancel, { once: true });
    let result;
    try {
      result = await handle.done;
    } finally {
      io.signal?.removeEventListener('abort', cancel);
      display.finish();
    }
    if (result.issues.length > 0) {
      for (const issue of result.issues) println(io.stderr, `${file}: ${formatIssue(issue)}`);
      return EXIT_INVALID;
    }
    if (outDir !== undefined) {
      try {
        const written = await writeOutputs(engine, result, graph, loaded.path, outDir);
        if (mode !== 'json') println(io.stdout, `wrote ${written.length} files to ${outDir}`);
      } catch (error) {
        println(io.stderr, `condense run: cannot write the outputs to ${outDir}: ${(error as Error).message}`);
        return EXIT_FAILED;
      }
    }
    if (result.status === 'succeeded') return EXIT_OK;
    if (result.status === 'cancelled') return io.signal?.aborted ? EXIT_INTERRUPTED : EXIT_FAILED;
    return EXIT_FAILED;
  });
}
