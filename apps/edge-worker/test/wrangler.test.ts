import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNear, expected, readmeExample } from './contract.js';
import { APP, WORKERD, freePort, post, run, start, waitForHttp, type Running } from './helpers.js';

const require = createRequire(join(APP, 'package.json'));
const WRANGLER = join(dirname(require.resolve('wrangler/package.json')), 'bin', 'wrangler.js');

// `wrangler deploy --dry-run` bundles wrangler.toml's Worker offline (no account, no network); the bundle it
// writes is then served by workerd, as Cloudflare would run it.
describe('wrangler.toml', () => {
  const out = mkdtempSync(join(tmpdir(), 'tstar-wrangler-'));
  let workerd: Running | undefined;
  let url = '';
  let log = '';

  beforeAll(async () => {
    log = await run(process.execPath, [WRANGLER, 'deploy', '--dry-run', '--outdir', out], 120_000, APP, { WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' });
    const files = readdirSync(out);
    const wasm = files.filter((f) => f.endsWith('.wasm'));
    writeFileSync(
      join(out, 'config.capnp'),
      `using Workerd = import "/workerd/workerd.capnp";\nconst config :Workerd.Config = (services = [(name = "main", worker = (modules = [` +
        `(name = "handler.js", esModule = embed "handler.js"), ${wasm.map((w) => `(name = ${JSON.stringify(w)}, wasm = embed ${JSON.stringify(w)})`).join(', ')}], ` +
        `compatibilityDate = "2025-09-01"))], sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "main")]);\n`,
    );
    const port = await freePort();
    url = `http://127.0.0.1:${port}/`;
    workerd = start(WORKERD, ['serve', join(out, 'config.capnp'), '--socket-addr', `http=127.0.0.1:${port}`]);
    await waitForHttp(url, workerd);
  });
  afterAll(async () => {
    await workerd?.stop();
    rmSync(out, { recursive: true, force: true });
  });

  it('bundles offline with `wrangler deploy --dry-run`: one script, and tstar.wasm and tstar-relaxed.wasm as separate modules', () => {
    expect(log).toMatch(/--dry-run: exiting now/);
    const files = readdirSync(out).filter((f) => !f.endsWith('.map') && f !== 'config.capnp' && f !== 'README.md');
    expect(files).toHaveLength(3);
    expect(files).toEqual(expect.arrayContaining(['handler.js', expect.stringMatching(/^[0-9a-f]+-tstar\.wasm$/), expect.stringMatching(/^[0-9a-f]+-tstar-relaxed\.wasm$/)]));
    const script = readFileSync(join(out, 'handler.js'), 'utf8');
    expect(script).toMatch(/import \w+ from "\.\/[0-9a-f]+-tstar\.wasm"/);
    expect(script).toMatch(/import \w+ from "\.\/[0-9a-f]+-tstar-relaxed\.wasm"/);
  });

  it('builds a Worker that workerd serves: the README logits answer as Node does, and the README fit converges', async () => {
    const { logits, featureDim } = readmeExample();
    const plain = { logits, featureDim, temperature: 2 };
    const res = await post(url, JSON.stringify(plain));
    expect(res.status).toBe(200);
    expectNear(res.body, expected(plain));
    const fitted = await post(url, JSON.stringify(readmeExample()));
    expect((fitted.body as { fitTemperature: { converged: boolean } }).fitTemperature.converged).toBe(true);
  });
});
