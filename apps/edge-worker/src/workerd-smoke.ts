import * as core from '@tstar/core';
import { runSmoke } from './smoke.js';

// Taken while the module is evaluated: the entry must name its default source without loading anything.
const atImport = core.isInitialized();

async function refusal(attempt: () => unknown): Promise<string> {
  try {
    await attempt();
    return 'compiled';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * The smoke worker run by the runtime tests inside workerd: answers with the smoke suite's results, whether
 * whether the package stayed uninitialised at import and `initSync()` with no source then loaded it (the module
 * workerd compiled from the `.wasm` import; no bytes compiled at run time), and what workerd says when asked to compile the posted wasm bytes.
 */
export default {
  async fetch(request: Request): Promise<Response> {
    core.initSync();
    const ready = core.isInitialized();
    const bytes = new Uint8Array(await request.arrayBuffer());
    const refusals = {
      module: await refusal(() => new WebAssembly.Module(bytes)),
      compile: await refusal(() => WebAssembly.compile(bytes)),
      instantiate: await refusal(() => WebAssembly.instantiate(bytes)),
    };
    return new Response(JSON.stringify({ atImport, ready, refusals, smoke: runSmoke(core) }), { headers: { 'content-type': 'application/json' } });
  },
};
