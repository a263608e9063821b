import fc from 'fast-check';
import { init } from '@tstar/core';

// Every host initialises the core before any kernel; the session's post mode runs it.
await init();

const seed = process.env.FC_SEED === 'random' ? Date.now() : Number(process.env.FC_SEED ?? 20261125);
fc.configureGlobal({ seed });
