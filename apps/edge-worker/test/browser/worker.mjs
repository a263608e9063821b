// A module Web Worker: workers have no import maps, so the page passes the `worker` entry's URL.
import { runSmoke } from '/app/dist/smoke.js';

const entry = new URL(self.location.href).searchParams.get('core');
const t0 = performance.now();
const core = await import(entry);
await core.init();
core.softmax(new Float32Array([1, 2, 3]), [1, 3]);
const coldStartMs = performance.now() - t0;
self.postMessage({ smoke: runSmoke(core), coldStartMs, crossOriginIsolated: self.crossOriginIsolated });
