// The suites mutation testing runs (stryker.config.json): those that exercise src/policy/, the listing rules
// of src/dcs/ and src/http/retry.ts and breaker.ts directly. Suites that only run the built bundle cannot see
// a mutant, and the memory and packaging suites would fail instrumented.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/policy.test.ts',
      'test/selector.test.ts',
      'test/seen.test.ts',
      'test/listing.test.ts',
      'test/retry.test.ts',
      'test/pacing.test.ts',
    ],
    testTimeout: 30_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
