import { existsSync, readFileSync, rmSync } from 'node:fs';

/** Kills processes a previous, crashed run of this stack left behind (pid + same command line). */
export function cleanupStalePids(pidFile: string, log: (line: string) => void): void {
  if (!existsSync(pidFile)) return;
  try {
    const entries = JSON.parse(readFileSync(pidFile, 'utf8')) as Array<{ pid: number; cmd: string[] }>;
    for (const { pid, cmd } of entries) {
      let current = '';
      try {
        current = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      } catch {
        continue; // gone
      }
      if (current === cmd.join(' ')) {
        log(`stopping leftover process ${pid} from a previous run (${cmd[0]})`);
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // raced with its exit
        }
      }
    }
  } catch {
    // unreadable pid file: ignore
  }
  rmSync(pidFile, { force: true });
}
