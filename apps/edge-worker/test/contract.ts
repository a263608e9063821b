import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { calibrate } from '../src/service.js';
import { parseCalibrateRequest } from '../src/request.js';
import { encodeNpy } from '@tstar/node/npy-format';
import { BAD_CASES, BROKEN_CHUNKED, GOOD } from './cases.js';
import { APP, post, postHead, rawRequest } from './helpers.js';

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

export interface ContractOptions {
  /** The same service with a 1 s body deadline (dist/handler-short-deadline.js). */
  deadline: () => string;
  /**
   * Whether the host hands a body cut short by the client to the handler (workerd, Deno) rather than dropping
   * the request itself (Bun closes the connection, edge-runtime's Node server answers its own 400).
   */
  truncatedReachesHandler: boolean;
}

/** The JSON body of the README's quick-start curl command. */
export function readmeExample(): Record<string, unknown> {
  const readme = readFileSync(join(APP, 'README.md'), 'utf8');
  const body = /curl -s -X POST http:\/\/127\.0\.0\.1:8787\/ \\\n\s+-d '([^']+)'/.exec(readme)?.[1];
  if (!body) throw new Error('README.md has no quick-start curl command with a -d body');
  return JSON.parse(body) as Record<string, unknown>;
}

/** The service's contract, checked against a running host at `url()`; answers must equal Node's (see expectNear). */
export function serviceContract(url: () => string, options: ContractOptions): void {
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

  it('answers the README quick start with a converged fit and no warnings', async () => {
    const request = readmeExample();
    const res = await post(url(), JSON.stringify(request));
    expect(res.status).toBe(200);
    const body = res.body as { fitTemperature: { converged: boolean; temperature: number }; warnings: unknown[] };
    // The fit stops within its tolerance of the optimum; hosts on tstar-relaxed.wasm see objectives moved in the
    // last bits, so they stop at a slightly different T (as expectNear allows).
    const node = expected(request) as typeof body;
    expect(Math.abs(body.fitTemperature.temperature - node.fitTemperature.temperature)).toBeLessThan(1e-5 * node.fitTemperature.temperature);
    expect(body.fitTemperature.converged).toBe(true);
    expect(body.warnings).toEqual([]);
  });

  it('says so in warnings when the fit has no finite optimum (every row already right), and when T̂* was clipped', async () => {
    const request = { logits: [[2.5, -1, 0.3], [0, 1, 4]], labels: [0, 2], featureDim: 16, temperature: 'fit' };
    const res = await post(url(), JSON.stringify(request));
    expect(res.status).toBe(200);
    const body = res.body as { warnings: { code: string; message: string }[] };
    const codes = body.warnings.map((w) => w.code);
    expect(codes).toContain('W_CLIPPED');
    expect(codes.filter((c) => ['W_SEPARATED', 'W_NOT_CONVERGED', 'W_AT_BOUND'].includes(c)).length).toBeGreaterThan(0);
    expect(new Set(codes).size).toBe(codes.length);
    // Same warnings as Node; their messages quote numbers, which the relaxed-SIMD build moves in the last bits.
    expect(codes).toEqual((expected(request) as typeof body).warnings.map((w) => w.code));
  });

  it('leaves the probabilities out when asked (JSON and .npy), so a large batch stays small', async () => {
    const request = { logits: { data: new Array(40_000 * 10).fill(0).map((_, i) => (i % 7) - 3), shape: [40_000, 10] }, probabilities: false };
    const res = await post(url(), JSON.stringify(request));
    expect(res.status).toBe(200);
    const body = res.body as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['shape', 'temperature', 'warnings']);
    const small = { logits: GOOD.logits, labels: GOOD.labels, probabilities: false };
    expectNear((await post(url(), JSON.stringify(small))).body, expected(small));
    const npy = encodeNpy(new Float32Array([1, 2, 3, 4]), [2, 2]);
    const viaNpy = (await post(`${url()}?probabilities=false&temperature=2`, npy, { contentType: 'application/x-npy' })).body as Record<string, unknown>;
    expect(viaNpy).toEqual({ shape: [2, 2], temperature: 2, warnings: [] });
  });

  it('echoes only clipped values in error messages, whatever size the bad value has', async () => {
    const big = 'x'.repeat(100_000);
    const hostile = fc.constantFrom(
      { logits: [[1, big]] },
      { logits: { data: [big], shape: [1, 1] } },
      { logits: { data: [1], shape: [big, 1] } },
      { logits: [[1]], temperature: big },
      { logits: [[1]], labels: [big] },
      { logits: [[1]], [big]: 1, [`${big}y`]: 2 },
      { logits: [[1]], featureDim: big },
      { logits: big },
      { logits: [big] },
    );
    await fc.assert(
      fc.asyncProperty(hostile, async (request) => {
        const res = await post(url(), JSON.stringify(request));
        expect(res.status).toBe(400);
        expect((res.body as { error: { message: string } }).error.message.length).toBeLessThan(400);
      }),
      { numRuns: 9 },
    );
    const query = await post(`${url()}?temperature=${big.slice(0, 4000)}`, encodeNpy(new Float32Array(4), [2, 2]), { contentType: 'application/x-npy' });
    expect((query.body as { error: { message: string } }).error.message.length).toBeLessThan(400);
  });

  it.each(BROKEN_CHUNKED)('never answers 5xx (nor hangs) for a chunked upload with $name, and still serves afterwards', async ({ name, tail }) => {
    const head = postHead(url(), { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    const answer = await rawRequest(url(), head, { tail, halfClose: true });
    // A host may drop a broken request itself (no answer, or its own bare 400); when the handler sees it, 400 E_BODY.
    if (answer.status !== undefined) {
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
    }
    if (name === 'truncated' && options.truncatedReachesHandler) expect({ status: answer.status, code: JSON.parse(answer.body).error.code }).toEqual({ status: 400, code: 'E_BODY' });
    expect((await post(url(), JSON.stringify({ logits: [[0, 1]] }))).status).toBe(200);
  });

  it('answers 408 E_TIMEOUT to a body that stalls or trickles past the deadline, without waiting for it', async () => {
    const json = { 'content-type': 'application/json' };
    const stalled = await rawRequest(options.deadline(), postHead(options.deadline(), { ...json, 'content-length': '100' }), { tail: '{"logits": [[1', timeoutMs: 8000 });
    const trickled = await rawRequest(options.deadline(), postHead(options.deadline(), { ...json, 'transfer-encoding': 'chunked' }), { tail: '3\r\n{"l\r\n', trickle: { chunk: '1\r\n \r\n', everyMs: 200 }, timeoutMs: 8000 });
    for (const answer of [stalled, trickled]) expect({ status: answer.status, code: JSON.parse(answer.body).error.code }).toEqual({ status: 408, code: 'E_TIMEOUT' });
    expect((await post(options.deadline(), JSON.stringify({ logits: [[0, 1]] }))).status).toBe(200);
  });

  it('answers 405 to GET and 404 off the root, and still serves afterwards', async () => {
    expect((await fetch(url())).status).toBe(405);
    expect((await fetch(new URL('/nope', url()))).status).toBe(404);
    expect((await post(url(), JSON.stringify({ logits: [[0, 0]] }))).status).toBe(200);
  });
}
