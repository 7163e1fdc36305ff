import { describe, expect, it } from 'vitest';
import { InvalidJobPayloadError, parseJobPayload } from './job-payloads.js';
import { processImageJob, processImageJobId, welcomeEmailJob, welcomeEmailJobId } from './job-ids.js';
import { JOBS, QUEUES } from './queue-names.js';
import { newUploadId, RESIZED_IMAGE_FILE } from './image-keys.js';

describe('job payloads and ids', () => {
  it('builds a welcome-email job with a deterministic, BullMQ-safe id', () => {
    const job = welcomeEmailJob({ userId: 42, email: 'a@example.test', username: 'a' });
    expect(job).toEqual({ queue: QUEUES.email, name: JOBS.welcomeEmail, jobId: 'welcome-email-42', payload: { userId: 42, email: 'a@example.test', username: 'a' } });
    expect(welcomeEmailJob({ userId: 42, email: 'a@example.test', username: 'a' }).jobId).toBe(job.jobId);
    for (const id of [welcomeEmailJobId(1), processImageJobId('0b6f3f38-3c1a-4a8e-9b1e-8f6f0c1d2e3f')]) {
      expect(id).not.toContain(':');
      expect(Number.isNaN(Number(id))).toBe(true);
    }
  });

  it('builds a process-image job keyed by the upload id', () => {
    const uploadId = '0b6f3f38-3c1a-4a8e-9b1e-8f6f0c1d2e3f';
    expect(processImageJob({ userId: 1, uploadId, ext: 'png' }).jobId).toBe(`process-image-${uploadId}`);
  });

  it('rejects bad payloads with a reason naming the fields, and unknown fields', () => {
    expect(() => parseJobPayload(JOBS.welcomeEmail, { userId: -1, email: 'nope', username: '' })).toThrow(InvalidJobPayloadError);
    expect(() => parseJobPayload(JOBS.welcomeEmail, { userId: 'x', email: 'nope' })).toThrow(/^invalid welcome-email payload: userId: .*; email: .*; username: /);
    expect(() => parseJobPayload(JOBS.welcomeEmail, { userId: 1, email: 'a@example.test', username: 'a', admin: true })).toThrow(/admin/);
    expect(() => parseJobPayload(JOBS.processImage, { userId: 1, uploadId: '../../etc/passwd', ext: 'png' })).toThrow(/uploadId/);
    expect(() => parseJobPayload(JOBS.processImage, { userId: 1, uploadId: '0b6f3f38-3c1a-4a8e-9b1e-8f6f0c1d2e3f', ext: 'svg' })).toThrow(/ext/);
    expect(() => parseJobPayload('nope' as never, {})).toThrow(/unknown job name/);
    expect(() => welcomeEmailJob({ userId: 0, email: 'a@example.test', username: 'a' })).toThrow(InvalidJobPayloadError);
  });

  it('upload ids are valid UUIDv7 that sort by creation time', () => {
    const older = newUploadId(1_700_000_000_000);
    const newer = newUploadId(1_700_000_000_001);
    expect(older < newer).toBe(true);
    expect(older).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(processImageJob({ userId: 1, uploadId: newer, ext: 'webp' }).payload.uploadId).toBe(newer);
    expect(RESIZED_IMAGE_FILE.test(`${newer}-256.webp`)).toBe(true);
  });
});
