import { handle } from './service.js';

// The Workers-style module: workerd, `deno serve` and other fetch-handler hosts call `fetch`. workerd takes
// every named export of the main module for an entrypoint, so this file exports nothing else.
export default { fetch: handle };
