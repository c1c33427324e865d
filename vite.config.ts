import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The app lives in app/ (index.html included); the bundled demo model and datasets in public/. Unit tests do not use
// this file: Vitest reads vitest.config.ts. Ports are fixed (strictPort): a second server fails loudly instead of
// quietly moving to another port. Preview binds the IP literal 127.0.0.1 (a secure context, as WebGPU requires)
// because Node may resolve "localhost" to ::1 while a browser tries 127.0.0.1.
export default defineConfig({
  root: fileURLToPath(new URL('./app', import.meta.url)),
  publicDir: '../public',
  plugins: [react()],
  build: {
    outDir: '../dist',
    // dist/ sits outside root: Vite only empties it when told to, and a stale bundle would hide a broken build.
    emptyOutDir: true,
  },
  // The trainer runs in a module worker (it imports the engine as ES modules).
  worker: { format: 'es' },
  server: { port: 5173, strictPort: true },
  preview: { port: 4173, strictPort: true, host: '127.0.0.1' },
});
