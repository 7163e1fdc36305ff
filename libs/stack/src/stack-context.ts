import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEnvFile } from './env-file.js';
import { MAX_INSTANCES, fixedPorts, randomPorts, type StackPorts } from './ports.js';
import { repoPath } from './paths.js';
import { StackProcesses, type RunDirectory } from './stack-processes.js';
import { claimRunDirectory } from './run-lock.js';
import { cleanupStalePids } from './stale-pids.js';
import type { AutoscaleOptions, StackContext, StackOptions } from './types.js';

/** Validates the options, picks the ports and the run directory, reads the configuration. */
export async function createStackContext(options: StackOptions): Promise<StackContext> {
  const instances = options.autoscale ? validAutoscale(options.autoscale).min : (options.instances ?? 2);
  if (!Number.isInteger(instances) || instances < 1 || instances > MAX_INSTANCES) throw new Error(`instances must be 1..${MAX_INSTANCES}`);
  const log = options.log ?? ((line: string) => console.log(line));
  // With autoscaling every slot up to max gets its port now (HAProxy's slots are filled with them).
  const ports = await choosePorts(options, options.autoscale?.max ?? instances);
  const run = prepareRunDirectory(options, ports, log);
  const fileEnv = readConfiguration(options);
  const systemEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', LANG: process.env.LANG ?? 'C.UTF-8' };
  const databaseUrl = options.databaseUrl ?? fileEnv.DATABASE_URL;
  const processes = new StackProcesses(run, log);
  return { options, instances, ports, runDir: run.dir, log, fileEnv, systemEnv, databaseUrl, processes };
}

function validAutoscale(a: AutoscaleOptions): AutoscaleOptions {
  if (!Number.isInteger(a.min) || !Number.isInteger(a.max) || a.min < 1 || a.max < a.min || a.max > MAX_INSTANCES) throw new Error(`autoscale needs 1 <= min <= max <= ${MAX_INSTANCES}`);
  if (a.workers && (!Number.isInteger(a.workers.min) || !Number.isInteger(a.workers.max) || a.workers.min < 1 || a.workers.max < a.workers.min))
    throw new Error('autoscale workers need 1 <= min <= max');
  return a;
}

async function choosePorts(options: StackOptions, instances: number): Promise<StackPorts> {
  const ports = options.ports === 'auto' ? await randomPorts(instances) : typeof options.ports === 'object' ? options.ports : fixedPorts(instances, options.ports ?? 0);
  if (ports.api.length < instances) throw new Error(`need ${instances} API ports, got ${ports.api.length}`);
  return ports;
}

/**
 * var/stack-<lb port> by default, a temporary directory for 'auto' ports. Claimed first (refused
 * while another live stack runs from it), then leftovers of a crashed run are killed.
 */
function prepareRunDirectory(options: StackOptions, ports: StackPorts, log: (line: string) => void): RunDirectory {
  const temporary = !options.runDir && options.ports === 'auto';
  const dir = options.runDir ?? (temporary ? mkdtempSync(join(tmpdir(), 'conduit-stack-')) : repoPath('var', `stack-${ports.lb}`));
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const release = claimRunDirectory(dir);
  const pidFile = join(dir, 'pids.json');
  cleanupStalePids(pidFile, log);
  return { dir, pidFile, temporary, release };
}

/** .env.example, with the same variables from process.env winning when inheritEnv is set. */
function readConfiguration(options: StackOptions): Record<string, string> {
  const fileEnv = readEnvFile(repoPath('.env.example'));
  if (options.inheritEnv) for (const key of Object.keys(fileEnv)) if (process.env[key]) fileEnv[key] = process.env[key]!;
  return fileEnv;
}
