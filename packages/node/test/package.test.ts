// What a user gets from the tarballs (@tstar/node needs @tstar/core, so both are packed here): the LICENSE
// travels with them, and a CommonJS TypeScript project compiles and runs against them.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const TSC = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
const WORKSPACES = ['@tstar/core', '@tstar/node', '@tstar/ort', 'tstar'];

const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, npm_config_update_notifier: 'false' } });

describe('the packed tarballs', () => {
  it('carry the LICENSE (the root one, byte for byte), README, package.json and the built entry points', { timeout: 120_000 }, () => {
    const packed = JSON.parse(npm(['pack', '--dry-run', '--json', ...WORKSPACES.flatMap((w) => ['-w', w])], root)) as { name: string; files: { path: string }[] }[];
    expect(packed.map((p) => p.name).sort()).toEqual([...WORKSPACES].sort());
    for (const p of packed) {
      const files = p.files.map((f) => f.path);
      for (const f of ['LICENSE', 'README.md', 'package.json']) expect(files, `${p.name}: ${f}`).toContain(f);
      expect(files.some((f) => f.startsWith('dist/') && f.endsWith('.js')), p.name).toBe(true);
    }
    const license = readFileSync(join(root, 'LICENSE'));
    for (const dir of ['packages/core', 'packages/node', 'packages/ort', 'apps/cli']) expect(readFileSync(join(root, dir, 'LICENSE')).equals(license), dir).toBe(true);
  });

  it('come from an npm set-up that prints no config warning (onnxruntime-node\'s install script is denied in package.json, not .npmrc)', () => {
    const r = spawnSync('npm', ['--version'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/Unknown (project|user|env) config/);
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).allowScripts).toMatchObject({ 'onnxruntime-node': false });
  });

  describe('in a CommonJS TypeScript project', () => {
    let project = '';
    beforeAll(() => {
      project = tempDir('tstar-cjs-');
      npm(['pack', '-w', '@tstar/core', '-w', '@tstar/node', '--pack-destination', project], root);
      writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'cjs-consumer', version: '1.0.0', private: true }));
      npm(['install', '--offline', '--no-audit', '--no-fund', './tstar-core-0.1.0.tgz', './tstar-node-0.1.0.tgz'], project);
      writeFileSync(
        join(project, 'index.ts'),
        [
          "import { init, softmax } from '@tstar/core';",
          "import { checkMatrix } from '@tstar/core/validate';",
          "import { parseNpy, encodeNpy } from '@tstar/node';",
          "import { reliabilitySvg } from '@tstar/node/svg';",
          'export async function run(): Promise<number[]> {',
          '  await init();',
          '  checkMatrix("run", "x", new Float32Array(2), [1, 2]);',
          '  const x = parseNpy(encodeNpy(new Float32Array([1, 2]), [1, 2])).data as Float32Array;',
          '  return typeof reliabilitySvg === "function" ? Array.from(softmax(x, [1, 2])) : [];',
          '}',
        ].join('\n'),
      );
    }, 180_000);
    afterAll(() => rmSync(project, { recursive: true, force: true }));

    // module "commonjs" resolves through the top-level types/typesVersions; "nodenext" (TS ≥ 5.8) through the
    // exports map, where require() of an ES module is allowed as Node ≥ 20.19 allows it.
    it.each(['commonjs', 'nodenext'])('compiles with module %s and runs under require()', { timeout: 120_000 }, (module) => {
      writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module, target: 'es2022', lib: ['es2022'], types: [], skipLibCheck: true, strict: true, outDir: `out-${module}` }, files: ['index.ts'] }));
      execFileSync(process.execPath, [TSC, '-p', '.'], { cwd: project, encoding: 'utf8' });
      const script = `require('./out-${module}/index.js').run().then((p) => process.stdout.write(JSON.stringify(p)))`;
      const probabilities = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: project, encoding: 'utf8' })) as number[];
      // softmax([1, 2]) = [1 / (1 + e), e / (1 + e)]; float32 rounding.
      expect(probabilities[0]).toBeCloseTo(1 / (1 + Math.E), 7);
      expect(probabilities[1]).toBeCloseTo(Math.E / (1 + Math.E), 7);
    });
  });
});
