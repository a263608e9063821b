import { init } from '@tstar/core';

// The tests hold the page against Node's own core: load it first, as any Node caller does.
await init();
