// Runs in a real Chromium page: the package comes through the import map (the `browser` condition), loads its
// wasm with fetch + instantiateStreaming, then a module Web Worker does the same through the `worker` condition.
import { runSmoke } from '/app/dist/smoke.js';

export async function smokePage(workerEntry) {
  const t0 = performance.now();
  const core = await import('@tstar/core');
  await core.init();
  core.softmax(new Float32Array([1, 2, 3]), [1, 3]);
  const coldStartMs = performance.now() - t0;
  const main = runSmoke(core);
  const worker = new Worker(`/app/test/browser/worker.mjs?core=${encodeURIComponent(workerEntry)}`, { type: 'module' });
  const inWorker = await new Promise((resolve, reject) => {
    worker.onmessage = (e) => resolve(e.data);
    worker.onerror = (e) => reject(new Error(`worker failed: ${e.message}`));
  });
  worker.terminate();
  return { main, worker: inWorker, coldStartMs, crossOriginIsolated: self.crossOriginIsolated, userAgent: navigator.userAgent };
}
