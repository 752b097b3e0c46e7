/**
 * The system15 lane's guard (runner/testing/server.ts, assertJit): a distro server with JIT off,
 * or whose JIT provider cannot load, fails it, naming what it found; the server as the lane starts
 * it passes. One cluster from the distro's binaries (runner/testing/systemServer.ts), restarted
 * with each setting. Runs wherever the distro's PostgreSQL 15 is installed; the system15 lane
 * cannot start without it.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { EmbeddedServer } from '../../runner/db/embedded.js';
import { assertJit } from '../../runner/testing/server.js';
import { startSystemPostgres, systemBinDir } from '../../runner/testing/systemServer.js';

const binDir = systemBinDir(15);
const installed = existsSync(join(binDir, 'postgres'));
if (!installed) process.stderr.write(`systemLane.test.ts: skipped, no ${binDir}/postgres (Debian's postgresql-15; .ci/run installs it)\n`);

describe.skipIf(!installed)("the system lane's JIT guard", () => {
  let home: string;
  let server: EmbeddedServer | undefined;
  const start = async (settings: Record<string, string>) => {
    await server?.stop();
    server = await startSystemPostgres({ dataDir: join(home, 'pgdata'), binDir, settings: { max_connections: '20', shared_buffers: '32MB', ...settings } });
    return server.url;
  };
  beforeAll(async () => {
    await mkdir(join(process.cwd(), '.pgphase', 'test'), { recursive: true });
    home = await mkdtemp(join(process.cwd(), '.pgphase', 'test', 'jitguard-'));
    await chmod(home, 0o755); // as root, the OS user postgres must enter it
  });
  afterAll(async () => {
    await server?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('passes the server as the lane starts it: JIT available and on', async () => {
    await expect(assertJit(await start({}), 15)).resolves.toBeUndefined();
    if (inject('pgSource') === 'system-postgres') expect(inject('pgMajor')).toBe(15);
  });

  it('fails a server with jit = off', async () => {
    await expect(assertJit(await start({ jit: 'off' }), 15)).rejects.toThrow(/pg_jit_available\(\) = false, jit = off: JIT must be available and on/);
  });

  it('fails a server whose JIT provider does not load, though jit is on', async () => {
    await expect(assertJit(await start({ jit_provider: 'no_such_provider' }), 15)).rejects.toThrow(/pg_jit_available\(\) = false, jit = on/);
  });

  it('fails a server of another major', async () => {
    await expect(assertJit(await start({}), 16)).rejects.toThrow(/runs PostgreSQL 15, not 16/);
  });
});
