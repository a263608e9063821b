import { TStarError, calibrationMetrics, init, resolveTemperature, softmax, type TStarWarning } from '@tstar/core';
import { clip } from '@tstar/node/npy-format';
import { HttpError, MAX_ELEMENTS, parseCalibrateRequest, parseNpyRequest, type CalibrateRequest } from './request.js';

/** Bodies above this are refused with 413, whether announced by content-length or found while reading. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** What one request may cost the host. */
export interface ServiceLimits {
  /** Largest body in bytes (413 E_TOO_LARGE). Default {@link MAX_BODY_BYTES}. */
  maxBodyBytes: number;
  /** Largest JSON answer in bytes, estimated before any work (413 E_TOO_LARGE). Default 8 MiB. */
  maxResponseBytes: number;
  /** Milliseconds the whole body may take to arrive (408 E_TIMEOUT), against slow or stalled uploads. Default 10,000. */
  readTimeoutMs: number;
}

/** The limits of the default handler. Logits are also capped at {@link MAX_ELEMENTS} values per request. */
export const LIMITS: Readonly<ServiceLimits> = { maxBodyBytes: MAX_BODY_BYTES, maxResponseBytes: 8 * 1024 * 1024, readTimeoutMs: 10_000 };

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: JSON_HEADERS });
}

function errorResponse(status: number, code: string, message: string): Response {
  return json({ error: { code, message } }, status);
}

// Caller mistakes are 400; a request too large for wasm memory is 413; a missing wasm or a kernel fault is ours.
const SERVER_CODES = new Set(['E_INIT', 'E_INTERNAL']);

async function readBody(request: Request, limits: ServiceLimits): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limits.maxBodyBytes) {
    throw new HttpError(413, 'E_TOO_LARGE', `request: body of ${clip(declared, 20)} bytes exceeds the ${limits.maxBodyBytes}-byte limit`);
  }
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // One deadline for the whole body, so a client trickling a byte at a time cannot hold the request open.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HttpError(408, 'E_TIMEOUT', `request: the body did not arrive within ${limits.readTimeoutMs} ms`)), limits.readTimeoutMs);
  });
  try {
    for (;;) {
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await Promise.race([reader.read(), deadline]);
      } catch (cause) {
        if (cause instanceof HttpError) throw cause;
        // The host's parser failed mid-body: a malformed or truncated chunked upload, or a dropped connection.
        const why = cause instanceof Error ? cause.message : String(cause);
        throw new HttpError(400, 'E_BODY', `request: the body could not be read (${clip(why, 80)}); is the upload cut short or its chunked encoding malformed?`);
      }
      if (step.done) break;
      total += step.value.byteLength;
      // A chunked body has no content-length, so the limit is also enforced while reading.
      if (total > limits.maxBodyBytes) throw new HttpError(413, 'E_TOO_LARGE', `request: body exceeds the ${limits.maxBodyBytes}-byte limit`);
      chunks.push(step.value);
    }
  } catch (error) {
    reader.cancel().catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
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

// A JSON double takes at most 24 characters ("-2.2250738585072014e-308"), plus a comma; rows add brackets.
const PROBABILITY_BYTES = 25;
const ANSWER_OVERHEAD_BYTES = 16 * 1024;

/**
 * The calibration answer for one decoded request: probabilities at the chosen temperature (unless
 * `probabilities: false`); T̂* when featureDim is given; the NLL-fitted T, whether its search converged, and
 * calibration metrics (at the chosen temperature) when labels are. `warnings` lists what the caller should
 * know, e.g. a fit that stopped at a search bound.
 * @throws {TStarError} E_ARGUMENT ("auto" without featureDim, "fit" without labels) and any code of the core ops
 *   (the core must be initialised: the handler does it); {HttpError} E_TOO_LARGE when the probabilities would not
 *   fit `maxResponseBytes`
 * @example calibrate({ logits: new Float32Array([1, 2]), shape: [1, 2], temperature: 1, probabilities: true }).probabilities
 */
export function calibrate(request: CalibrateRequest, limits: Pick<ServiceLimits, 'maxResponseBytes'> = LIMITS): Record<string, unknown> {
  const { logits, shape, labels, featureDim } = request;
  const [rows, cols] = shape;
  if (request.temperature === 'fit' && labels === undefined) throw new TStarError('E_ARGUMENT', 'request: temperature "fit" needs labels');
  const estimate = request.probabilities ? rows * (cols * PROBABILITY_BYTES + 2) + ANSWER_OVERHEAD_BYTES : ANSWER_OVERHEAD_BYTES;
  if (estimate > limits.maxResponseBytes) {
    throw new HttpError(413, 'E_TOO_LARGE', `request: ${rows} × ${cols} probabilities would make an answer of about ${Math.ceil(estimate / 1024)} KiB, over the ${Math.floor(limits.maxResponseBytes / 1024)} KiB limit; send "probabilities": false (query: probabilities=false) or fewer rows`);
  }
  // A fitted T is reported whenever labels come, whatever temperature is in force.
  const fit = labels === undefined ? undefined : resolveTemperature('fit', { logits, shape, labels, featureDim });
  const chosen = request.temperature === 'fit' ? fit! : resolveTemperature(request.temperature, { featureDim });
  const optimal = chosen.optimal ?? fit?.optimal;
  const { temperature } = chosen;
  const answer: Record<string, unknown> = { shape, temperature };
  // Always computed: it is also the check that the logits hold no NaN/+Infinity.
  const probabilities = softmax(logits, shape, { temperature });
  if (request.probabilities) answer.probabilities = rowsOf(probabilities, rows, cols);
  if (optimal) {
    const { temperature: t, base, csgTerm, classTerm, clipped } = optimal;
    answer.optimalTemperature = { temperature: t, base, csgTerm, classTerm, clipped };
  }
  if (fit?.fit && labels) {
    answer.fitTemperature = fit.fit;
    answer.calibrationMetrics = calibrationMetrics(logits, shape, labels, { temperature });
  }
  // Each warning once: the fit's (not converged, at a bound, separable data) and W_CLIPPED for T̂*.
  const warnings = new Map<string, TStarWarning>();
  for (const w of [...chosen.warnings, ...(fit?.warnings ?? [])]) warnings.set(`${w.code} ${w.message}`, w);
  answer.warnings = [...warnings.values()];
  return answer;
}

/**
 * A fetch handler with the given limits (defaults: {@link LIMITS}): `POST /` with a JSON body, or `.npy`
 * bytes (content-type application/x-npy) with labels/temperature/featureDim/probabilities in the query
 * string (see README); answers 200 with probabilities and, as the body allows, T̂*, a fitted T, calibration
 * metrics and warnings; bad input is a 4xx with `{ error: { code, message } }`, never a 500.
 * @example export default { fetch: createHandler({ readTimeoutMs: 5000 }) };
 */
export function createHandler(overrides: Partial<ServiceLimits> = {}): (request: Request) => Promise<Response> {
  const limits: ServiceLimits = { ...LIMITS, ...overrides };
  return async (request) => {
    const url = new URL(request.url);
    if (url.pathname !== '/') return errorResponse(404, 'E_NOT_FOUND', `no route ${clip(url.pathname)}; POST / instead`);
    if (request.method !== 'POST') {
      return new Response(JSON.stringify({ error: { code: 'E_METHOD', message: `${clip(request.method, 16)} is not allowed; POST a JSON body` } }), {
        status: 405,
        headers: { ...JSON_HEADERS, allow: 'POST' },
      });
    }
    try {
      // Loads the host's wasm on the first request (workerd, Deno and edge-light: a module their bundler already
      // compiled); later requests resolve at once.
      await init();
      const body = await readBody(request, limits);
      const type = request.headers.get('content-type') ?? '';
      // np.save bytes come as application/x-npy (or octet-stream); everything else is read as JSON.
      const npy = /^application\/(x-npy|octet-stream)\b/i.test(type);
      if (!npy && url.search !== '') throw new TStarError('E_ARGUMENT', 'request: query parameters apply to .npy bodies only (content-type application/x-npy); put the fields in the JSON body');
      const decoded = npy ? parseNpyRequest(body, url.searchParams) : parseCalibrateRequest(decodeText(body));
      return json(calibrate(decoded, limits));
    } catch (error) {
      if (error instanceof HttpError) return errorResponse(error.status, error.code, error.message);
      if (error instanceof TStarError) {
        const status = SERVER_CODES.has(error.code) ? 500 : error.code === 'E_MEMORY' ? 413 : 400;
        return errorResponse(status, error.code, error.message);
      }
      const message = error instanceof Error ? error.message : String(error);
      return errorResponse(500, 'E_INTERNAL', `service: ${clip(message, 200)}`);
    }
  };
}

/**
 * The default handler ({@link createHandler} with {@link LIMITS}), for mounting in another router.
 * @example await handle(new Request('http://x/', { method: 'POST', body: '{"logits":[[1,2]]}' }))
 */
export const handle = createHandler();

export { MAX_ELEMENTS };
