// The suites mutation testing runs (stryker.config.json): those that exercise the mutated files in process
// (src/policy/, the engine over a DCS API in memory, discovery, narrowing, the listing rules and request
// paths of src/dcs/, the retries and breaker, the renewal of temporary credentials). Suites that only run the built bundle cannot see a mutant,
// and the memory and packaging suites would fail instrumented.
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
      'test/engine.test.ts',
      'test/config.test.ts',
      'test/paths.test.ts',
      'test/refresh.test.ts',
    ],
    testTimeout: 30_000,
    // Property tests run 100 cases a mutant (400 or more in npm test): enough to catch what they catch.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', PROPERTY_RUNS: '100' },
  },
});
