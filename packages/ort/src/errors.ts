import { TStarError, type TStarErrorCode } from '@tstar/core';

// "Not a usable model". The core gains E_MODEL in the API pass (issue 14); until then E_ARGUMENT stands in.
export const MODEL_CODE: TStarErrorCode = 'E_ARGUMENT';

/** A TStarError for a model tstar cannot use: corrupt bytes, no float logits, no recognisable head. */
export function modelError(message: string, cause?: unknown): TStarError {
  return new TStarError(MODEL_CODE, message, cause === undefined ? undefined : { cause });
}
