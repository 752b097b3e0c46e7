/** This repository's tests use the harness the package exports (runner/testing/). */
export { default } from '../../runner/testing/globalSetup.js';
export { databaseUrl } from '../../runner/testing/server.js';
