// What a command needs from the outside world, so `main` runs the same from the binary and in-process in tests.
import type { Engine } from '../engine/types';

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** True when stdout is a terminal: `run` then draws a live display instead of plain lines. */
  isTTY: boolean;
  env: Record<string, string | undefined>;
  /** Aborted on Ctrl-C: a running graph is cancelled cleanly and the command exits 130. */
  signal?: AbortSignal;
  /** Folder relative paths resolve against (default: process.cwd()). */
  cwd?: string;
  /**
   * An engine the host already has open (a long-lived process running many commands, such as the fuzz
   * tests): commands use it and leave it open, instead of opening and closing one of their own.
   */
  engine?: Engine;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_INVALID = 2;
export const EXIT_INTERRUPTED = 130;

/** A mistake in the command line or the graph: printed as its message alone, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function println(stream: CliIo['stdout'], text = ''): void {
  stream.write(`${text}\n`);
}
