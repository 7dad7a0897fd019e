import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // Node loads graphql's CommonJS build for Pothos and yoga; the tests must share that one copy.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // The SDK's notice that its 2027 releases need Node 22 is for operators, not for every test worker.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    // Leaves out the upstream failure lines the fault tests provoke, and fails the run when anything
    // printed during the suite holds a credential the suite handed out.
    reporters: ['./test/support/secret-scan-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
