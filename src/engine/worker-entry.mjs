// Worker thread entry. Plain JavaScript so it starts under any host: it loads worker.ts directly when the
// thread already understands TypeScript, and registers tsx first when it does not (worker threads do not
// inherit the loader hooks of `node --import tsx` on every Node version; vitest's pool and a bundled
// Electron main have none; Node's own type stripping rejects extensionless imports). Resolution and syntax
// errors happen before any module code runs, so the retry runs nothing twice.
try {
  await import('./worker.ts');
} catch {
  const { register } = await import('tsx/esm/api');
  register();
  // A failed import stays failed for its URL, so the retry uses a distinct one.
  await import('./worker.ts?with-tsx');
}
