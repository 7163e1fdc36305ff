// `npm run generate:resource -- <name> [--plural <plural>]`: scaffolds a REST resource (see generate.ts).
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateResource } from './generate.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { plural: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } } });
if (values.help || positionals.length !== 1) {
  console.log('usage: npm run generate:resource -- <kebab-case singular, e.g. bookmark> [--plural <plural>]');
  process.exit(values.help ? 0 : 1);
}

const root = fileURLToPath(new URL('../../', import.meta.url));
try {
  const { names, files } = await generateResource({ root, name: positionals[0], plural: values.plural });
  console.log(`${names.pascalPlural}: GET/POST /api/${names.kebabPlural}, GET/PUT/DELETE /api/${names.kebabPlural}/:id\n  ${files.join('\n  ')}`);
  console.log(`
Next: npm run build && npm run db:migrate, then
  npx vitest run apps/api/src/${names.kebabPlural} apps/api/test/${names.kebabPlural} apps/api/test/db/schema-drift.spec.ts
Change the fields in ${names.kebab}.schemas.ts, the repository's SQL, the model and the migration together;
add a row to the README's pattern table if the resource brings a pattern of its own.`);
} catch (error) {
  console.error(`generate:resource: ${(error as Error).message}`);
  process.exit(1);
}
