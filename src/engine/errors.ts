// How a node's error reaches the user: a NodeError is a message the user can act on, shown verbatim;
// anything else is a bug, shown as `Name: message` with the stack kept for the debug log only.

export function isNodeError(error: unknown): error is Error {
  // By name, not instanceof: a node pack may load its own copy of the SDK module.
  return error instanceof Error && error.name === 'NodeError';
}

export function userMessageOf(error: unknown): string {
  if (isNodeError(error)) return error.message;
  if (error instanceof Error) return `${error.name || 'Error'}: ${error.message}`;
  return `Error: ${String(error)}`;
}
