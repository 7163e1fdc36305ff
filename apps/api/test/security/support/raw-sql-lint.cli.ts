import { fileURLToPath } from 'node:url';
import { scanRepository } from './raw-sql-rule.js';

// `npm run lint:sql`: the raw-SQL rule as a command (the same check runs in the test suite).
const root = fileURLToPath(new URL('../../../../../', import.meta.url));
const { files, violations } = scanRepository(root);
for (const v of violations) console.error(`${v.file}:${v.line} ${v.rule}: ${v.text}`);
console.log(`raw SQL lint: ${files} files, ${violations.length} violation(s)`);
process.exit(violations.length ? 1 : 0);
