import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { calibrationMetrics, fitTemperature, init, optimalTemperature } from '@tstar/core';
import { encodeNpy } from '@tstar/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { rng } from '../../../packages/core/test/rng.js';
import { nsfwjsArtifacts, writeGraphModel } from '../../../packages/tfjs/test/fixtures.js';
import { tempDir, tstar } from './helpers.js';

const dir = tempDir();
// The expected values are computed here, in this process, with the core.
beforeAll(() => init());

/** x [n, 4] and labels for a linear 4 → 3 classifier x·W + b, with float64 logits computed here. */
function problem(n: number): { x: Float32Array; w: Float32Array; b: Float32Array; logits: Float32Array; labels: Int32Array } {
  const r = rng(17);
  const x = Float32Array.from({ length: n * 4 }, () => r() * 2 - 1);
  const w = Float32Array.from({ length: 12 }, () => (r() * 2 - 1) * 6);
  const b = Float32Array.from({ length: 3 }, () => r() - 0.5);
  const logits = new Float32Array(n * 3);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      let s = b[c];
      for (let k = 0; k < 4; k++) s += x[i * 4 + k] * w[k * 3 + c];
      logits[i * 3 + c] = s;
    }
    // Noisy labels: the model is over-confident, so the fitted T exceeds 1.
    labels[i] = r() < 0.7 ? [0, 1, 2].reduce((best, c) => (logits[i * 3 + c] > logits[i * 3 + best] ? c : best), 0) : Math.floor(r() * 3);
  }
  return { x, w, b, logits, labels };
}

describe('tstar estimate --model (tfjs)', () => {
  it('reads M = 128 and 5 classes from nsfwjs\' model.json and prints the core\'s T̂*', () => {
    const artifacts = nsfwjsArtifacts();
    const where = join(dir, 'nsfwjs');
    mkdirSync(where, { recursive: true });
    writeFileSync(join(where, 'group1-shard1of1.bin'), new Uint8Array(artifacts.weightData as ArrayBuffer));
    writeFileSync(join(where, 'model.json'), JSON.stringify({ modelTopology: artifacts.modelTopology, weightsManifest: artifacts.weightsManifest }));
    const expected = optimalTemperature({ featureDim: 128, numClasses: 5 });
    const json = tstar(['estimate', '--model', join(where, 'model.json'), '--json']);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout);
    expect(out).toMatchObject({ featureDim: 128, numClasses: 5, temperature: expected.temperature });
    const text = tstar(['estimate', '--model', join(where, 'model.json')]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`T̂* = ${expected.temperature.toPrecision(4)}`);
    expect(text.stdout).toContain('M = 128, 5 classes');
  });

  it('exits 1 with one line naming the file for a model without a final Dense / MatMul or a missing file', () => {
    const missing = tstar(['estimate', '--model', join(dir, 'none', 'model.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^tstar estimate: .*none\/model.json: cannot read the model/);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('tstar calibrate --model (tfjs)', () => {
  it('runs a GraphModel on x.npy, fits T on its logits and writes the usual report (fit = the core\'s on float64 logits, 1e-4)', async () => {
    const n = 400;
    const p = problem(n);
    const model = await writeGraphModel(join(dir, 'graph'), p.w, p.b);
    const x = join(dir, 'x.npy'), y = join(dir, 'y.npy'), out = join(dir, 'report');
    writeFileSync(x, encodeNpy(p.x, [n, 4]));
    writeFileSync(y, encodeNpy(p.labels, [n]));
    const r = tstar(['calibrate', '--model', model, '--inputs', x, '--labels', y, '--out-dir', out, '--steps', '9']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    const fit = fitTemperature(p.logits, [n, 3], p.labels);
    expect(fit.temperature).toBeGreaterThan(1);
    expect(Math.abs(report.fit.temperature - fit.temperature)).toBeLessThan(1e-4 * fit.temperature);
    // T̂* is marked from the model's own M (4 → clipped to the floor, 1).
    expect(report.estimate.temperature).toBe(optimalTemperature({ featureDim: 4 }).temperature);
    const fitted = report.results.find((row: { name: string }) => row.name === 'fitted');
    expect(Math.abs(fitted.nll - calibrationMetrics(p.logits, [n, 3], p.labels, { temperature: fit.temperature }).nll)).toBeLessThan(1e-5);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/\| fitted \| [\d.]+ \|/);
  });

  it('needs --inputs with --model (exit 2) and refuses labels that do not match the inputs (exit 1)', async () => {
    const p = problem(10);
    const model = await writeGraphModel(join(dir, 'graph-small'), p.w, p.b);
    const x = join(dir, 'x10.npy'), y = join(dir, 'y9.npy');
    writeFileSync(x, encodeNpy(p.x, [10, 4]));
    writeFileSync(y, encodeNpy(p.labels.subarray(1), [9]));
    const usage = tstar(['calibrate', '--model', model, '--labels', y]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--model needs --inputs/);
    const mismatch = tstar(['calibrate', '--model', model, '--inputs', x, '--labels', y, '--out-dir', join(dir, 'r2')]);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toMatch(/9 labels but .*x10.npy has 10 rows/);
  });
});
