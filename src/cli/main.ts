// The `condense` command. `main` returns the exit code instead of exiting, so tests run it in-process.
import { quote, shorten } from '../engine/quote';
import { HELP } from './help';
import { EXIT_FAILED, EXIT_INVALID, EXIT_OK, UsageError, println, type CliIo } from './io';

export type { CliIo } from './io';

type Command = (argv: string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./commands/run')).runCommand,
  validate: async () => (await import('./commands/validate')).validateCommand,
  nodes: async () => (await import('./commands/nodes')).nodesCommand,
  runs: async () => (await import('./commands/runs')).runsCommand,
  serve: async () => (await import('./commands/serve')).serveCommand,
};

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    println(name === undefined ? io.stderr : io.stdout, HELP.main);
    return name === undefined ? EXIT_INVALID : EXIT_OK;
  }
  if (name === '--version' || name === '-v') {
    const { appVersion } = await import('./version');
    println(io.stdout, appVersion());
    return EXIT_OK;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    println(io.stderr, `condense: unknown command ${quote(name)}. Commands: ${Object.keys(COMMANDS).join(', ')}.`);
    return EXIT_INVALID;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    println(io.stdout, HELP[name]);
    return EXIT_OK;
  }
  try {
    const command = await load();
    return await command(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      println(io.stderr, shorten(error.message, 600));
      return EXIT_INVALID;
    }
    // Anything else is a bug or an environment problem; the message is what a user can act on.
    const message = error instanceof Error ? error.message : String(error);
    println(io.stderr, `condense ${name}: ${shorten(message, 600)}`);
    return EXIT_FAILED;
  }
}
