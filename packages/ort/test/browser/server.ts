import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const HERE = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const CORE = dirname(require.resolve('@tstar/core/package.json'));
const ORT_WEB = packageRoot(require.resolve('onnxruntime-web'), 'onnxruntime-web');

/** The directory of package `name` above one of its files (its exports map hides package.json). */
function packageRoot(file: string, name: string): string {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      if (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name === name) return dir;
    } catch {
      // no package.json here
    }
  }
  throw new Error(`no package ${name} above ${file}`);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** page.ts bundled for the browser: @tstar/ort's sources, onnx-proto and protobufjs inside; core and ort outside. */
async function bundle(): Promise<string> {
  const result = await build({
    entryPoints: [join(HERE, 'page.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: ['@tstar/core', '@tstar/core/*', 'onnxruntime-web/webgpu'],
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

async function page(): Promise<string> {
  // Every JS entry of @tstar/core's exports map (the root under 'browser', subpaths like ./validate).
  const coreExports = JSON.parse(await readFile(join(CORE, 'package.json'), 'utf8')).exports as Record<string, string | Record<string, string>>;
  const imports: Record<string, string> = {};
  for (const [key, target] of Object.entries(coreExports)) {
    const file = typeof target === 'string' ? target : target.browser ?? target.default;
    if (file?.endsWith('.js')) imports[`@tstar/core${key.slice(1)}`] = `/core/${file.replace(/^\.\//, '')}`;
  }
  const ortEntry = JSON.parse(await readFile(join(ORT_WEB, 'package.json'), 'utf8')).exports['./webgpu'].import['onnxruntime-web-use-extern-wasm'] as string;
  imports['onnxruntime-web/webgpu'] = `/ort/${ortEntry.replace(/^\.\//, '')}`;
  return `<!doctype html>
<meta charset="utf-8">
<title>@tstar/ort on WebGPU</title>
<script type="importmap">${JSON.stringify({ imports })}</script>
<script type="module" src="/page.js"></script>`;
}

/**
 * A static server on loopback (http://localhost, a secure context, so navigator.gpu exists): `/` the page,
 * `/page.js` the bundle, `/core/*` @tstar/core's package, `/ort/*` onnxruntime-web's, `/fixtures/*` the models
 * the test hands over.
 */
export async function serve(fixtures: ReadonlyMap<string, Uint8Array>): Promise<{ url: string; server: Server; requests: string[] }> {
  const [html, script] = await Promise.all([page(), bundle()]);
  const requests: string[] = [];
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    requests.push(path);
    const send = (type: string, body: string | Uint8Array) => res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    if (path === '/') return send(TYPES['.html'], html);
    if (path === '/page.js') return send(TYPES['.js'], script);
    const [, root, ...rest] = path.split('/');
    if (root === 'fixtures' && fixtures.has(rest.join('/'))) return send('application/octet-stream', fixtures.get(rest.join('/'))!);
    const base = root === 'core' ? CORE : root === 'ort' ? ORT_WEB : undefined;
    const file = base && normalize(join(base, ...rest));
    if (!base || !file || !file.startsWith(base + sep)) return res.writeHead(404).end();
    try {
      send(TYPES[extname(file)] ?? 'application/octet-stream', await readFile(file));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://localhost:${port}/`, server, requests };
}
