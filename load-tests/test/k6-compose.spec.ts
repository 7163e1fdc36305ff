import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

describe('k6 compose profile', () => {
  const doc = parse(readFileSync(here('../k6.compose.yaml'), 'utf8')) as {
    services: Record<string, { image: string; profiles: string[]; network_mode: string; volumes: string[]; environment: Record<string, string> }>;
  };
  const k6 = doc.services.k6;

  it('runs the k6 image under the loadtest profile with the suite mounted where the documented commands look', () => {
    expect(k6.image).toMatch(/^grafana\/k6:/);
    expect(k6.profiles).toEqual(['loadtest']);
    expect(k6.volumes).toContain('./load-tests:/load-tests');
    // Every script the header comment runs exists in the mounted folder.
    const header = readFileSync(here('../k6.compose.yaml'), 'utf8');
    const scripts = [...header.matchAll(/\/load-tests\/(k6\/[a-z]+\.ts)/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const s of scripts) expect(existsSync(here(`../${s}`))).toBe(true);
  });

  it('spreads users over loopback addresses and passes the settings the scripts read', () => {
    expect(k6.network_mode).toBe('host');
    expect(k6.environment.K6_LOCAL_IPS).toContain('127.0.0.2-127.0.0.250');
    const settingsSource = readFileSync(here('../shared/settings.ts'), 'utf8');
    for (const name of Object.keys(k6.environment).filter((n) => !n.startsWith('K6_') && n !== 'REPORT_DIR' && n !== 'MACHINE')) {
      expect(settingsSource).toContain(`'${name}'`.replace(/'BASE_URL'/, 'BASE_URL'));
    }
  });
});
