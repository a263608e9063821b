/**
 * Stable error codes; each names one class of caller mistake or host failure. `E_NONFINITE`: NaN or ±Infinity
 * where a finite value is needed; `E_MASKED`: a row whose every entry is −Infinity (no distribution exists);
 * `E_MODEL`: a model an adapter cannot use (corrupt bytes, no float logits, no recognisable head).
 */
export type TStarErrorCode =
  | 'E_SHAPE'
  | 'E_DTYPE'
  | 'E_NONFINITE'
  | 'E_MASKED'
  | 'E_TEMPERATURE'
  | 'E_LABEL'
  | 'E_EMPTY'
  | 'E_MEMORY'
  | 'E_INIT'
  | 'E_ARGUMENT'
  | 'E_MODEL'
  | 'E_INTERNAL';

/** The one error type tstar throws: `code` is stable, `message` names the op, the expectation and what arrived. */
export class TStarError extends Error {
  readonly code: TStarErrorCode;
  constructor(code: TStarErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TStarError';
    this.code = code;
  }
}

/** Kernel status numbers, read from the wasm's exported globals at init (assembly/status.ts owns them). */
export interface KernelStatus {
  ok: number;
  nonFinite: number;
  masked: number;
  label: number;
  /** A row whose (max − min finite)/T exceeds FLT_MAX (reported as E_TEMPERATURE). */
  range: number;
}

/** Turns a kernel's non-zero status into the caller-facing error; `what` names the failing row or element. */
export function statusError(op: string, status: number, codes: KernelStatus, what: string, nonFinite = 'NaN or +Infinity', range = NaN): TStarError {
  if (status === codes.range) {
    const least = range / 3.4028234663852886e38;
    return new TStarError(
      'E_TEMPERATURE',
      `${op}: ${what} spans ${range} from its smallest finite logit to its largest; divided by the temperature that exceeds ` +
        `float32's largest value (3.4028235e38), so its log-probabilities would be -Infinity: use a temperature above ${least}`,
    );
  }
  if (status === codes.nonFinite) return new TStarError('E_NONFINITE', `${op}: ${what} holds ${nonFinite}`);
  if (status === codes.masked) return new TStarError('E_MASKED', `${op}: ${what} is entirely -Infinity (every entry masked)`);
  if (status === codes.label) return new TStarError('E_LABEL', `${op}: ${what} puts its target on a -Infinity (masked) logit`);
  return new TStarError('E_INTERNAL', `${op}: kernel returned unknown status ${status}`);
}

/**
 * Stable warning codes: findings that do not stop a call but that a caller should see. Fits: `W_NOT_CONVERGED`,
 * `W_AT_BOUND`, `W_SEPARATED`; T̂*: `W_CLIPPED`; calibration reports: `W_ECE_WORSE` / `W_NLL_WORSE` (the fitted
 * scaler made held-out ECE / NLL worse); inputs: `W_LOOKS_LIKE_PROBABILITIES` (logits that look like softmax
 * or sigmoid outputs), `W_LABELS_ONE_INDEXED` (labels counted from 1), `W_SATURATED` (probabilities of exactly
 * 1 that carry no information for a fit).
 */
export type TStarWarningCode =
  | 'W_NOT_CONVERGED'
  | 'W_AT_BOUND'
  | 'W_SEPARATED'
  | 'W_CLIPPED'
  | 'W_ECE_WORSE'
  | 'W_NLL_WORSE'
  | 'W_LOOKS_LIKE_PROBABILITIES'
  | 'W_LABELS_ONE_INDEXED'
  | 'W_SATURATED';

/** A non-fatal finding, returned in a result's `warnings` (the core never prints). */
export interface TStarWarning {
  code: TStarWarningCode;
  message: string;
}
