import { connect } from 'node:net';

/** One server row of HAProxy's CSV stats (GET /stats;csv). */
export interface LbServerStatus {
  backend: string;
  server: string;
  /** UP, DOWN, NOLB (draining), MAINT, "UP 1/2" (going down), "DOWN 1/2" (coming up)... */
  status: string;
  /** Total sessions (requests with HTTP keep-alive reuse counted per session). */
  sessions: number;
  /** Percent of its weight a server gets while slowstart ramps it in; null once it takes a full share. */
  throttlePercent: number | null;
}

export async function fetchLbStatus(statsUrl: string, timeoutMs = 2_000): Promise<LbServerStatus[]> {
  const res = await fetch(`${statsUrl}/stats;csv;norefresh`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`HAProxy stats answered ${res.status}`);
  const [header, ...rows] = (await res.text()).trim().split('\n');
  const columns = header.replace(/^# /, '').split(',');
  const col = (name: string) => columns.indexOf(name);
  return rows
    .map((row) => row.split(','))
    .filter((cells) => cells[col('svname')] !== 'FRONTEND' && cells[col('svname')] !== 'BACKEND')
    .map((cells) => ({
      backend: cells[col('pxname')],
      server: cells[col('svname')],
      status: cells[col('status')],
      sessions: Number(cells[col('stot')]),
      throttlePercent: cells[col('throttle')] ? Number(cells[col('throttle')]) : null,
    }));
}

/** Sends one command to HAProxy's runtime API (stats socket) and returns its answer. */
export function runtimeCommand(socketPath: string, command: string, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect(socketPath, () => socket.end(`${command}\n`));
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`HAProxy runtime API: no answer to "${command}"`)));
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('end', () => resolve(answer.trim()));
    socket.on('error', reject);
  });
}
