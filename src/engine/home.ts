// Where everything kept between runs lives: $CONDENSE_HOME, else ~/.condense.
import os from 'node:os';
import path from 'node:path';

export function resolveHome(home?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (home) return path.resolve(home);
  if (env.CONDENSE_HOME) return path.resolve(env.CONDENSE_HOME);
  return path.join(os.homedir(), '.condense');
}
