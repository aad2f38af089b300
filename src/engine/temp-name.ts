// Unique temp file names for atomic writes inside $CONDENSE_HOME (write the temp file, then rename over
// the target). Process id and thread id keep writers apart, a counter keeps one writer's files apart; no
// randomness needed. The process id lets the engine sweep temps of killed processes (sweepStaleTempFiles).
import { threadId } from 'node:worker_threads';

let counter = 0;

export function tempNameFor(file: string): string {
  return `${file}.${process.pid}-${threadId}-${(counter++).toString(36)}.tmp`;
}
