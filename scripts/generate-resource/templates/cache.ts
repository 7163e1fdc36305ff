import type { ResourceNames } from '../names.js';

// eslint-disable-next-line max-lines-per-function -- the template of one file, kept readable as the file it writes
export function cacheTemplate(n: ResourceNames): string {
  return `import { Inject, Injectable } from '@nestjs/common';
import { CacheTags, keyPart, type VersionedCache } from '@conduit/cache';
import { sharedBodyBytes, sharedEntry, type CachedBody } from '../cache/cached-response.js';
import { READ_CACHE } from '../cache/read-cache.token.js';
import { notFound } from '../common/api-errors.js';
import { ${n.pascal}Repository } from './${n.kebab}.repository.js';
import { to${n.pascal}, type List${n.pascalPlural}Query } from './${n.kebab}.schemas.js';

/**
 * Invalidation tags of ${n.kebabPlural} (pattern: tag-versioned invalidation scoped to what a write
 * changes, as in libs/cache/src/cache-tags.ts): a list is tagged by what selects its rows, so a
 * write by one author leaves every other author's pages warm.
 */
export const ${n.pascal}CacheTags = {
  /** Pages of GET /api/${n.kebabPlural} without a filter. */
  listAll: '${n.kebabPlural}:list:all',
  /** Pages of ?author=<username>. */
  listAuthor: (username: string) => \`${n.kebabPlural}:list:author:\${username}\`,
  /** GET /api/${n.kebabPlural}/:id. */
  item: (id: number) => \`${n.kebab}:\${id}\`,
} as const;

/**
 * Cached reads of ${n.kebabPlural} (pattern: cache-aside with versioned keys, in-process layer,
 * single-flight and a Redis lock against stampedes, failing open: libs/cache VersionedCache).
 * Responses are the same for every viewer. Every entry also carries CacheTags.people: it embeds
 * the author's username. 404s are not cached. TTL CACHE_TTL_MS jittered.
 * Writes call the invalidation below after they committed and before they answer, so the writer's
 * next read shows the change. Tests: apps/api/test/${n.kebabPlural}/${n.kebabPlural}.e2e.spec.ts.
 */
@Injectable()
export class ${n.pascalPlural}Cache {
  constructor(
    @Inject(READ_CACHE) private readonly cache: VersionedCache,
    private readonly repository: ${n.pascal}Repository,
  ) {}

  async list(query: List${n.pascalPlural}Query): Promise<CachedBody> {
    const { author, limit, offset } = query;
    const result = await this.cache.read({
      cache: '${n.camelPlural}List',
      key: \`${n.kebabPlural}:list:\${keyPart(author)}|\${limit}|\${offset}\`,
      tags: [author === undefined ? ${n.pascal}CacheTags.listAll : ${n.pascal}CacheTags.listAuthor(author), CacheTags.people],
      local: true,
      compute: async () => {
        const records = author === undefined ? await this.repository.listNewest(limit, offset) : await this.repository.listByAuthorNewest(author, limit, offset);
        return sharedEntry('', JSON.stringify({ ${n.camelPlural}: records.map(to${n.pascal}) }));
      },
    });
    return { body: sharedBodyBytes(result.shared, result.handle), version: result.version };
  }

  async get(id: number): Promise<CachedBody> {
    const result = await this.cache.read({
      cache: '${n.camel}',
      key: ${n.pascal}CacheTags.item(id),
      tags: [${n.pascal}CacheTags.item(id), CacheTags.people],
      local: true,
      compute: async () => {
        const record = await this.repository.findById(id);
        if (!record) throw notFound('${n.camel}');
        return sharedEntry('', JSON.stringify({ ${n.camel}: to${n.pascal}(record) }));
      },
    });
    return { body: sharedBodyBytes(result.shared, result.handle), version: result.version };
  }

  /** A new one: the unfiltered list and its author's list. Other authors' lists stay warm. */
  created(authorUsername: string): Promise<void> {
    return this.cache.invalidate([${n.pascal}CacheTags.listAll, ${n.pascal}CacheTags.listAuthor(authorUsername)]);
  }

  /** Updated or deleted: the item and the lists that show it. */
  changed(id: number, authorUsername: string): Promise<void> {
    return this.cache.invalidate([${n.pascal}CacheTags.item(id), ${n.pascal}CacheTags.listAll, ${n.pascal}CacheTags.listAuthor(authorUsername)]);
  }
}
`;
}
