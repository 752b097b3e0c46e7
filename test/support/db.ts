/** This repository's tests use the harness the package exports as `pgphase/testing`. */
export { admin, createTestDatabase, type TestDatabase } from '../../runner/testing/db.js';
