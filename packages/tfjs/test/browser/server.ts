import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const TFJS_WASM = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
const CORE_WASM = join(dirname(require.resolve('@tstar/core/tstar.wasm')), 'tstar.wasm');

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm', '.html': 'text/html; charset=utf-8' };

/** Bundles page.ts for the browser (the exports map's `browser` conditions), in memory. */
async function bundle(): Promise<string> {
  const result = await build({
    entryPoints: [join(here, 'page.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['browser'],
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    // tfjs-backend-wasm's emscripten glue and the core's Node branch name modules a browser never loads.
    external: ['fs', 'path', 'worker_threads', 'perf_hooks', 'os', 'crypto', 'node:*'],
  });
  return result.outputFiles[0].text;
}

/**
 * A loopback server for the Chromium test: `/` the page, `/bundle.js` the bundled page script, `/tfjs-wasm/*`
 * tfjs-backend-wasm's binaries, `/core/tstar.wasm` the core's. Every request is recorded.
 */
export async function serve(): Promise<{ url: string; server: Server; requests: string[] }> {
  const script = await bundle();
  const requests: string[] = [];
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    requests.push(path);
    const send = (type: string, body: string | Buffer) => res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    if (path === '/') return send(TYPES['.html'], '<!doctype html><meta charset="utf-8"><title>tstar tfjs</title><script type="module" src="/bundle.js"></script>');
    if (path === '/bundle.js') return send(TYPES['.js'], script);
    if (path === '/core/tstar.wasm') return send(TYPES['.wasm'], await readFile(CORE_WASM));
    if (path.startsWith('/tfjs-wasm/')) {
      const file = normalize(join(TFJS_WASM, path.slice('/tfjs-wasm/'.length)));
      if (file.startsWith(TFJS_WASM + sep)) {
        try {
          return send(TYPES[extname(file)] ?? 'application/octet-stream', await readFile(file));
        } catch {
          // 404 below
        }
      }
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://localhost:${port}/`, server, requests };
}
