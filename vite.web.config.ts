// Builds the renderer as a plain web app into out/web, served by `condense serve`. The base is relative so
// the same files work from any path (and from the Electron app's own protocol).
import { resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

const root = resolve(import.meta.dirname, 'src/renderer');

/**
 * The built page carries its own Content-Security-Policy: scripts from itself only, images as data URLs
 * (artifacts), and the API socket of the host that served it. Dev builds skip it because the dev server
 * injects inline scripts.
 */
function contentSecurityPolicy(): Plugin {
  const policy = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
  ].join('; ');
  return {
    name: 'condense-csp',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: policy }, injectTo: 'head-prepend' }],
  };
}

export default defineConfig({
  root,
  base: './',
  plugins: [react(), contentSecurityPolicy()],
  build: {
    outDir: resolve(import.meta.dirname, 'out/web'),
    emptyOutDir: true,
    // Loaded from localhost or the app bundle, never over a slow network: one chunk is simplest.
    chunkSizeWarningLimit: 1024,
  },
});
