/**
 * The PostgreSQL the integration tests run on, from PGPHASE_TEST_PG: `18` (the default) and `15`
 * are the embedded servers of the npm packages; `system15` is the distribution's own PostgreSQL 15
 * (Debian's postgresql-15: LLVM, JIT on), started from its binaries (see systemServer.ts).
 */
export const TEST_MAJORS = [15, 18] as const;
export const TEST_LANES = ['18', '15', 'system15'] as const;

export interface TestLane {
  readonly major: 15 | 18;
  /** `embedded`: the npm package of the major (or its container image); `system`: the distro's binaries. */
  readonly server: 'embedded' | 'system';
}

export function testLane(env: Record<string, string | undefined> = process.env): TestLane {
  const wanted = env.PGPHASE_TEST_PG?.trim() || '18';
  switch (wanted) {
    case '18':
      return { major: 18, server: 'embedded' };
    case '15':
      return { major: 15, server: 'embedded' };
    case 'system15':
      return { major: 15, server: 'system' };
    default:
      throw new Error(`PGPHASE_TEST_PG=${wanted}: the test matrix has ${TEST_LANES.join(', ')}`);
  }
}

export function testMajor(env: Record<string, string | undefined> = process.env): 15 | 18 {
  return testLane(env).major;
}
