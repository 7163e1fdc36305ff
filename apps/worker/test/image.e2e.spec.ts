import { ApiClient } from '@conduit/testing';
import { QUEUES } from '@conduit/queue';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../api/test/support/test-app.js';
import { QueueFixture } from './support/queue-fixture.js';
import { waitFor } from './support/worker-process.js';

const MAX_BYTES = 64 * 1024;

describe('image upload -> resize in the worker -> served by the API (real processes, real files)', () => {
  const f = new QueueFixture();
  let t: TestApp;
  let api: ApiClient;
  let user: ApiClient;
  let username: string;

  beforeAll(async () => {
    // API and worker share the database and the storage directory.
    t = await startTestApp({ STORAGE_DIR: f.storageDir, UPLOAD_MAX_BYTES: String(MAX_BYTES), LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '10000' });
    await f.start(t.db);
    // Same cache Redis and prefix as the API, so the worker's profile invalidation reaches it.
    await startWorker();
    api = new ApiClient(t.url);
    const acting = await api.actingAsNewUser('img');
    user = acting.client;
    username = acting.username;
  }, 120_000);
  const startWorker = () => f.startWorker({ IMAGE_SIZES: '64,256', REDIS_URL: t.config.REDIS_URL, REDIS_KEY_PREFIX: t.config.REDIS_KEY_PREFIX });
  afterAll(async () => {
    await f.close();
    await t?.close();
  });

  const upload = (parts: Array<{ field: string; data: Buffer | string; type: string; filename?: string }>, client: ApiClient | null = user) => {
    const form = new FormData();
    for (const p of parts) form.append(p.field, new Blob([p.data], { type: p.type }), p.filename ?? 'upload.bin');
    return fetch(`${t.url}/api/user/image`, {
      method: 'POST',
      body: form,
      headers: client?.token ? { authorization: `Token ${client.token}` } : {},
      signal: AbortSignal.timeout(15_000),
    });
  };
  const png = (w: number, h: number) =>
    sharp({ create: { width: w, height: h, channels: 3, background: { r: 200, g: 30, b: 30 } } })
      .png()
      .toBuffer();

  it('accepts a PNG with 202, the worker makes 64 and 256 px WebP versions and updates user.image, files are served', async () => {
    // Warm the API's read cache with the old profile first.
    expect((await user.get(`/api/profiles/${username}`)).body.profile.image).toBeNull();
    const res = await upload([{ field: 'image', data: await png(300, 200), type: 'image/png', filename: 'me.png' }]);
    expect(res.status).toBe(202);
    const { upload: accepted } = (await res.json()) as { upload: { id: string; status: string } };
    expect(accepted).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'queued' });

    const image = await waitFor(async () => {
      const me = await user.get('/api/user');
      return me.body.user.image?.includes(accepted.id) ? me.body.user.image : null;
    }, 'user.image to point at the resized file');
    expect(image).toBe(`/api/images/${accepted.id}-256.webp`);
    // The cached profile shows the new image: the worker bumped the cache's `people` tag
    // (without it the old profile would be served for CACHE_TTL_MS, 5 minutes).
    await waitFor(async () => (await user.get(`/api/profiles/${username}`)).body.profile.image === image, 'the cached profile to show the new image', 5_000);

    for (const size of [64, 256]) {
      const file = await fetch(`${t.url}/api/images/${accepted.id}-${size}.webp`);
      expect(file.status).toBe(200);
      expect(file.headers.get('content-type')).toBe('image/webp');
      expect(file.headers.get('cache-control')).toContain('immutable');
      const meta = await sharp(Buffer.from(await file.arrayBuffer())).metadata();
      expect(meta).toMatchObject({ format: 'webp', width: size, height: size });
    }
    // The original is private and removed after processing.
    expect(existsSync(join(f.storageDir, 'originals', `${accepted.id}.png`))).toBe(false);
    expect((await fetch(`${t.url}/api/images/${accepted.id}.png`)).status).toBe(404);
  });

  it('rejects anything but a real PNG/JPEG/WebP within the size limit with a clear 4xx, storing nothing', async () => {
    const before = readdirSync(f.storageDir, { recursive: true }).length;
    const text = await upload([{ field: 'image', data: 'hello', type: 'text/plain' }]);
    expect(text.status).toBe(415);
    expect(await text.json()).toEqual({ errors: { image: ['must be a PNG, JPEG or WebP image'] } });

    const disguised = await upload([{ field: 'image', data: '<svg onload="alert(1)"/>', type: 'image/png' }]);
    expect(disguised.status).toBe(415);

    const big = Buffer.concat([await png(10, 10), Buffer.alloc(MAX_BYTES + 1, 1)]);
    const tooLarge = await upload([{ field: 'image', data: big, type: 'image/png' }]);
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toEqual({ errors: { image: [`is too large (maximum is ${MAX_BYTES} bytes)`] } });

    const wrongField = await upload([{ field: 'avatar', data: await png(10, 10), type: 'image/png' }]);
    expect(wrongField.status).toBe(422);
    expect(((await wrongField.json()) as any).errors.avatar).toEqual(['is not an allowed field']);

    const json = await user.post('/api/user/image', { image: 'x' });
    expect(json.status).toBe(415);

    const anonymous = await upload([{ field: 'image', data: await png(10, 10), type: 'image/png' }], null);
    expect(anonymous.status).toBe(401);

    expect(readdirSync(f.storageDir, { recursive: true }).length).toBe(before);
  });

  it('serves only resized image names: traversal and unknown names are 404', async () => {
    for (const path of ['/api/images/..%2F..%2Fetc%2Fpasswd', '/api/images/%2E%2E', '/api/images/00000000-0000-0000-0000-000000000000-256.webp', '/api/images/x.webp']) {
      expect((await fetch(`${t.url}${path}`)).status, path).toBe(404);
    }
  });

  it('a file with a PNG signature but corrupt content fails in the worker at once (no retries); user.image is unchanged', async () => {
    const me = await user.get('/api/user');
    const corrupt = Buffer.concat([(await png(10, 10)).subarray(0, 8), Buffer.from('not really a png')]);
    const res = await upload([{ field: 'image', data: corrupt, type: 'image/png' }]);
    expect(res.status, await res.clone().text()).toBe(202);
    const { upload: accepted } = (await res.json()) as { upload: { id: string; status: string } };
    const jobId = `process-image-${accepted.id}`;
    await waitFor(async () => (await f.queue(QUEUES.image).getJobState(jobId)) === 'failed', 'the image job to fail');
    // Read the job after it failed: a copy fetched earlier holds no failedReason yet.
    const job = (await f.queue(QUEUES.image).getJob(jobId))!;
    expect(job.failedReason).toMatch(/cannot process image/);
    expect(job.attemptsMade).toBe(1);
    expect((await user.get('/api/user')).body.user.image).toBe(me.body.user.image);
  });

  it('upload answers 202 without waiting for any worker; the image appears once one runs', async () => {
    await f.killWorkers();
    const res = await upload([{ field: 'image', data: await png(40, 40), type: 'image/png' }]);
    expect(res.status).toBe(202);
    const { upload: accepted } = (await res.json()) as { upload: { id: string } };
    expect((await user.get('/api/user')).body.user.image ?? '').not.toContain(accepted.id);
    await startWorker();
    await waitFor(async () => (await user.get('/api/user')).body.user.image === `/api/images/${accepted.id}-256.webp`, 'the image after a worker started');
  });

  it('an older upload finishing after a newer one does not replace the newer image', async () => {
    await f.killWorkers();
    const first = await upload([{ field: 'image', data: await png(30, 30), type: 'image/png' }]);
    const older = ((await first.json()) as { upload: { id: string } }).upload.id;
    // Hold the older upload's job back (as if its worker were slow): take its outbox row out.
    const { rows } = await f.pool.query(`DELETE FROM job_outbox WHERE job_id = $1 RETURNING queue, job_name, job_id, payload`, [`process-image-${older}`]);
    expect(rows).toHaveLength(1);
    const second = await upload([{ field: 'image', data: await png(31, 31), type: 'image/png' }]);
    const newer = ((await second.json()) as { upload: { id: string } }).upload.id;
    await startWorker();
    await waitFor(async () => (await user.get('/api/user')).body.user.image === `/api/images/${newer}-256.webp`, 'the newer image');
    // Now the older upload's job runs and completes, without taking over user.image.
    await f.pool.query('INSERT INTO job_outbox (queue, job_name, job_id, payload) VALUES ($1, $2, $3, $4)', [rows[0].queue, rows[0].job_name, rows[0].job_id, rows[0].payload]);
    await waitFor(async () => (await (await f.queue(QUEUES.image).getJob(`process-image-${older}`))?.getState()) === 'completed', 'the older job to complete');
    expect((await fetch(`${t.url}/api/images/${older}-256.webp`)).status).toBe(200);
    expect((await user.get('/api/user')).body.user.image).toBe(`/api/images/${newer}-256.webp`);
  });
});
