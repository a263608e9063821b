// Inside workerd: answers the wasm loaders of tfjs and onnxruntime-web with modules from the worker's
// config, the way a Workers bundler ships wasm (workerd compiles no wasm from bytes at run time).
// Their loaders fetch a URL and call WebAssembly.instantiateStreaming on the response; both are
// answered here for the URLs in `modules`, everything else goes to the real fetch.

/** Where the loaders are pointed; the host never resolves it. */
export const WASM_ORIGIN = 'https://wasm.invalid/';

export function shipModules(modules: Map<string, WebAssembly.Module>): void {
  const pending = new WeakMap<Response, WebAssembly.Module>();
  const realFetch = globalThis.fetch;
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const module = modules.get(url);
    if (!module) return realFetch(input, init);
    const response = new Response(null, { headers: { 'content-type': 'application/wasm' } });
    pending.set(response, module);
    return response;
  }) as typeof fetch;
  (WebAssembly as unknown as Record<string, unknown>).instantiateStreaming = async (source: Response | PromiseLike<Response>, imports?: WebAssembly.Imports) => {
    const module = pending.get(await source);
    if (!module) throw new Error('workerd compiles no wasm at run time: only bundled modules can be instantiated');
    return { module, instance: await WebAssembly.instantiate(module, imports) };
  };
}
