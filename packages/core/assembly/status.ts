// Status codes shared by every kernel; src/errors.ts reads them at init, so numbers live here only.
export const OK: i32 = 0;
/** NaN or +Inf where only finite values (or −Inf masks) are allowed. */
export const E_NONFINITE: i32 = 1;
/** A softmax row whose every entry is −Inf: no distribution exists. */
export const E_MASKED: i32 = 2;
/** A label (or soft-target mass) that points at a −Inf-masked logit: the loss would be +Inf. */
export const E_LABEL: i32 = 3;
/** A row whose (max − min finite)/T exceeds FLT_MAX: its log-probabilities would overflow float32. */
export const E_RANGE: i32 = 4;

let failedIndex: i32 = -1;
let failedRange: f64 = 0;

/** Row (or element) index where the last failing kernel stopped. */
export function errorIndex(): i32 {
  return failedIndex;
}

/** For E_RANGE: the failing row's max − min over its finite entries. */
export function errorRange(): f64 {
  return failedRange;
}

/** Records the range of a row failing with E_RANGE. */
export function failRange(range: f64, index: i32): i32 {
  failedRange = range;
  failedIndex = index;
  return E_RANGE;
}

// @ts-ignore: decorator
@inline export function fail(code: i32, index: i32): i32 {
  failedIndex = index;
  return code;
}
