/**
 * The structured field in which an umbrella test declares the requirement IDs it evidences,
 * `it('title', { meta: { requirements: ['E2EE-…', …] } }, fn)`, read statically by
 * spec/tools/citations.ts (a literal array of ID strings) and kept by vitest in the task's
 * metadata, where reporters see it.
 */
import 'vitest';

declare module 'vitest' {
  interface TaskMeta {
    /** Requirement IDs this test (or every test of this suite) evidences. */
    requirements?: readonly string[];
  }
}
