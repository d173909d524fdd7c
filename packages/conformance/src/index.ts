export { runSourceConformance } from './run-source-conformance.js';
export type { ConformanceFixture, ConformanceOptions } from './fixture.js';
