import type { ResourceNames } from '../names.js';

// eslint-disable-next-line max-lines-per-function -- the template of one file, kept readable as the file it writes
export function e2eSpecTemplate(n: ResourceNames): string {
  const path = `/api/${n.kebabPlural}`;
  return `import { describe, expect, it } from 'vitest';
import { ${n.screaming}_WRITE_LIMIT } from '../../src/${n.kebabPlural}/${n.kebabPlural}.rate-limit.js';
import { useTestApp } from '../support/test-app.js';

const ISO = /^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$/;

describe('${n.kebabPlural} (e2e, real PostgreSQL and Redis)', () => {
  const app = useTestApp({ sql: true });
  const create = (client: typeof app.api, title: string) => client.post('${path}', { ${n.camel}: { title, body: \`about \${title}\` } });
  const titles = async (query = '') => (await app.api.get(\`${path}\${query}\`)).body.${n.camelPlural}.map((r: { title: string }) => r.title);

  it('creates (201) with the exact shape, reads one and lists newest first, filtered by author', async () => {
    const ann = await app.api.actingAsNewUser('ann');
    const bob = await app.api.actingAsNewUser('bob');
    const first = await create(ann.client, 'first');
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ ${n.camel}: { id: expect.any(Number), title: 'first', body: 'about first', createdAt: expect.stringMatching(ISO), updatedAt: expect.stringMatching(ISO), author: { username: ann.username } } });
    await create(bob.client, 'second');
    expect((await app.api.get(\`${path}/\${first.body.${n.camel}.id}\`)).body).toEqual(first.body);
    expect((await titles()).slice(0, 2)).toEqual(['second', 'first']);
    expect(await titles(\`?author=\${ann.username}\`)).toEqual(['first']);
    expect(await titles('?author=nobody-at-all')).toEqual([]);
    const rows = await app.db.query('SELECT count(*)::int AS n FROM ${n.table} WHERE author_id = (SELECT id FROM users WHERE username = $1)', [ann.username]);
    expect(rows.rows[0].n).toBe(1);
  });

  it('validates (422), requires a token (401), lets only the author change it (403), 404 on unknown ids', async () => {
    const ann = await app.api.actingAsNewUser('ann');
    const eve = await app.api.actingAsNewUser('eve');
    expect((await ann.client.post('${path}', { ${n.camel}: { title: '  ' } })).status).toBe(422);
    expect((await ann.client.post('${path}', { ${n.camel}: { title: 'x', id: 5 } })).status).toBe(422);
    expect((await app.api.get('${path}?limit=1000')).status).toBe(422);
    expect((await create(app.api, 'anonymous')).status).toBe(401);
    const id = (await create(ann.client, 'mine')).body.${n.camel}.id;
    expect((await eve.client.put(\`${path}/\${id}\`, { ${n.camel}: { title: 'stolen' } })).status).toBe(403);
    expect((await eve.client.delete(\`${path}/\${id}\`)).status).toBe(403);
    expect((await app.api.get(\`${path}/2147483000\`)).status).toBe(404);
    expect((await app.api.get(\`${path}/abc\`)).status).toBe(404);
    expect((await app.api.get(\`${path}/\${id}\`)).body.${n.camel}.title).toBe('mine');
  });

  it('no stale read after an update or a delete, from the cache or any list', async () => {
    const ann = await app.api.actingAsNewUser('ann');
    const id = (await create(ann.client, 'before')).body.${n.camel}.id;
    expect(await titles(\`?author=\${ann.username}\`)).toEqual(['before']); // cached now
    expect((await app.api.get(\`${path}/\${id}\`)).body.${n.camel}.title).toBe('before');
    expect((await ann.client.put(\`${path}/\${id}\`, { ${n.camel}: { title: 'after' } })).status).toBe(200);
    expect((await app.api.get(\`${path}/\${id}\`)).body.${n.camel}.title).toBe('after');
    expect(await titles(\`?author=\${ann.username}\`)).toEqual(['after']);
    expect(await titles()).toContain('after');
    expect((await ann.client.delete(\`${path}/\${id}\`)).status).toBe(204);
    expect((await app.api.get(\`${path}/\${id}\`)).status).toBe(404);
    expect(await titles(\`?author=\${ann.username}\`)).toEqual([]);
  });

  it('invalidation is scoped: a write leaves other authors\\' cached pages warm (same ETag)', async () => {
    const ann = await app.api.actingAsNewUser('ann');
    const bob = await app.api.actingAsNewUser('bob');
    const bobs = (await create(bob.client, 'bob writes')).body.${n.camel}.id;
    const etag = async (url: string) => (await app.api.get(url)).headers.get('etag');
    const warm = [\`${path}?author=\${bob.username}\`, \`${path}/\${bobs}\`];
    const before = await Promise.all(warm.map(etag));
    expect(before.every((tag) => tag !== null)).toBe(true);
    const globalBefore = await etag('${path}');
    await create(ann.client, 'ann writes');
    expect(await Promise.all(warm.map(etag))).toEqual(before);
    expect(await etag('${path}')).not.toBe(globalBefore);
    expect(await titles()).toContain('ann writes');
  });

  it('limits writes per user (429 + Retry-After), on top of the general limit', async () => {
    const ann = await app.api.actingAsNewUser('ann');
    let created = 0;
    let limited: Awaited<ReturnType<typeof create>> | undefined;
    // A fixed window may roll over once during the loop, so up to twice the limit can pass.
    for (let i = 0; i <= 2 * ${n.screaming}_WRITE_LIMIT.max && !limited; i++) {
      const res = await create(ann.client, \`n\${i}\`);
      if (res.status === 201) created++;
      else limited = res;
    }
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(created).toBeGreaterThanOrEqual(${n.screaming}_WRITE_LIMIT.max);
    expect((await create((await app.api.actingAsNewUser('bob')).client, 'other user')).status).toBe(201);
  });
});
`;
}
