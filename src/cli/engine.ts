// Opens the engine for a command. The engine module is imported lazily so `--help` and argument errors stay fast.
import type { Engine } from '../engine/types';
import { resolveHome } from '../engine/home';
import type { CliIo } from './io';
import { extraNodeDirs } from './node-dirs';

export async function openEngine(io: CliIo): Promise<Engine> {
  const cwd = io.cwd ?? process.cwd();
  const { createEngine } = await import('../engine/index');
  return createEngine({ home: resolveHome(undefined, io.env as NodeJS.ProcessEnv), nodeDirs: extraNodeDirs(io.env, cwd) });
}

/**
 * Runs `body` with an engine and always closes it, so worker threads never keep the process alive. An
 * engine given in `io` is the host's: used, not closed.
 */
export async function withEngine<T>(io: CliIo, body: (engine: Engine) => Promise<T>): Promise<T> {
  if (io.engine) return body(io.engine);
  const engine = await openEngine(io);
  try {
    return await body(engine);
  } finally {
    await engine.close();
  }
}
