/**
 * `pgphase/testing`: the integration-test harness pgphase uses for itself, for a project's own
 * tests. With vitest: `globalSetup` builds a migrated template database once (see
 * globalSetup.ts), and each test file calls `createTestDatabase()` for a fresh copy of it.
 */
export { admin, createTestDatabase, type TestDatabase } from './db.js';
export { databaseUrl, pickTestServer, type TestServer } from './server.js';
