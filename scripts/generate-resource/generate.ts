import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as prettier from 'prettier';
import { resourceNames, type ResourceNames } from './names.js';
import { cacheTemplate } from './templates/cache.js';
import { controllerTemplate } from './templates/controller.js';
import { migrationTemplate, prismaModelTemplate } from './templates/database.js';
import { e2eSpecTemplate } from './templates/e2e-spec.js';
import { moduleTemplate, rateLimitTemplate } from './templates/module.js';
import { repositoryTemplate } from './templates/repository.js';
import { schemasTemplate } from './templates/schemas.js';
import { serviceTemplate } from './templates/service.js';
import { unitSpecTemplate } from './templates/unit-spec.js';

export interface GenerateOptions {
  root: string;
  name: string;
  plural?: string;
  /** Migration folder timestamp (YYYYMMDDHHMMSS); defaults to now, or one second after the newest migration. */
  now?: Date;
}

export interface GeneratedResource {
  names: ResourceNames;
  /** Files written or changed, relative to the root. */
  files: string[];
}

/**
 * `npm run generate:resource -- <name>`: a REST resource the way this project builds one (module,
 * thin controller, service, raw-SQL repository, cached reads with scoped invalidation, a write
 * rate limit, a Prisma model and its migration with indexes named after their queries, unit and
 * e2e tests), wired into AppModule. Refuses to overwrite anything.
 * Tested in infra/test/generator/generate-resource.e2e.spec.ts (generates in a copy, builds,
 * typechecks and runs the generated tests).
 */
export async function generateResource(options: GenerateOptions): Promise<GeneratedResource> {
  const n = resourceNames(options.name, options.plural);
  const { root } = options;
  const folder = `apps/api/src/${n.kebabPlural}`;
  if (existsSync(join(root, folder))) throw new Error(`${folder} already exists`);
  const schema = await readFile(join(root, 'prisma/schema.prisma'), 'utf8');
  if (schema.includes(`@@map("${n.table}")`) || new RegExp(`^model ${n.pascal} \\{`, 'm').test(schema)) throw new Error(`prisma/schema.prisma already has ${n.pascal} / ${n.table}`);
  const swagger = await hasDependency(root, '@nestjs/swagger');
  const migration = `prisma/migrations/${migrationStamp(root, options.now ?? new Date())}_${n.table}/migration.sql`;
  const files: Record<string, string> = {
    [`${folder}/${n.kebabPlural}.module.ts`]: moduleTemplate(n),
    [`${folder}/${n.kebabPlural}.controller.ts`]: controllerTemplate(n, swagger),
    [`${folder}/${n.kebabPlural}.service.ts`]: serviceTemplate(n),
    [`${folder}/${n.kebabPlural}.cache.ts`]: cacheTemplate(n),
    [`${folder}/${n.kebabPlural}.rate-limit.ts`]: rateLimitTemplate(n),
    [`${folder}/${n.kebab}.repository.ts`]: repositoryTemplate(n),
    [`${folder}/${n.kebab}.schemas.ts`]: schemasTemplate(n),
    [`${folder}/${n.kebab}.schemas.spec.ts`]: unitSpecTemplate(n),
    [`apps/api/test/${n.kebabPlural}/${n.kebabPlural}.e2e.spec.ts`]: e2eSpecTemplate(n),
    [migration]: migrationTemplate(n),
  };
  for (const [file, text] of Object.entries(files)) await writeNew(root, file, text);
  await writeFile(join(root, 'prisma/schema.prisma'), addModel(schema, n));
  const appModule = join(root, 'apps/api/src/app.module.ts');
  await writeFile(appModule, await format(appModule, registerModule(await readFile(appModule, 'utf8'), n)));
  return { names: n, files: [...Object.keys(files), 'prisma/schema.prisma', 'apps/api/src/app.module.ts'] };
}

async function writeNew(root: string, file: string, text: string): Promise<void> {
  const path = join(root, file);
  if (existsSync(path)) throw new Error(`${file} already exists`);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, file.endsWith('.ts') ? await format(path, text) : text, { flag: 'wx' });
}

/** Formatted with the repository's Prettier settings, so the generated code passes `npm run lint` as is. */
async function format(path: string, text: string): Promise<string> {
  const config = (await prettier.resolveConfig(path)) ?? {};
  return prettier.format(text, { ...config, filepath: path });
}

async function hasDependency(root: string, name: string): Promise<boolean> {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  return pkg.dependencies?.[name] !== undefined;
}

/** Migrations apply in name order: the new one sorts after every existing one. */
export function migrationStamp(root: string, now: Date): string {
  const stamp = now.toISOString().replace(/\D/g, '').slice(0, 14);
  const newest = readdirSync(join(root, 'prisma/migrations'))
    .map((d) => d.slice(0, 14))
    .filter((d) => /^\d{14}$/.test(d))
    .sort()
    .pop();
  if (!newest || stamp > newest) return stamp;
  return String(BigInt(newest) + 1n);
}

/** The model at the end of the schema, and its back-relation on User (Prisma needs both sides). */
export function addModel(schema: string, n: ResourceNames): string {
  const user = /(model User \{[\s\S]*?)(\n\s*@@map\("users"\))/;
  if (!user.test(schema)) throw new Error('prisma/schema.prisma: no `model User { ... @@map("users") }` to add the back-relation to');
  return `${schema.replace(user, `$1\n  ${n.camelPlural} ${n.pascal}[]$2`).trimEnd()}\n${prismaModelTemplate(n)}`;
}

/** The module's import and its place in AppModule's imports. */
export function registerModule(source: string, n: ResourceNames): string {
  const lastImport = [...source.matchAll(/^import .*;$/gm)].pop();
  const imports = /(imports: \[[\s\S]*?)(\n(\s*)\],)/;
  if (!lastImport || !imports.test(source)) throw new Error('apps/api/src/app.module.ts: no imports list found');
  const at = lastImport.index + lastImport[0].length;
  const withImport = `${source.slice(0, at)}\nimport { ${n.pascalPlural}Module } from './${n.kebabPlural}/${n.kebabPlural}.module.js';${source.slice(at)}`;
  return withImport.replace(imports, (_m, list: string, close: string, indent: string) => `${list.replace(/,?\s*$/, ',')}\n${indent}  ${n.pascalPlural}Module,${close}`);
}
