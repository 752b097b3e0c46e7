/**
 * Which server a command uses. An empty DATABASE_URL (a CI secret that is missing expands to one)
 * is exit 2, never a throwaway embedded server; in CI the embedded server is used only when
 * PGPHASE_EMBEDDED=1 asks for it; when it is used, the command says so on stderr with where the
 * data lives.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('which server a command uses', () => {
  it('refuses an empty DATABASE_URL with exit 2 and starts nothing', async () => {
    const home = mkdtempSync(join(tmpdir(), 'pgphase-empty-url-'));
    for (const ci of [undefined, 'true']) {
      const r = await runCli(['migrate'], { DATABASE_URL: '', CI: ci, PGPHASE_HOME: home });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/DATABASE_URL is set but empty/);
      expect(r.stderr).toMatch(/hint: .*CI secret/);
    }
    expect(existsSync(join(home, 'pgdata'))).toBe(false);
  });

  it('in CI without DATABASE_URL, uses the embedded server only when PGPHASE_EMBEDDED=1 asks, and then says where its data is', async () => {
    const home = mkdtempSync(join(tmpdir(), 'pgphase-ci-'));
    const refused = await runCli(['migrate'], { DATABASE_URL: undefined, CI: 'true', PGPHASE_HOME: home });
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/DATABASE_URL is not set, and this is CI/);
    expect(refused.stderr).toMatch(/PGPHASE_EMBEDDED=1/);
    expect(existsSync(join(home, 'pgdata'))).toBe(false);

    const asked = await runCli(['status'], { DATABASE_URL: undefined, CI: 'true', PGPHASE_EMBEDDED: '1', PGPHASE_HOME: home });
    expect(asked.code, asked.stderr).not.toBe(2);
    expect(asked.stderr).toContain(`the embedded server (DATABASE_URL is not set), data in ${join(home, 'pgdata')}`);
  });
});
