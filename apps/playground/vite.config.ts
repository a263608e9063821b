import { defineConfig } from 'vite';

export default defineConfig({
  // Relative asset URLs: the built folder works from any path of any static host (or a sub-folder of one).
  base: './',
  build: {
    target: 'es2022',
    outDir: 'dist',
    // onnxruntime-web's own wasm (~26 MB) stays a separate file; nothing is inlined as base64.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1024,
  },
  optimizeDeps: {
    // Pre-bundling would move ort.webgpu.bundle.min.mjs away from the wasm it finds through import.meta.url.
    exclude: ['onnxruntime-web'],
  },
  server: { host: 'localhost' },
  preview: { host: 'localhost' },
});
