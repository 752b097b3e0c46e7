import { defineConfig } from 'vitest/config';

// Two projects, as node-pg-migrate's own config does: `unit` is pure and needs no database;
// `integration` talks to a real PostgreSQL chosen by test/support/globalSetup.ts.
export default defineConfig({
  test: {
    // Three test files at a time: most of an integration test's time is waiting (on servers it
    // started, CLI processes, sleeps in fault tests), so on the 2-core machines CI runs on, the
    // default of cores − 1 (one file at a time) left the CPU idle: the suite took 781 s there, and
    // 500 s with three (2026-12-08, 96 files, every test passing both ways).
    maxWorkers: 3,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/support/globalSetup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          pool: 'forks',
        },
      },
    ],
  },
});
