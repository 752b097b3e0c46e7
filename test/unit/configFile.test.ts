import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../runner/configFile.js';
import { describeConfig } from '../../runner/commands/config.js';

function project(config: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'pgphase-cfg-'));
  writeFileSync(join(dir, 'pgphase.config.json'), JSON.stringify(config));
  return dir;
}

describe('pgphase.config.json', () => {
  it('applies flags over environment over file over defaults, and says where each value came from', () => {
    const cwd = project({ lockTimeoutMs: '7s', statementTimeoutMs: '1min', lockRetries: 9, runner: { batchMax: 5000 } });
    const { config, sources } = loadConfig({ cwd, env: { PGPHASE_STATEMENT_TIMEOUT: '2min', PGPHASE_LOCK_RETRIES: '3' }, flags: { lockRetries: 1 } });
    expect(config.lockTimeoutMs).toBe(7_000);
    expect(sources.lockTimeoutMs).toBe(`file ${join(cwd, 'pgphase.config.json')}`);
    expect(config.statementTimeoutMs).toBe(120_000);
    expect(sources.statementTimeoutMs).toBe('env PGPHASE_STATEMENT_TIMEOUT');
    expect(config.lockRetries).toBe(1);
    expect(sources.lockRetries).toBe('flag');
    expect(config.runner.batchMax).toBe(5000);
    expect(config.runner.batchMin).toBe(100);
    expect(sources['runner.batchMin']).toBe('default');
    expect(config.migrateWaitMs).toBe(60_000);
  });

  it("resolves paths in the file from the file's folder, not from the working directory", () => {
    const root = project({ migrationsDir: 'db/migrations', phases: 'phases.json' });
    const sub = join(root, 'deep');
    mkdirSync(sub);
    const { config } = loadConfig({ cwd: sub, configPath: '../pgphase.config.json', env: {} });
    expect(config.migrationsDir).toBe(join(root, 'db', 'migrations'));
    expect(config.phases).toBe(join(root, 'phases.json'));
    expect(config.proceduresDir).toBe(join(sub, 'procedures'));
  });

  it('rejects unknown keys and reports every error at once', () => {
    const cwd = project({ lockTimeoutMs: 'soon', migrationDir: 'typo', runner: { workers: 0, speed: 1 } });
    let message = '';
    try {
      loadConfig({ cwd, env: {} });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/lockTimeoutMs: not a duration/);
    expect(message).toMatch(/migrationDir/);
    expect(message).toMatch(/runner\.workers/);
    expect(message).toMatch(/speed/);
  });

  it('reads the health section (durations as text too), refuses an unknown key, and redacts secrets when printing', () => {
    const cwd = project({ databaseUrl: 'postgres://app:hunter2@db:5432/app', health: { maxLagMs: '30s', maxActive: 12, replicas: ['postgres://r'] } });
    const loaded = loadConfig({ cwd, env: {} });
    expect(loaded.config.health).toEqual({ maxLagMs: 30_000, maxActive: 12, replicas: ['postgres://r'] });
    const printed = JSON.stringify(describeConfig(loaded));
    expect(printed).not.toContain('hunter2');
    expect(printed).toContain('postgres://app:***@db:5432/app');
    // A misspelt threshold is an error, not a setting silently ignored.
    expect(() => loadConfig({ cwd: project({ health: { maxReplicaLagSeconds: 30 } }), env: {} })).toThrow(/maxReplicaLagSeconds/);
  });

  it('fails with the path when an explicit --config file does not exist', () => {
    expect(() => loadConfig({ cwd: tmpdir(), configPath: 'nope.json', env: {} })).toThrow(/nope\.json does not exist/);
  });
});

describe('which server: DATABASE_URL, or the embedded one when asked', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'pgphase-embedded-'));
  it('refuses a DATABASE_URL that is set but empty (a missing CI secret), with a hint', () => {
    for (const url of ['', '  ']) {
      expect(() => loadConfig({ cwd, env: { DATABASE_URL: url } })).toThrow(/DATABASE_URL is set but empty/);
    }
  });
  it('in CI, takes no DATABASE_URL as an error unless PGPHASE_EMBEDDED=1 asks for the embedded server', () => {
    expect(loadConfig({ cwd, env: {} }).config.embedded).toBeUndefined();
    expect(loadConfig({ cwd, env: { CI: 'true' } }).config.embedded).toBe('ci');
    expect(loadConfig({ cwd, env: { CI: '1' } }).config.embedded).toBe('ci');
    expect(loadConfig({ cwd, env: { CI: 'false' } }).config.embedded).toBeUndefined();
    expect(loadConfig({ cwd, env: { CI: 'true', PGPHASE_EMBEDDED: '1' } }).config.embedded).toBe('on');
    expect(loadConfig({ cwd, env: { PGPHASE_EMBEDDED: 'false' } }).config.embedded).toBe('off');
    expect(() => loadConfig({ cwd, env: { PGPHASE_EMBEDDED: 'maybe' } })).toThrow(/PGPHASE_EMBEDDED must be 1 or 0/);
  });
});
