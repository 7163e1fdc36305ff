import { z } from 'zod';

export const MAX_TAGS = 20;
const MAX_TAG_LENGTH = 64;

const blank = "can't be blank";
const text = (max: number) => z.string(`must be a string`).trim().min(1, blank).max(max, `is too long (maximum is ${max} characters)`);

/**
 * Tags: trimmed, deduplicated and sorted. The sorted list is the display order stored in
 * tag_list (the official Postman collection expects ["dragons", "training"] back for
 * ["training", "dragons"]), and sorting also gives concurrent tag upserts one lock order.
 */
const tagList = z
  .array(z.string('must be a list of strings'), 'must be a list of strings')
  .superRefine((tags, ctx) => {
    // Past the limit the list is refused as a whole: checking 50k tags one by one is work for nothing.
    if (tags.length > MAX_TAGS) return ctx.addIssue({ code: 'custom', message: `has too many tags (maximum is ${MAX_TAGS})` });
    for (const tag of tags) {
      const t = tag.trim();
      if (!t) ctx.addIssue({ code: 'custom', message: "tags can't be blank" });
      else if (t.length > MAX_TAG_LENGTH) ctx.addIssue({ code: 'custom', message: `tags are at most ${MAX_TAG_LENGTH} characters` });
      // eslint-disable-next-line no-control-regex -- control characters are exactly what this rejects
      else if (/[\u0000-\u001f]/.test(t)) ctx.addIssue({ code: 'custom', message: 'tags cannot contain control characters' });
    }
  })
  .transform((tags) => [...new Set(tags.map((t) => t.trim()))].sort());

const title = text(255);
const description = text(1_000);
const body = text(100_000);

// Strict objects: unknown or privileged fields (id, slug, authorId, favoritesCount, ...) are
// rejected with 422 and nothing is written (mass-assignment protection).
export const createArticleSchema = z.strictObject({
  article: z.strictObject({ title, description, body, tagList: tagList.optional().default([]) }),
});

export const updateArticleSchema = z.strictObject({
  article: z
    .strictObject({ title: title.optional(), description: description.optional(), body: body.optional(), tagList: tagList.optional() })
    .refine((a) => Object.values(a).some((v) => v !== undefined), 'at least one field is required'),
});

/** Query integers arrive as strings: digits only (no "1e3", "-1", "0x10", "1.5"). */
const queryInt = (min: number, max: number, fallback: number) =>
  z
    .string('must be a single integer')
    .regex(/^\d{1,12}$/, `must be an integer between ${min} and ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `must be an integer between ${min} and ${max}`).max(max, `must be an integer between ${min} and ${max}`))
    .optional()
    .default(fallback)
    // Documented as what it means (an integer in the query string), not as the digits pattern it is parsed with.
    .meta({ type: 'integer', minimum: min, maximum: max, default: fallback, pattern: undefined });

export const MAX_PAGE_SIZE = 100;
/**
 * Deepest page: 500 pages of 20. An offset is served from the list's own index, index-only
 * (article-list.sql.ts), so it costs offset index entries (~1 buffer per 200), never heap rows:
 * the deepest page reads ~50 more buffers than the first at any table size
 * (apps/api/test/db/hot-queries.explain.spec.ts). Past it, clients narrow by tag or author
 * (the same cap as Elasticsearch's default result window).
 */
export const MAX_OFFSET = 10_000;

const pageWindow = { limit: queryInt(1, MAX_PAGE_SIZE, 20), offset: queryInt(0, MAX_OFFSET, 0) };
/** An empty filter (`?tag=`) means "no filter", as RealWorld front ends send it. */
const filter = z
  .string('must be a single value')
  .max(200, 'is too long')
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

export const listArticlesQuerySchema = z.strictObject({ tag: filter, author: filter, favorited: filter, ...pageWindow });
export const feedQuerySchema = z.strictObject(pageWindow);

export type CreateArticleBody = z.infer<typeof createArticleSchema>;
export type UpdateArticleBody = z.infer<typeof updateArticleSchema>;
export type ListArticlesQuery = z.infer<typeof listArticlesQuerySchema>;
export type FeedQuery = z.infer<typeof feedQuerySchema>;
