import type { ApiClient } from '@conduit/testing';
import { expect } from 'vitest';

let counter = 0;

/** Creates an article as `client` (201 expected) and returns it. */
export async function createArticle(client: ApiClient, overrides: Partial<{ title: string; description: string; body: string; tagList: string[] }> = {}) {
  counter += 1;
  const article = { title: `Article ${counter}`, description: `About ${counter}`, body: `Body ${counter}`, ...overrides };
  const res = await client.post('/api/articles', { article });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.article as { slug: string; title: string; tagList: string[]; favoritesCount: number; createdAt: string; updatedAt: string };
}

export const ISO_8601 = /^\d{4,}-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-5]\d\.\d+(?:[+-][0-2]\d:[0-5]\d|Z)$/;

export const profileShape = {
  username: expect.any(String),
  bio: expect.toSatisfy((v) => v === null || typeof v === 'string'),
  image: expect.toSatisfy((v) => v === null || typeof v === 'string'),
  following: expect.any(Boolean),
};
