import { randomBytes } from 'node:crypto';

const MAX_BASE_LENGTH = 80;

/** "How to Train Your Dragon!" -> "how-to-train-your-dragon" (ASCII, URL-safe, never empty). */
export function slugify(title: string): string {
  const base = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_BASE_LENGTH)
    .replace(/-+$/, '');
  return base || 'article';
}

/** 6 random base-36 characters (~2e9 values): identical titles still get distinct slugs. */
export function randomSlugSuffix(): string {
  return BigInt(`0x${randomBytes(5).toString('hex')}`)
    .toString(36)
    .padStart(6, '0')
    .slice(-6);
}

export const SLUG_ATTEMPTS = 5;

/**
 * Pattern "unique slug under concurrency": slug = slugify(title) + random suffix, and if the
 * unique index articles_slug_key still rejects it (a collision), retry with a new suffix.
 * No read-then-write check, so two identical titles created at the same instant cannot both
 * pass a check and then collide. Test: apps/api/test/articles/articles.e2e.spec.ts
 * ("20 concurrent creates of the same title") and slug.spec.ts.
 */
export async function withUniqueSlug<T>(
  title: string,
  write: (slug: string) => Promise<T>,
  isSlugConflict: (error: unknown) => boolean,
  suffix: () => string = randomSlugSuffix,
): Promise<{ slug: string; result: T }> {
  const base = slugify(title);
  for (let attempt = 1; ; attempt++) {
    const slug = `${base}-${suffix()}`;
    try {
      return { slug, result: await write(slug) };
    } catch (error) {
      if (!isSlugConflict(error) || attempt >= SLUG_ATTEMPTS) throw error;
    }
  }
}
