import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { APP, CORE } from '../helpers.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
};

/** Where the page loads `@tstar/core` from in a page and in a worker: the exports map's own conditions. */
export async function coreEntries(): Promise<{ browser: string; worker: string }> {
  const exports = JSON.parse(await readFile(join(CORE, 'package.json'), 'utf8')).exports['.'];
  const url = (path: string): string => `/core/${path.replace(/^\.\//, '')}`;
  return { browser: url(exports.browser), worker: url(exports.worker) };
}

function page(entries: { browser: string; worker: string }): string {
  return `<!doctype html>
<meta charset="utf-8">
<title>tstar smoke</title>
<script type="importmap">${JSON.stringify({ imports: { '@tstar/core': entries.browser } })}</script>
<script type="module">
  import { smokePage } from '/app/test/browser/page.mjs';
  smokePage(${JSON.stringify(entries.worker)}).then((r) => (window.smokeResult = r), (e) => (window.smokeError = String(e && e.stack || e)));
</script>`;
}

/**
 * A static server on loopback for the browser tests: `/core/*` is @tstar/core's package (dist and its wasm,
 * served as application/wasm so streaming compilation applies), `/app/*` this app; `/` is the smoke page.
 */
export async function serve(): Promise<{ url: string; server: Server; requests: string[] }> {
  const entries = await coreEntries();
  const requests: string[] = [];
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    requests.push(path);
    if (path === '/') {
      res.writeHead(200, { 'content-type': TYPES['.html'], 'cache-control': 'no-store' }).end(page(entries));
      return;
    }
    const [, root, ...rest] = path.split('/');
    const base = root === 'core' ? CORE : root === 'app' ? APP : undefined;
    const file = base && normalize(join(base, ...rest));
    if (!base || !file || !file.startsWith(base + sep)) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(file);
      // no-store: every page load (the cold-start benchmark opens many) fetches and compiles afresh.
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://localhost:${port}/`, server, requests };
}
