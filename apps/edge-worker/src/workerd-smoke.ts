import * as core from '@tstar/core';
import { runSmoke } from './smoke.js';

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
 * the package was ready at import, and what workerd says when asked to compile the posted wasm bytes.
 */
export default {
  async fetch(request: Request): Promise<Response> {
    const ready = core.isInitialized();
    const bytes = new Uint8Array(await request.arrayBuffer());
    const refusals = {
      module: await refusal(() => new WebAssembly.Module(bytes)),
      compile: await refusal(() => WebAssembly.compile(bytes)),
      instantiate: await refusal(() => WebAssembly.instantiate(bytes)),
    };
    return new Response(JSON.stringify({ ready, refusals, smoke: runSmoke(core) }), { headers: { 'content-type': 'application/json' } });
  },
};
