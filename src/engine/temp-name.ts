// Unique temp file names for atomic writes (write the temp file, then rename over the target). Process id
// and thread id keep writers apart, a counter keeps one writer's files apart; no randomness needed.
import { threadId } from 'node:worker_threads';

let counter = 0;

export function tempNameFor(file: string): string {
  return `${file}.${process.pid}-${threadId}-${(counter++).toString(36)}.tmp`;
}
