export { init, initSync, isInitialized, type InitSource } from './load.js';
export { TStarError, type TStarErrorCode } from './errors.js';
export type { Shape2D } from './validate.js';
export { softmax, logSoftmax, softmaxBackward, type SoftmaxOptions } from './softmax.js';
