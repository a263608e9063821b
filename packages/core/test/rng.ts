// Shared by every workspace's tests: seeded data that a failing case can replay, from the core's one PRNG.
export { seededRandom as rng } from '../src/random.js';
