// A static server on loopback for the browser runs: URL prefixes mapped to directories or to files
// held in memory. Every answer is cross-origin isolated (COOP/COEP), which gives pages and workers
// performance.now() at 5 µs resolution instead of 100 µs, and no-store, so each page load is cold.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
};

export interface Routes {
  /** Exact paths answered from memory. */
  files: Record<string, string | Uint8Array>;
  /** Prefixes (e.g. `/ort/`) served from a directory. */
  dirs: Record<string, string>;
}

export async function serveStatic(routes: Routes): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const headers = (file: string): Record<string, string> => ({
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      'cross-origin-resource-policy': 'same-origin',
    });
    const inMemory = routes.files[path];
    if (inMemory !== undefined) {
      res.writeHead(200, headers(path === '/' ? 'index.html' : path)).end(inMemory);
      return;
    }
    const prefix = Object.keys(routes.dirs).find((p) => path.startsWith(p));
    const base = prefix && routes.dirs[prefix];
    const file = base && normalize(join(base, path.slice(prefix.length)));
    if (!base || !file || !file.startsWith(base + sep)) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, headers(file)).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://localhost:${port}/`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
