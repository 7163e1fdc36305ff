import type { ResourceNames } from '../names.js';

export function serviceTemplate(n: ResourceNames): string {
  return `import { Injectable } from '@nestjs/common';
import type { AuthUser } from '@conduit/contracts';
import { forbidden, notFound, validationError } from '../common/api-errors.js';
import { ${n.pascalPlural}Cache } from './${n.kebabPlural}.cache.js';
import { ${n.pascal}Repository } from './${n.kebab}.repository.js';
import { parse${n.pascal}Id, to${n.pascal}, type ${n.pascal}, type Create${n.pascal}Body, type Update${n.pascal}Body } from './${n.kebab}.schemas.js';

/** Writes of ${n.kebabPlural}: authorization, the statement, then the scoped invalidation (reads go through ${n.pascalPlural}Cache). */
@Injectable()
export class ${n.pascalPlural}Service {
  constructor(
    private readonly repository: ${n.pascal}Repository,
    private readonly cache: ${n.pascalPlural}Cache,
  ) {}

  async create({ ${n.camel}: input }: Create${n.pascal}Body, viewer: AuthUser): Promise<${n.pascal}> {
    const created = await this.repository.create(viewer.id, input.title, input.body);
    await this.cache.created(created.authorUsername);
    return to${n.pascal}(created);
  }

  async update(rawId: string, { ${n.camel}: changes }: Update${n.pascal}Body, viewer: AuthUser): Promise<${n.pascal}> {
    const id = await this.ownedBy(rawId, viewer);
    const updated = await this.repository.update(id, viewer.id, changes);
    if (!updated) throw notFound('${n.camel}'); // deleted since the ownership check
    await this.cache.changed(id, updated.authorUsername);
    return to${n.pascal}(updated);
  }

  async delete(rawId: string, viewer: AuthUser): Promise<void> {
    const id = await this.ownedBy(rawId, viewer);
    if (!(await this.repository.delete(id, viewer.id))) throw notFound('${n.camel}');
    await this.cache.changed(id, viewer.username);
  }

  /** 422 for a malformed id, 404 when missing, 403 when it is someone else's. */
  private async ownedBy(rawId: string, viewer: AuthUser): Promise<number> {
    const id = parse${n.pascal}Id(rawId);
    if (id === null) throw validationError({ id: ['must be a positive integer'] });
    const existing = await this.repository.findById(id);
    if (!existing) throw notFound('${n.camel}');
    if (existing.authorId !== viewer.id) throw forbidden('${n.camel}');
    return id;
  }
}
`;
}
