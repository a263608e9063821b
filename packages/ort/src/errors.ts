import { TStarError } from '@tstar/core';

/** A TStarError E_MODEL: a model tstar cannot use (corrupt bytes, no float logits, no recognisable head). */
export function modelError(message: string, cause?: unknown): TStarError {
  return new TStarError('E_MODEL', message, cause === undefined ? undefined : { cause });
}
