import { expect, it } from 'vitest';
import { calibrate } from '../src/service.js';
import { parseCalibrateRequest } from '../src/request.js';
import { encodeNpy } from '@tstar/node/npy-format';
import { BAD_CASES, GOOD } from './cases.js';
import { post } from './helpers.js';

/** What Node computes for a request, through the same JSON round trip the service's answer takes. */
export function expected(request: unknown): unknown {
  return JSON.parse(JSON.stringify(calibrate(parseCalibrateRequest(JSON.stringify(request)))));
}

/**
 * `actual` equals `expected` in structure, strings and integers; other numbers within 1e-5 relative + 1e-9
 * absolute: hosts with relaxed SIMD (workerd, Deno) run tstar-relaxed.wasm, whose fused multiply-adds move the
 * last bits away from Node 20's plain-SIMD answer.
 */
export function expectNear(actual: unknown, expected: unknown, path = 'body'): void {
  if (typeof expected === 'number' && typeof actual === 'number' && !Number.isInteger(expected)) {
    if (!(Math.abs(actual - expected) <= 1e-5 * Math.abs(expected) + 1e-9)) expect.fail(`${path}: got ${actual}, Node gives ${expected}`);
    return;
  }
  if (expected === null || typeof expected !== 'object') {
    expect(actual, path).toEqual(expected);
    return;
  }
  expect(typeof actual, path).toBe('object');
  expect(Object.keys(actual as object), path).toEqual(Object.keys(expected));
  for (const [key, value] of Object.entries(expected)) expectNear((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
}

/** The service's contract, checked against a running host at `url()`; answers must equal Node's (see expectNear). */
export function serviceContract(url: () => string): void {
  it('answers softmax probabilities at a given temperature, equal to Node\'s', async () => {
    const request = { logits: GOOD.logits, temperature: 2.5 };
    const res = await post(url(), JSON.stringify(request));
    expect(res.status).toBe(200);
    expectNear(res.body, expected(request));
    expect((res.body as { probabilities: number[][] }).probabilities[2][2]).toBe(0);
  });

  it('answers T̂*, the fitted T and calibration metrics with labels and featureDim, equal to Node\'s', async () => {
    for (const temperature of ['auto', 'fit', 1.25] as const) {
      const request = { ...GOOD, temperature };
      const res = await post(url(), JSON.stringify(request));
      expect(res.status).toBe(200);
      const body = res.body as Record<string, { temperature: number } & Record<string, unknown>>;
      expectNear(body, expected(request));
      expect(body.optimalTemperature.temperature).toBeCloseTo(0.7239 * Math.sqrt(512) - 4.706, 12);
      expect(Object.keys(body.calibrationMetrics)).toEqual(expect.arrayContaining(['accuracy', 'nll', 'brier', 'ece', 'mce', 'bins']));
      if (temperature === 'fit') expect(body.temperature).toBe(body.fitTemperature.temperature);
    }
  });

  it('takes logits as { data, shape } as well as rows', async () => {
    const request = { logits: { data: [1, 2, 3, 4, 5, 6], shape: [2, 3] }, labels: [2, 0] };
    const res = await post(url(), JSON.stringify(request));
    expect(res.status).toBe(200);
    expectNear(res.body, expected(request));
  });

  it('takes np.save bytes (application/x-npy) with labels, temperature and featureDim in the query, equal to the JSON answer', async () => {
    const rows = GOOD.logits.length, cols = GOOD.logits[0].length;
    const data = Float32Array.from(GOOD.logits.flat(), (v) => (v === '-Infinity' ? -Infinity : Number(v)));
    for (const [npy, temperature] of [[encodeNpy(data, [rows, cols]), 'fit'], [encodeNpy(Float64Array.from(data), [rows, cols], { version: 2 }), 'auto']] as const) {
      const query = `?labels=${GOOD.labels.join(',')}&featureDim=${GOOD.featureDim}&temperature=${temperature}`;
      const res = await post(url() + query, npy, { contentType: 'application/x-npy' });
      expect(res.status).toBe(200);
      expectNear(res.body, expected({ ...GOOD, temperature }));
    }
  });

  it.each(BAD_CASES)('answers $status $code for $name', async (bad) => {
    const res = await post(url() + (bad.query ?? ''), bad.body, { chunked: bad.chunked, declaredLength: bad.declaredLength, contentType: bad.contentType });
    expect({ status: res.status, code: (res.body as { error?: { code?: string } }).error?.code }).toEqual({ status: bad.status, code: bad.code });
    expect(typeof (res.body as { error: { message: string } }).error.message).toBe('string');
  });

  it('answers 405 to GET and 404 off the root, and still serves afterwards', async () => {
    expect((await fetch(url())).status).toBe(405);
    expect((await fetch(new URL('/nope', url()))).status).toBe(404);
    expect((await post(url(), JSON.stringify({ logits: [[0, 0]] }))).status).toBe(200);
  });
}
