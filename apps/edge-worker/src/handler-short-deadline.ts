import { createHandler } from './service.js';

// The service with a 1-second body deadline (the default is 10 s): the runtime tests' slow-upload cases use
// it so they finish quickly. workerd.capnp serves it as "deadline"; Deno and Bun serve this file directly.
export default { fetch: createHandler({ readTimeoutMs: 1000 }) };
