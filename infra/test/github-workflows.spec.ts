import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

/**
 * The GitHub Actions workflows a clone runs (.github/workflows): valid against the published workflow
 * schema (vendored, see fixtures/README.md), and running the same npm scripts as .ci/run, so the
 * clone's CI and this project's CI cannot drift apart.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const schema = JSON.parse(read('infra/test/fixtures/github-workflow.schema.json'));
const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string>;
  if?: string;
}
interface Job {
  'runs-on': string;
  services?: Record<string, { image: string; ports?: string[] }>;
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}
const files = readdirSync(join(root, '.github/workflows')).filter((f) => f.endsWith('.yml'));
const workflow = (file: string) => parse(read(`.github/workflows/${file}`)) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((job) => job.steps);

/** The project commands in a shell text: `npm ci`, `npm test`, `npm run <script>`. */
function npmCommands(shell: string): string[] {
  return [...shell.matchAll(/\bnpm (ci|test|run [\w:.-]+)/g)].map((m) => `npm ${m[1]}`);
}
const ciRun = read('.ci/run');
const ciRunCommands = new Set(npmCommands(ciRun));
const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>;

describe('GitHub workflows', () => {
  it('are ci.yml and release-gate.yml', () => {
    expect(files.sort()).toEqual(['ci.yml', 'release-gate.yml']);
  });

  it.each(files)('%s is valid against the published workflow schema', (file) => {
    const ok = validate(workflow(file));
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema check fails on a broken workflow (a typo in a trigger, a job without runs-on)', () => {
    const broken = structuredClone(workflow('ci.yml')) as unknown as { on: Record<string, unknown>; jobs: { test: Record<string, unknown> } };
    broken.on.pulll_request = null;
    expect(validate(broken)).toBe(false);
    const noRunner = structuredClone(workflow('ci.yml')) as unknown as { jobs: { test: Record<string, unknown> } };
    delete noRunner.jobs.test['runs-on'];
    expect(validate(noRunner)).toBe(false);
  });

  it.each(files)('%s runs only npm scripts that .ci/run runs, and each exists in package.json', (file) => {
    const used = steps(workflow(file)).flatMap((s) => npmCommands(s.run ?? ''));
    for (const command of used) {
      expect(ciRunCommands, `${file}: "${command}" is not what .ci/run runs`).toContain(command);
      const script = /^npm run (.+)$/.exec(command)?.[1];
      if (script) expect(scripts, command).toHaveProperty(script);
    }
  });

  it('ci.yml runs every test command of .ci/run except the load and resilience runs (release-gate.yml)', () => {
    const used = new Set(steps(workflow('ci.yml')).flatMap((s) => npmCommands(s.run ?? '')));
    const expected = [...ciRunCommands].filter((c) => !/loadtest|resilience/.test(c));
    expect(expected).toEqual(expect.arrayContaining(['npm ci', 'npm test', 'npm run lint', 'npm run test:web']));
    for (const command of expected) expect(used, `ci.yml does not run "${command}"`).toContain(command);
  });

  it('ci.yml has PostgreSQL and Redis service containers on the ports the tests use, and caches npm', () => {
    const job = workflow('ci.yml').jobs.test;
    expect(job.services?.postgres.image).toMatch(/^postgres:15/);
    expect(job.services?.postgres.ports).toContain('5432:5432');
    expect(job.services?.redis.image).toMatch(/^redis:7/);
    expect(job.services?.redis.ports).toContain('6379:6379');
    expect(job.env?.TEST_DATABASE_URL).toBe('postgresql://postgres@127.0.0.1:5432/postgres');
    const setupNode = job.steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(setupNode?.with?.cache).toBe('npm');
    const engines = JSON.parse(read('package.json')).engines.node as string;
    expect(engines).toBe(`>=${setupNode?.with?.['node-version']}`);
  });

  it('release-gate.yml: on a tag or by hand, compose stack up, k6 with the script thresholds, report uploaded', () => {
    const gate = workflow('release-gate.yml');
    expect(gate.on).toHaveProperty('workflow_dispatch');
    expect((gate.on.push as { tags: string[] }).tags.length).toBeGreaterThan(0);
    const all = steps(gate);
    const runs = all.map((s) => s.run ?? '').join('\n');
    expect(runs).toMatch(/docker compose up --build --detach --wait/);
    expect(runs).toMatch(/docker compose --profile seed run --rm seed/);
    expect(all.some((s) => s.uses?.startsWith('grafana/setup-k6-action@'))).toBe(true);
    const k6 = all.find((s) => s.uses?.startsWith('grafana/run-k6-action@'));
    const script = k6?.with?.path ?? '';
    expect(read(script)).toContain("optionsFor('load')");
    // The thresholds live in the script (load-tests/shared/thresholds.ts): nothing may switch them off.
    expect(k6?.with?.flags ?? '').not.toMatch(/no-thresholds/);
    const env = gate.jobs.gate.env ?? {};
    const upload = all.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.if).toBe('always()');
    expect(upload?.with?.path.replace(/\/$/, '')).toBe(env.REPORT_DIR);
    // The HTML report is written where REPORT_DIR points (load-tests/k6/lib/summary.ts).
    expect(read('load-tests/k6/lib/summary.ts')).toContain('__ENV.REPORT_DIR');
  });
});
