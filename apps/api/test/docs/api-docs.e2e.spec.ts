import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** /api/docs (Swagger UI) and /api/docs-json: served when API_DOCS_ENABLED, absent otherwise. */
describe('API docs routes', () => {
  let on: TestApp;
  let off: TestApp;
  beforeAll(async () => {
    [on, off] = await Promise.all([startTestApp(), startTestApp({ API_DOCS_ENABLED: 'false' })]);
  });
  afterAll(() => Promise.all([on?.close(), off?.close()]));

  it('serves the OpenAPI document and Swagger UI with its assets, without a token', async () => {
    const json = await fetch(`${on.url}/api/docs-json`);
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = (await json.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toContain('/api/articles');

    const ui = await fetch(`${on.url}/api/docs`);
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await ui.text();
    expect(html).toContain('swagger-ui');
    for (const asset of ['swagger-ui-bundle.js', 'swagger-ui.css', 'swagger-ui-init.js']) {
      const res = await fetch(`${on.url}/api/docs/${asset}`);
      expect(res.status, asset).toBe(200);
      if (asset === 'swagger-ui-init.js') expect(await res.text()).toMatch(/"operationId": ?"GetArticles"/);
      else await res.arrayBuffer();
    }
  });

  it('counts docs requests in the metrics under their route, like any other request', async () => {
    await (await fetch(`${on.url}/api/docs-json`)).arrayBuffer();
    const metrics = await (await fetch(`${on.url}/metrics`)).text();
    expect(metrics).toMatch(/http_requests_total\{[^}]*route="\/api\/docs-json"[^}]*status_code="200"[^}]*\} [1-9]/);
  });

  it('is absent when disabled (the default in production): 404 in the API error shape, the API unaffected', async () => {
    for (const path of ['/api/docs', '/api/docs-json', '/api/docs/swagger-ui-init.js']) {
      const res = await fetch(`${off.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.json()).toHaveProperty('errors');
    }
    expect((await fetch(`${off.url}/api/tags`)).status).toBe(200);
  });
});
