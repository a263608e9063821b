import type { Op } from '../cases.js';
import type { BuiltCase, Outputs } from '../inputs.js';

export type Family = 'tstar' | 'plain' | 'tfjs' | 'ort' | 'adapter' | 'limit';

/** A contender prepared on one case: `run` is what gets timed. */
export interface Prepared<O = unknown> {
  run(): O | Promise<O>;
  /** Untimed set-up before every block of timed calls. */
  enter?(): Promise<void> | void;
  /** Frees what prepare made (tensors, sessions stay cached per runtime). */
  dispose?(): void;
}

/** A way of computing the suite's ops; `prepare` returns undefined for an op it has no way to do. */
export interface Contender {
  name: string;
  family: Family;
  prepare(c: BuiltCase): Promise<Prepared | undefined> | Prepared | undefined;
}

/** Narrows a built case to its op, so a switch over `c.spec.op` types input and output together. */
export type PrepareFor = { [O in Op]?: (c: BuiltCase<O>) => Prepared<Outputs[O]> | undefined | Promise<Prepared<Outputs[O]> | undefined> };

/** A contender from one function per op it supports. */
export function contender(name: string, family: Family, ops: PrepareFor): Contender {
  return {
    name,
    family,
    prepare: (c) => (ops[c.spec.op] as ((c: BuiltCase) => Prepared | undefined) | undefined)?.(c),
  };
}
