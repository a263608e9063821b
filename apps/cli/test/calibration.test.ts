import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { calibrate, calibrationMetrics, initSync, seededRandom, softmax } from '@tstar/core';
import { encodeNpy } from '@tstar/node';
import { parseXml, walk } from '../../../packages/node/test/xml.js';
import { tempDir, tstar, writeDataset } from './helpers.js';

initSync();

let dir: string;
let files: ReturnType<typeof writeDataset>;
let binary: { logits: string; labels: string; z: Float32Array; t: Int32Array };
beforeAll(() => {
  dir = tempDir();
  files = writeDataset(dir, 2000, 6, 7);
  const u = seededRandom(3);
  const z = Float32Array.from({ length: 2000 }, () => 6 * (u() - 0.5));
  const t = Int32Array.from(z, (v) => (u() < 1 / (1 + Math.exp(-(0.5 * v + 0.3))) ? 1 : 0));
  binary = { logits: join(dir, 'z.npy'), labels: join(dir, 't.npy'), z, t };
  writeFileSync(binary.logits, encodeNpy(z, [2000, 1]));
  writeFileSync(binary.labels, encodeNpy(t, [2000]));
});

function json(args: string[]): Record<string, unknown> {
  const r = tstar([...args, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe('tstar eval: binning, classwise, bootstrap, selective prediction', () => {
  it('reports what calibrationMetrics reports for --binning equal-mass --classwise --bootstrap 200', () => {
    const r = json(['eval', '--logits', files.logits, '--labels', files.labels, '--binning', 'equal-mass', '--classwise', '--bootstrap', '200', '--seed', '4']);
    const m = calibrationMetrics(files.data.logits, [2000, 6], files.data.labels, { binning: 'equal-mass', classwise: true, bootstrap: { replicates: 200, seed: 4 } });
    expect(r.ece).toBe(m.ece);
    expect(r.binning).toBe('equal-mass');
    expect((r.classwise as { ece: number }).ece).toBe(m.classwise!.ece);
    expect((r.brierDecomposition as { reliability: number }).reliability).toBe(m.brierDecomposition!.reliability);
    const b = r.bootstrap as { low: number; high: number; calibratedEce: { mean: number } };
    expect([b.low, b.high, b.calibratedEce.mean]).toEqual([m.bootstrap!.low, m.bootstrap!.high, m.bootstrap!.calibratedEce.mean]);
  });

  it('draws the bootstrap band on the reliability diagram and writes the risk–coverage SVG', () => {
    const svg = join(dir, 'band.svg'), risk = join(dir, 'risk.svg');
    const r = tstar(['eval', '--logits', files.logits, '--labels', files.labels, '--bootstrap', '100', '--svg', svg, '--risk-svg', risk, '--target-accuracy', '0.9']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ECE 95 % interval +[\d.]+ % – [\d.]+ %/);
    expect(r.stdout).toMatch(/ECE if calibrated/);
    expect(r.stdout).toMatch(/accuracy ≥ 90.0 % +answer when confidence ≥/);
    expect(walk(parseXml(readFileSync(svg, 'utf8'))).filter((e) => e.attrs.class === 'band').length).toBeGreaterThan(2);
    const curve = walk(parseXml(readFileSync(risk, 'utf8')));
    expect(curve.some((e) => e.attrs.class === 'risk')).toBe(true);
    expect(curve.some((e) => e.attrs.class === 'mark accuracy')).toBe(true);
  });

  it('prints warnings plainly: softmax outputs passed as logits', () => {
    const p = join(dir, 'p.npy');
    writeFileSync(p, encodeNpy(softmax(files.data.logits, [2000, 6]), [2000, 6]));
    const r = tstar(['eval', '--logits', p, '--labels', files.labels]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^warning W_LOOKS_LIKE_PROBABILITIES: /m);
    expect(tstar(['eval', '--logits', files.logits, '--labels', files.labels]).stdout).not.toMatch(/warning/);
  });

  it('measures a single-logit binary head with --head sigmoid, top label or positive', () => {
    const top = json(['eval', '--logits', binary.logits, '--labels', binary.labels, '--head', 'sigmoid']);
    const pos = json(['eval', '--logits', binary.logits, '--labels', binary.labels, '--head', 'sigmoid', '--binary', 'positive']);
    expect(top.ece).toBe(calibrationMetrics(binary.z, [2000, 1], binary.t, { head: 'sigmoid' }).ece);
    expect(pos.ece).toBe(calibrationMetrics(binary.z, [2000, 1], binary.t, { head: 'sigmoid', binary: 'positive' }).ece);
  });

  it('rejects a bad --binning with a usage error (exit 2, one line)', () => {
    const r = tstar(['eval', '--logits', files.logits, '--labels', files.labels, '--binning', 'quantile']);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--binning must be 'equal-width' or 'equal-mass'/);
  });
});

describe('tstar calibrate --method', () => {
  it('fits vector scaling, reports the held-out numbers the core reports and writes the scaler for the adapters', () => {
    const out = join(dir, 'vec');
    const r = json(['calibrate', '--logits', files.logits, '--labels', files.labels, '--method', 'vector', '--out-dir', out]);
    const core = calibrate(files.data.logits, [2000, 6], files.data.labels, { method: 'vector' });
    expect(r.scaler).toEqual(core.scaler);
    expect(r.after).toEqual(core.after);
    expect(JSON.parse(readFileSync(join(out, 'scaler.json'), 'utf8'))).toEqual(core.scaler);
    for (const f of ['reliability-before.svg', 'reliability-after.svg']) expect(parseXml(readFileSync(join(out, f), 'utf8')).name).toBe('svg');
  });

  it('fits Platt scaling on a binary head and prints the held-out table', () => {
    const r = tstar(['calibrate', '--logits', binary.logits, '--labels', binary.labels, '--method', 'platt', '--out-dir', join(dir, 'platt')]);
    expect(r.code).toBe(0);
    const core = calibrate(binary.z, [2000, 1], binary.t, { method: 'platt' });
    expect(r.stdout).toContain(`platt scaling: sigmoid(`);
    expect(r.stdout).toMatch(/held out +NLL +ECE/);
    expect(r.stdout).toContain(`${(core.after.ece * 100).toFixed(2)} %`);
  });

  it('reports the temperature fit on held-out rows too, and prints its warnings', () => {
    const r = tstar(['calibrate', '--logits', files.logits, '--labels', files.labels, '--out-dir', join(dir, 'temp'), '--max-evaluations', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/temperature scaling: T = /);
    expect(r.stdout).toMatch(/^warning W_NOT_CONVERGED: /m);
    const report = JSON.parse(readFileSync(join(dir, 'temp', 'report.json'), 'utf8')) as { heldOut: { split: { validationRows: number } } };
    expect(report.heldOut.split.validationRows).toBe(400);
  });

  it('refuses Platt on a multi-class head and an unknown method', () => {
    const platt = tstar(['calibrate', '--logits', files.logits, '--labels', files.labels, '--method', 'platt', '--out-dir', join(dir, 'x')]);
    expect(platt.code).toBe(1);
    expect(platt.stderr.trimEnd().split('\n')).toHaveLength(1);
    const bad = tstar(['calibrate', '--logits', files.logits, '--labels', files.labels, '--method', 'isotonic']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--method must be/);
  });
});
