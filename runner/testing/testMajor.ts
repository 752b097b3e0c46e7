/** The PostgreSQL major the integration tests run on: PGPHASE_TEST_PG (15 or 18), default 18. */
export const TEST_MAJORS = [15, 18] as const;

export function testMajor(env: Record<string, string | undefined> = process.env): 15 | 18 {
  const wanted = env.PGPHASE_TEST_PG?.trim() || '18';
  const major = Number(wanted);
  if (major !== 15 && major !== 18) {
    throw new Error(`PGPHASE_TEST_PG=${wanted}: the test matrix has PostgreSQL ${TEST_MAJORS.join(' and ')}`);
  }
  return major;
}
