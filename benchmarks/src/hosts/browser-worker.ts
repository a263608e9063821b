// The module Web Worker's entry: one message with the run, progress lines and then the result back.
import { runCases } from '../suite/runner.js';
import { loadBrowserEnv } from './browser-env.js';
import type { BrowserRun } from './browser-page.js';

self.onmessage = async (event: MessageEvent<BrowserRun>) => {
  try {
    const started = performance.now();
    const env = await loadBrowserEnv(true);
    const cases = await runCases(env, event.data.specs, event.data.options, (log) => self.postMessage({ log }));
    self.postMessage({ result: { runtime: env.runtime, versions: env.versions, notes: env.notes, seconds: (performance.now() - started) / 1000, cases } });
  } catch (error) {
    self.postMessage({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
};
