/** pino's numeric levels, as short words for the dev console. */
const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** Fields every line of the apps carries; not worth repeating in a developer's terminal. */
const NOISE = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name', 'instance', 'instanceId', 'v']);

/**
 * One log line of a child process made readable for `npm run dev`: the apps log JSON (pino) for
 * machines; a developer reads `12:03:04 warn  message key=value`. Anything that is not a pino
 * object (Vite, stack traces, console.error) passes through unchanged.
 */
export function formatLogLine(line: string): string {
  if (!line.startsWith('{')) return line;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof entry.level !== 'number' || entry.msg === undefined) return line;
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 19) : '';
  const level = (LEVELS[entry.level] ?? String(entry.level)).padEnd(5);
  const extras = Object.entries(entry)
    .filter(([key]) => !NOISE.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return [time, level, String(entry.msg), ...extras].filter(Boolean).join(' ');
}

const COLORS = [36, 35, 33, 32, 34];

/** `api    | ` in a per-process color (plain when the terminal is not a TTY). */
export function prefixFor(name: string, index: number, width: number, color: boolean): string {
  const label = `${name.padEnd(width)} |`;
  return color ? `\x1b[${COLORS[index % COLORS.length]}m${label}\x1b[0m ` : `${label} `;
}
