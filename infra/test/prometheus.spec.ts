import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { hasCommand, run } from './support/tools.js';

const dir = fileURLToPath(new URL('../prometheus/', import.meta.url));
const HAVE_PROMTOOL = hasCommand('promtool');
if (!HAVE_PROMTOOL) console.warn('infra/test/prometheus.spec.ts: promtool is not installed, skipping promtool checks (run scripts/install-system-deps.sh); under CI they run and fail instead');

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules: Rule[] = readdirSync(join(dir, 'rules')).flatMap((file) => (parse(readFileSync(join(dir, 'rules', file), 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules));
const alerts = rules.filter((r) => r.alert);
const tests = parse(readFileSync(join(dir, 'tests/conduit.rules.test.yml'), 'utf8')) as {
  tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
};

describe('Prometheus alert rules (infra/prometheus)', () => {
  it('covers every alert the issue asks for, each with a severity and an explanation', () => {
    expect(alerts.map((a) => a.alert).sort()).toEqual([
      'ApiHigh5xxRatio',
      'ApiLatencyP95OverSLO',
      'EventLoopDelayHigh',
      'HeapNearLimit',
      'HighCpu',
      'InstanceDown',
      'LoadBalancerNoBackends',
      'PostgreSQLUnreachable',
      'QueueBacklogGrowing',
      'ReadReplicaDown',
      'ReadReplicaLagging',
      'RedisUnreachable',
    ]);
    for (const alert of alerts) {
      expect(['warning', 'critical'], alert.alert).toContain(alert.labels?.severity);
      expect(alert.annotations?.summary, alert.alert).toBeTruthy();
      expect(alert.annotations?.description, alert.alert).toBeTruthy();
    }
  });

  it('has a unit test that makes each alert fire and one where it stays silent', () => {
    const cases = tests.tests.flatMap((t) => t.alert_rule_test);
    for (const { alert } of alerts) {
      const mine = cases.filter((c) => c.alertname === alert);
      expect(
        mine.some((c) => c.exp_alerts.length > 0),
        `${alert} fires in a test`,
      ).toBe(true);
      expect(
        mine.some((c) => c.exp_alerts.length === 0),
        `${alert} stays silent in a test`,
      ).toBe(true);
    }
  });

  it.skipIf(!HAVE_PROMTOOL && !process.env.CI)('promtool check config accepts prometheus.yml (with its rule files)', () => {
    const { status, output } = run('promtool', ['check', 'config', join(dir, 'prometheus.yml')]);
    expect(status, output).toBe(0);
  });

  it.skipIf(!HAVE_PROMTOOL && !process.env.CI)('promtool check rules accepts every rule file', () => {
    const files = readdirSync(join(dir, 'rules')).map((f) => join(dir, 'rules', f));
    const { status, output } = run('promtool', ['check', 'rules', ...files]);
    expect(status, output).toBe(0);
  });

  it.skipIf(!HAVE_PROMTOOL && !process.env.CI)('promtool test rules passes (synthetic series for each alert)', () => {
    const { status, output } = run('promtool', ['test', 'rules', join(dir, 'tests/conduit.rules.test.yml')]);
    expect(status, output).toBe(0);
    expect(output).toContain('SUCCESS');
  });

  describe.skipIf(!HAVE_PROMTOOL && !process.env.CI)('the unit tests can fail', () => {
    const copy = mkdtempSync(join(tmpdir(), 'conduit-rules-'));
    afterAll(() => rmSync(copy, { recursive: true, force: true }));

    it('a rule with a wrong threshold fails promtool test rules', () => {
      cpSync(dir, copy, { recursive: true });
      const file = join(copy, 'rules/conduit.rules.yml');
      const original = readFileSync(file, 'utf8');
      const broken = original.replace('expr: up{job=~"api|worker"} == 0', 'expr: up{job=~"api|worker"} == 2');
      expect(broken).not.toBe(original);
      writeFileSync(file, broken);
      const { status, output } = run('promtool', ['test', 'rules', join(copy, 'tests/conduit.rules.test.yml')]);
      expect(status).not.toBe(0);
      expect(output).toContain('InstanceDown');
    });
  });
});
