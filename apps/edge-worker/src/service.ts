import { TStarError, calibrationMetrics, init, resolveTemperature, softmax } from '@tstar/core';
import { HttpError, parseCalibrateRequest, parseNpyRequest, type CalibrateRequest } from './request.js';

/** Bodies above this are refused with 413, whether announced by content-length or found while reading. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: JSON_HEADERS });
}

function errorResponse(status: number, code: string, message: string): Response {
  return json({ error: { code, message } }, status);
}

// Caller mistakes are 400; a request too large for wasm memory is 413; a missing wasm or a kernel fault is ours.
const SERVER_CODES = new Set(['E_INIT', 'E_INTERNAL']);

async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) {
    throw new HttpError(413, 'E_TOO_LARGE', `request: body of ${declared} bytes exceeds the ${limit}-byte limit`);
  }
  if (request.body === null) return new Uint8Array(0);
  // A chunked body has no content-length, so the limit is also enforced while reading.
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new HttpError(413, 'E_TOO_LARGE', `request: body exceeds the ${limit}-byte limit`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new HttpError(400, 'E_JSON', 'request: body is not valid UTF-8');
  }
}

function rowsOf(data: Float32Array, rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, (_, r) => Array.from(data.subarray(r * cols, (r + 1) * cols)));
}

/**
 * The calibration answer for one decoded request: probabilities at the chosen temperature; T̂* when
 * featureDim is given; the NLL-fitted T and calibration metrics (at the chosen temperature) when labels are.
 * @throws {TStarError} E_ARGUMENT ("auto" without featureDim, "fit" without labels) and any code of the core ops
 * (the core must be initialised: `handle` does it)
 * @example calibrate({ logits: new Float32Array([1, 2]), shape: [1, 2], temperature: 1 }).probabilities
 */
export function calibrate(request: CalibrateRequest): Record<string, unknown> {
  const { logits, shape, labels, featureDim } = request;
  const [rows, cols] = shape;
  if (request.temperature === 'fit' && labels === undefined) throw new TStarError('E_ARGUMENT', 'request: temperature "fit" needs labels');
  // A fitted T is reported whenever labels come, whatever temperature is in force.
  const fit = labels === undefined ? undefined : resolveTemperature('fit', { logits, shape, labels });
  const chosen = request.temperature === 'fit' ? fit! : resolveTemperature(request.temperature, { featureDim });
  const optimal = chosen.optimal ?? (featureDim === undefined ? undefined : resolveTemperature('auto', { featureDim }).optimal);
  const { temperature } = chosen;
  const probabilities = softmax(logits, shape, { temperature });
  const answer: Record<string, unknown> = { shape, temperature, probabilities: rowsOf(probabilities, rows, cols) };
  if (optimal) {
    const { temperature: t, base, csgTerm, classTerm, clipped } = optimal;
    answer.optimalTemperature = { temperature: t, base, csgTerm, classTerm, clipped };
  }
  if (fit?.fit && labels) {
    answer.fitTemperature = fit.fit;
    answer.calibrationMetrics = calibrationMetrics(logits, shape, labels, { temperature });
  }
  const warnings = [...(request.temperature === 'fit' ? [] : chosen.warnings), ...(fit?.warnings ?? [])];
  if (warnings.length > 0) answer.warnings = warnings;
  return answer;
}

/**
 * Handles one HTTP request: `POST /` with a JSON body, or `.npy` bytes (content-type application/x-npy) with
 * labels/temperature/featureDim in the query string (see README), answers 200 with probabilities and, as
 * the body allows, T̂*, a fitted T and calibration metrics; bad input is a 400 (413 when too large) with
 * `{ error: { code, message } }`.
 * @example await handle(new Request('http://x/', { method: 'POST', body: '{"logits":[[1,2]]}' }))
 */
export async function handle(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname !== '/') return errorResponse(404, 'E_NOT_FOUND', `no route ${url.pathname}; POST / instead`);
  if (request.method !== 'POST') {
    return new Response(JSON.stringify({ error: { code: 'E_METHOD', message: `${request.method} is not allowed; POST a JSON body` } }), {
      status: 405,
      headers: { ...JSON_HEADERS, allow: 'POST' },
    });
  }
  try {
    // Loads the host's wasm on the first request (workerd, Deno and edge-light: a module their bundler already
    // compiled); later requests resolve at once.
    await init();
    const body = await readBody(request, MAX_BODY_BYTES);
    const type = request.headers.get('content-type') ?? '';
    // np.save bytes come as application/x-npy (or octet-stream); everything else is read as JSON.
    if (/^application\/(x-npy|octet-stream)\b/i.test(type)) return json(calibrate(parseNpyRequest(body, url.searchParams)));
    return json(calibrate(parseCalibrateRequest(decodeText(body))));
  } catch (error) {
    if (error instanceof HttpError) return errorResponse(error.status, error.code, error.message);
    if (error instanceof TStarError) {
      const status = SERVER_CODES.has(error.code) ? 500 : error.code === 'E_MEMORY' ? 413 : 400;
      return errorResponse(status, error.code, error.message);
    }
    const message = error instanceof Error ? error.message : String(error);
    return errorResponse(500, 'E_INTERNAL', `service: ${message}`);
  }
}
