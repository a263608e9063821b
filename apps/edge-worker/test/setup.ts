import { init } from '@tstar/core';

// The tests compare every host with Node's own results, so Node's core is loaded first, as any Node caller does.
await init();
