import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Who holds a run directory: enough to tell a live owner from a leftover of a crashed run. */
interface RunOwner {
  pid: number;
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat field 22): a reused pid has another. */
  startTicks: string;
  startedAt: string;
  command: string;
}

/** Another live process runs a stack from the same directory (and so on the same ports). */
export class RunDirectoryBusyError extends Error {}

/**
 * One stack per run directory at a time (pattern: owner lock file). Two stacks started from the
 * same directory use the same ports: the second reused the first's Redis (a load test on one
 * database was served another database's cached pages) and its start-up cleanup killed the
 * first's processes. The owner file is created atomically (O_EXCL); one whose process is gone, or
 * whose pid now belongs to another process, is a crashed run's and is taken over.
 * Returns the release function (idempotent; removes the file only while it is still ours).
 * Tested in libs/stack/src/run-lock.spec.ts.
 */
export function claimRunDirectory(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'owner.json');
  const me: RunOwner = { pid: process.pid, startTicks: startTicks(process.pid) ?? '', startedAt: new Date().toISOString(), command: process.argv.slice(1).join(' ') };
  for (let attempt = 0; attempt < 2; attempt++) {
    if (tryCreate(file, me)) return releaser(file, me);
    const owner = readOwner(file);
    if (owner && isAlive(owner)) {
      throw new RunDirectoryBusyError(
        `another stack is running from ${dir}: pid ${owner.pid} (${owner.command}), started ${owner.startedAt}. Stop it first (Ctrl-C in its terminal, or kill ${owner.pid}): two stacks on the same ports would share one Redis and stop each other's processes.`,
      );
    }
    rmSync(file, { force: true }); // a crashed run's
  }
  throw new RunDirectoryBusyError(`could not claim ${dir}: another process keeps creating ${file}`);
}

function tryCreate(file: string, owner: RunOwner): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, JSON.stringify(owner));
  } finally {
    closeSync(fd);
  }
  return true;
}

function releaser(file: string, me: RunOwner): () => void {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const owner = readOwner(file);
    if (owner && owner.pid === me.pid && owner.startTicks === me.startTicks) rmSync(file, { force: true });
  };
}

/** The owner file's content, or undefined when missing or unreadable (an owner killed mid-write: taken over). */
function readOwner(file: string): RunOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(file, 'utf8')) as RunOwner;
    return Number.isSafeInteger(owner.pid) && owner.pid > 0 ? owner : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(owner: RunOwner): boolean {
  // Without /proc (macOS) the start time is unknown: the pid alone decides.
  if (owner.startTicks === '') return signalable(owner.pid);
  return startTicks(owner.pid) === owner.startTicks;
}

function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised command name, which may hold spaces). */
function startTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
