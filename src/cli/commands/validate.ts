// `condense validate <graph>`: every problem, each naming the file and the node or JSON path.
import path from 'node:path';
import { parseCommandArgs } from '../args';
import { withEngine } from '../engine';
import { formatIssue, uniqueIssues } from '../issues';
import { EXIT_INVALID, EXIT_OK, UsageError, println, type CliIo } from '../io';
import { loadGraphForCli } from '../load-graph';

export async function validateCommand(argv: string[], io: CliIo): Promise<number> {
  const { positionals } = parseCommandArgs('validate', argv, {});
  if (positionals.length !== 1) throw new UsageError('condense validate: give exactly one graph file. See `condense validate --help`.');
  const file = positionals[0];
  const cwd = io.cwd ?? process.cwd();
  return withEngine(io, async (engine) => {
    const result = await loadGraphForCli(engine, file, cwd);
    if (!result.ok) {
      for (const problem of result.problems) println(io.stderr, problem);
      return EXIT_INVALID;
    }
    const { graph } = result.loaded;
    let issues = result.loaded.issues;
    try {
      issues = uniqueIssues([...issues, ...engine.validate(graph, result.path)]);
    } catch (error) {
      println(io.stderr, `${file}: cannot be validated: ${error instanceof Error ? error.message : String(error)}`);
      return EXIT_INVALID;
    }
    if (issues.length > 0) {
      for (const issue of issues) println(io.stderr, `${file}: ${formatIssue(issue)}`);
      println(io.stderr, `${path.basename(file)}: ${issues.length} problem${issues.length === 1 ? '' : 's'}`);
      return EXIT_INVALID;
    }
    if (result.loaded.message) println(io.stdout, `${file}: ${result.loaded.message}`);
    println(io.stdout, `${file}: valid (${graph.nodes.length} nodes, ${graph.edges.length} edges)`);
    return EXIT_OK;
  });
}
