import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, it, expect, vi, beforeEach } from 'vitest';
import { softmax } from '../src/index.js';

type Core = typeof import('../src/index.js');
type Loader = typeof import('../src/load.js');

const WASM = new URL('../dist/tstar.wasm', import.meta.url);
const RELAXED_WASM = new URL('../dist/tstar-relaxed.wasm', import.meta.url);
const bytes = readFileSync(WASM);
const compiled = new WebAssembly.Module(bytes);
const x = new Float32Array([1, 2, 3, -1, 0.5, 7]);
const expected = softmax(x, [2, 3], { temperature: 1.5 });

/**
 * A loader and ops in a fresh module graph, through the Node entry (what Node users import): nothing initialised
 * yet (test/setup.ts initialised the shared one).
 */
async function fresh(): Promise<Core & Pick<Loader, 'wasm' | 'kernelStatus'>> {
  vi.resetModules();
  const core = await import('../src/entry/node.js');
  const loader = await import('../src/load.js');
  return { ...core, wasm: loader.wasm, kernelStatus: loader.kernelStatus };
}

// Errors from a fresh graph are instances of that graph's TStarError class, so the code and name are checked.
async function expectCode(run: () => unknown, code: string, message?: RegExp): Promise<void> {
  try {
    await run();
  } catch (error) {
    expect((error as { name?: string }).name).toBe('TStarError');
    expect((error as { code?: string }).code).toBe(code);
    if (message) expect((error as Error).message).toMatch(message);
    return;
  }
  expect.fail(`expected a TStarError ${code}, nothing was thrown`);
}

function sameBits(a: Float32Array, b: Float32Array): void {
  expect(new Uint32Array(a.buffer, a.byteOffset, a.length)).toEqual(new Uint32Array(b.buffer, b.byteOffset, b.length));
}

describe('init', () => {
  let core: Awaited<ReturnType<typeof fresh>>;
  beforeEach(async () => {
    core = await fresh();
  });

  it('leaves kernels refusing with E_INIT until it has run', async () => {
    expect(core.isInitialized()).toBe(false);
    await expectCode(() => core.wasm(), 'E_INIT', /init/);
    await expectCode(() => core.kernelStatus(), 'E_INIT');
    await expectCode(() => core.softmax(x, [2, 3]), 'E_INIT');
  });

  const sources: Array<[string, () => Parameters<Core['init']>[0]]> = [
    ['a precompiled WebAssembly.Module (edge hosts)', () => compiled],
    ['{ module }', () => ({ module: compiled })],
    ['raw bytes', () => new Uint8Array(bytes)],
    ['{ bytes } as an ArrayBuffer', () => ({ bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) })],
    ['a Response served as application/wasm (streaming)', () => ({ response: new Response(new Uint8Array(bytes), { headers: { 'content-type': 'application/wasm' } }) })],
    ['a Response with another content type (buffered)', () => ({ response: Promise.resolve(new Response(new Uint8Array(bytes))) })],
    ['a file: URL (read with node:fs)', () => ({ url: WASM })],
    ['the exports of an instance the host made (Deno wasm imports)', () => ({ exports: new WebAssembly.Instance(compiled).exports })],
  ];
  it.each(sources)('loads from %s and computes bit for bit what the shared loader does', async (_, source) => {
    await core.init(source());
    expect(core.isInitialized()).toBe(true);
    sameBits(core.softmax(x, [2, 3], { temperature: 1.5 }), expected);
  });

  it('shares one load between concurrent calls; afterwards the same or no source resolves, another source is E_INIT', async () => {
    const a = core.init(compiled);
    const b = core.init(new Uint8Array([0, 1, 2]));
    expect(b).toBe(a);
    await a;
    await core.init();
    await core.init(compiled);
    core.initSync(compiled);
    await expectCode(() => core.init(new Uint8Array(bytes)), 'E_INIT', /already initialised/);
    await expectCode(() => core.initSync(new WebAssembly.Module(bytes)), 'E_INIT', /already initialised/);
    sameBits(core.softmax(x, [2, 3], { temperature: 1.5 }), expected);
  });

  it('rejects a { module } that is not a module, and nonsense sources, with E_INIT', async () => {
    await expectCode(() => core.init({ module: bytes } as never), 'E_INIT', /WebAssembly\.Module/);
    await expectCode(() => core.init(42 as never), 'E_INIT');
    expect(core.isInitialized()).toBe(false);
  });

  it('accepts a module from another realm, which fails instanceof (edge-runtime VMs, bundler sandboxes)', async () => {
    const { runInNewContext } = await import('node:vm');
    const foreign = runInNewContext('new WebAssembly.Module(b)', { b: new Uint8Array(bytes) }) as WebAssembly.Module;
    expect(foreign instanceof WebAssembly.Module).toBe(false);
    core.initSync(foreign);
    sameBits(core.softmax(x, [2, 3], { temperature: 1.5 }), expected);
  });

  it('reports a missing default wasm as E_INIT naming the file, and can be retried', async () => {
    // Tests run the sources: src/ holds no tstar.wasm, so the default URL beside load.ts is absent.
    await expectCode(() => core.init(), 'E_INIT', /tstar\.wasm/);
    expect(core.isInitialized()).toBe(false);
    await core.init({ bytes });
    sameBits(core.softmax(x, [2, 3], { temperature: 1.5 }), expected);
  });

  it('reports bytes that are not wasm, a failed fetch and foreign exports as E_INIT', async () => {
    await expectCode(() => core.init(new Uint8Array([0, 97, 115, 109, 9, 9])), 'E_INIT');
    await expectCode(() => core.init({ response: new Response('missing', { status: 404 }) }), 'E_INIT', /404/);
    await expectCode(() => core.init({ exports: { memory: 1 } }), 'E_INIT', /not those of tstar\.wasm/);
    expect(core.isInitialized()).toBe(false);
  });
});

describe('initSync', () => {
  it('loads from a module, bytes, or an instance\'s exports without awaiting', async () => {
    for (const source of [compiled, { bytes }, { exports: new WebAssembly.Instance(compiled).exports }] as const) {
      const core = await fresh();
      core.initSync(source);
      expect(core.isInitialized()).toBe(true);
      sameBits(core.softmax(x, [2, 3], { temperature: 1.5 }), expected);
    }
  });

  it('throws E_INIT for a URL it cannot read synchronously or bad bytes; reads file: URLs in Node; can be retried', async () => {
    const core = await fresh();
    await expectCode(() => core.initSync({ url: 'https://localhost/tstar.wasm' } as never), 'E_INIT', /await init/);
    core.initSync({ url: WASM } as never);
    expect(core.isInitialized()).toBe(true);
    const again = await fresh();
    await expectCode(() => again.initSync(new Uint8Array([1, 2, 3])), 'E_INIT');
    expect(again.isInitialized()).toBe(false);
    again.initSync(bytes);
    expect(again.isInitialized()).toBe(true);
  });
});

describe('the package exports map', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const root = pkg.exports['.'];

  it('lists types first, then the runtime conditions, most specific host first, default last', () => {
    expect(Object.keys(root)).toEqual(['types', 'workerd', 'edge-light', 'deno', 'browser', 'worker', 'node', 'default']);
  });

  it('points every condition, ./tstar.wasm and ./tstar-relaxed.wasm at a built file', () => {
    for (const target of [...Object.values(root), pkg.exports['./tstar.wasm'], pkg.exports['./tstar-relaxed.wasm']] as string[]) {
      expect(existsSync(new URL(`../${target}`, import.meta.url)), target).toBe(true);
    }
  });

  it('marks the per-runtime entries as having side effects (they name the host\'s default source at import)', () => {
    const entries = Object.values(root).filter((t) => String(t).includes('/entry/'));
    expect(entries.length).toBeGreaterThanOrEqual(4);
    expect(pkg.sideEffects).toEqual(['./dist/entry/*.js']);
  });

  it('ships a wasm that imports nothing, which Deno\'s wasm module import relies on', () => {
    expect(WebAssembly.Module.imports(compiled)).toEqual([]);
  });

  it('ships a relaxed-SIMD build that validates exactly where the loader\'s probe says relaxed SIMD works, with the same exports', async () => {
    const { relaxedSimdSupported } = await import('../src/load.js');
    const relaxed = readFileSync(RELAXED_WASM);
    expect(relaxedSimdSupported()).toBe(WebAssembly.validate(relaxed));
    expect(WebAssembly.validate(bytes)).toBe(true);
    if (WebAssembly.validate(relaxed)) {
      const module = new WebAssembly.Module(relaxed);
      expect(WebAssembly.Module.imports(module)).toEqual([]);
      expect(WebAssembly.Module.exports(module)).toEqual(WebAssembly.Module.exports(compiled));
    }
  });

  it('gives Node a package that compiles nothing at import, refuses kernels until init (as browsers do), then initSync() with no source reads the wasm beside it', async () => {
    const node = (await import(new URL(`../${root.node}`, import.meta.url).href)) as Core;
    if (!node.isInitialized()) {
      await expectCode(() => node.softmax(x, [2, 3]), 'E_INIT');
      node.initSync();
    }
    await node.init();
    sameBits(node.softmax(x, [2, 3], { temperature: 1.5 }), expected);
  });

  it('lets a worker handed a compiled module instantiate it without compiling anything', async () => {
    // Every way to compile is counted inside the worker, before the package is imported.
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const W = WebAssembly;
      let compiles = 0;
      const Module = W.Module;
      W.Module = new Proxy(Module, { construct(t, a) { compiles++; return Reflect.construct(t, a); } });
      for (const k of ['compile', 'compileStreaming', 'instantiateStreaming']) { const f = W[k]; W[k] = (...a) => { compiles++; return f.apply(W, a); }; }
      const instantiate = W.instantiate;
      W.instantiate = (s, i) => { if (!(s instanceof Module)) compiles++; return instantiate.call(W, s, i); };
      import(workerData.entry).then((core) => {
        let before = 'ran';
        try { core.softmax(new Float32Array([1, 2]), [1, 2]); } catch (e) { before = e.code; }
        const atImport = compiles;
        core.initSync(workerData.module);
        const y = core.softmax(new Float32Array([1, 2, 3]), [1, 3], { temperature: 1.5 });
        parentPort.postMessage({ atImport, compiles, before, y: Array.from(y) });
      });`;
    const entry = new URL(`../${root.node}`, import.meta.url).href;
    const worker = new Worker(code, { eval: true, workerData: { entry, module: compiled } });
    const reply = await new Promise<{ atImport: number; compiles: number; before: string; y: number[] }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(reply).toMatchObject({ atImport: 0, compiles: 0, before: 'E_INIT' });
    const want = softmax(new Float32Array([1, 2, 3]), [1, 3], { temperature: 1.5 });
    expect(Float32Array.from(reply.y)).toEqual(want);
  });
});

describe('the wasm build', () => {
  // A fresh Node process through the package's Node entry: the build a bare init() picks, against what this
  // V8 validates; an explicit source always wins.
  const entry = fileURLToPath(new URL('../dist/entry/node.js', import.meta.url));
  const probe = (flags: string[], source = ''): { build: string; validates: boolean } => {
    const code = `import(${JSON.stringify(entry)}).then(async (core) => {
      const { readFileSync } = await import('node:fs');
      const validates = WebAssembly.validate(readFileSync(${JSON.stringify(fileURLToPath(RELAXED_WASM))}));
      await core.init(${source});
      console.log(JSON.stringify({ build: core.wasmBuild(), validates }));
    });`;
    return JSON.parse(execFileSync(process.execPath, [...flags, '-e', code], { encoding: 'utf8' }));
  };

  it('bare init() loads tstar-relaxed.wasm exactly where the host validates it (Node 20: only with the flag)', () => {
    const plain = probe([]);
    expect(plain.build).toBe(plain.validates ? 'relaxed-simd' : 'simd');
    expect(probe(['--experimental-wasm-relaxed-simd'])).toEqual({ build: 'relaxed-simd', validates: true });
  });

  it('lets an explicit source win over the relaxed default', () => {
    const source = `{ bytes: readFileSync(${JSON.stringify(fileURLToPath(WASM))}) }`;
    expect(probe(['--experimental-wasm-relaxed-simd'], source).build).toBe('simd');
  });
});
