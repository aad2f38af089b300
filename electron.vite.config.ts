// electron-vite: main (ESM, Node), preload (CommonJS: sandboxed preloads cannot be ES modules) and the
// renderer rooted at src/renderer. The same renderer is built for the browser by vite.web.config.ts.
import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

const root = import.meta.dirname;

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rolldownOptions: {
        input: { index: path.join(root, 'src/main/index.ts') },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rolldownOptions: {
        input: { index: path.join(root, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: path.join(root, 'src/renderer'),
    plugins: [react()],
    build: {
      outDir: path.join(root, 'out/renderer'),
      emptyOutDir: true,
      rolldownOptions: {
        input: { index: path.join(root, 'src/renderer/index.html') },
      },
    },
  },
});
