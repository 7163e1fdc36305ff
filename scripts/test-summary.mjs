// Prints "<N> passed, <M> failed" from vitest's JSON report (var/test-results.json).
import { readFileSync } from 'node:fs';

const path = process.argv[2] ?? 'var/test-results.json';
try {
  const report = JSON.parse(readFileSync(path, 'utf8'));
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  console.log(`vitest: ${report.numPassedTests} passed, ${report.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(report.numFailedTests > 0 || report.numTotalTests === 0 ? 1 : 0);
} catch (error) {
  console.log(`no test report at ${path}: ${error.message}`);
  process.exit(1);
}
