import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claimRunDirectory, RunDirectoryBusyError } from './run-lock.js';

const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'run-lock-'));
  dirs.push(dir);
  return dir;
};

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('claimRunDirectory', () => {
  it('refuses a second claim while the first holder runs, and allows it once released', () => {
    const dir = freshDir();
    const release = claimRunDirectory(dir);
    expect(() => claimRunDirectory(dir)).toThrow(RunDirectoryBusyError);
    expect(() => claimRunDirectory(dir)).toThrow(`pid ${process.pid}`);
    release();
    release(); // idempotent
    expect(existsSync(join(dir, 'owner.json'))).toBe(false);
    claimRunDirectory(dir)();
  });

  it('refuses while another live process holds the directory, then takes it over once that process is gone', async () => {
    const dir = freshDir();
    // Another process claims the directory the way a stack does, then waits to be killed.
    const script = `import('${join(import.meta.dirname, 'run-lock.ts').replace(/'/g, "\\'")}').then((m) => { m.claimRunDirectory(process.argv[1]); console.log('claimed'); setInterval(() => {}, 1000); })`;
    const holder = spawn(process.execPath, ['--import', 'tsx', '-e', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [chunk] = (await once(holder.stdout!, 'data')) as [Buffer];
      expect(chunk.toString()).toContain('claimed');
      expect(() => claimRunDirectory(dir)).toThrow(`pid ${holder.pid}`);
    } finally {
      holder.kill('SIGKILL');
      await once(holder, 'exit');
    }
    // Killed without releasing (a crash): its owner file is left behind, and taken over.
    expect(existsSync(join(dir, 'owner.json'))).toBe(true);
    const release = claimRunDirectory(dir);
    expect(JSON.parse(readFileSync(join(dir, 'owner.json'), 'utf8')).pid).toBe(process.pid);
    release();
  });

  it('takes over an owner file whose pid now belongs to another process (a reused pid)', () => {
    const dir = freshDir();
    // This test process is alive, but did not start 1 clock tick after boot, as the file says.
    writeFileSync(join(dir, 'owner.json'), JSON.stringify({ pid: process.pid, startTicks: '1', startedAt: 'earlier', command: 'a crashed stack' }));
    claimRunDirectory(dir)();
  });

  it('takes over an unreadable owner file and one of a process that has exited', () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'owner.json'), '{"pid":');
    claimRunDirectory(dir)();
    const exited = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const pid = Number(exited.stdout.toString());
    writeFileSync(join(dir, 'owner.json'), JSON.stringify({ pid, startTicks: '1', startedAt: 'earlier', command: 'node' }));
    claimRunDirectory(dir)();
  });
});
