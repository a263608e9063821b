/** Stable error codes; each names one class of caller mistake or host failure. */
export type TStarErrorCode =
  | 'E_SHAPE'
  | 'E_DTYPE'
  | 'E_NONFINITE'
  | 'E_TEMPERATURE'
  | 'E_LABEL'
  | 'E_EMPTY'
  | 'E_MEMORY'
  | 'E_INIT'
  | 'E_ARGUMENT'
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
}

/** Turns a kernel's non-zero status into the caller-facing error; `what` names the failing row or element. */
export function statusError(op: string, status: number, codes: KernelStatus, what: string): TStarError {
  if (status === codes.nonFinite) return new TStarError('E_NONFINITE', `${op}: ${what} holds NaN or +Infinity`);
  if (status === codes.masked) return new TStarError('E_NONFINITE', `${op}: ${what} is entirely -Infinity (every entry masked)`);
  if (status === codes.label) return new TStarError('E_LABEL', `${op}: ${what} puts its target on a -Infinity (masked) logit`);
  return new TStarError('E_INTERNAL', `${op}: kernel returned unknown status ${status}`);
}
