// `npm test`: typecheck, lint, build, vitest, Playwright; then one summary line that adds up
// every runner: "N passed, N failed[, N skipped]", after the list of skipped tests with their
// reasons (a test that skips names why in its title or its skip annotation). Each step runs even
// when an earlier one failed, so one run shows everything that is wrong.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const results = 'test-results';
mkdirSync(results, { recursive: true });
const totals = { passed: 0, failed: 0, skipped: 0 };
/** "runner file: test — reason" for every skipped test, printed before the summary. */
const skippedTests = [];

function run(title, command, args, env = {}) {
  console.log(`\n=== ${title}: ${command} ${args.join(' ')}`);
  const r = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
}

/** A step with no tests of its own (typecheck, lint, build) counts as one check. */
function check(title, command, args) {
  const ok = run(title, command, args);
  totals[ok ? 'passed' : 'failed'] += 1;
  console.log(`--- ${title}: ${ok ? 'passed' : 'FAILED'}`);
  return ok;
}

/** A runner's own counts from its JSON report; a runner that left no report failed as a whole. */
function suite(title, command, args, reportFile, count, skipped, env) {
  rmSync(reportFile, { force: true });
  const ok = run(title, command, args, env);
  if (!existsSync(reportFile)) {
    totals.failed += 1;
    console.log(`--- ${title}: no report written (exit ${ok ? 0 : 'non-zero'})`);
    return;
  }
  const report = JSON.parse(readFileSync(reportFile, 'utf8'));
  const c = count(report);
  if (!ok && c.failed === 0) c.failed = 1; // the runner failed outside any test (a crash, an error in a hook)
  for (const k of Object.keys(totals)) totals[k] += c[k];
  skippedTests.push(...skipped(report).map((t) => `${title} ${t}`));
  console.log(`--- ${title}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
}

/** Playwright's skipped tests, with the reason its test.skip(condition, reason) gave. */
function playwrightSkipped(suites = []) {
  return suites.flatMap((s) => [
    ...(s.specs ?? []).flatMap((spec) =>
      spec.tests
        .filter((t) => t.status === 'skipped')
        .map((t) => {
          const reason = t.annotations.find((a) => a.type === 'skip')?.description;
          return `${spec.file}: ${spec.title}${reason ? ` — ${reason}` : ''}`;
        }),
    ),
    ...playwrightSkipped(s.suites),
  ]);
}

check('typecheck', 'npm', ['run', '-s', 'typecheck']);
check('lint', 'npm', ['run', '-s', 'lint']);
const built = check('build', 'npm', ['run', '-s', 'build']);

suite(
  'vitest',
  'npx',
  ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${results}/vitest.json`],
  `${results}/vitest.json`,
  (j) => ({ passed: j.numPassedTests, failed: j.numFailedTests, skipped: j.numPendingTests + j.numTodoTests }),
  (j) =>
    j.testResults.flatMap((file) =>
      file.assertionResults
        .filter((a) => a.status === 'skipped' || a.status === 'pending' || a.status === 'todo')
        .map((a) => `${file.name.replace(`${process.cwd()}/`, '')}: ${a.fullName}`),
    ),
);

if (built) {
  suite(
    'playwright',
    'npx',
    ['playwright', 'test', '--reporter=list,json'],
    `${results}/playwright.json`,
    (j) => ({ passed: j.stats.expected + j.stats.flaky, failed: j.stats.unexpected, skipped: j.stats.skipped }),
    (j) => playwrightSkipped(j.suites),
    { PLAYWRIGHT_JSON_OUTPUT_NAME: `${results}/playwright.json` },
  );
} else {
  totals.failed += 1;
  console.log('--- playwright: not run, the build failed');
}

if (skippedTests.length)
  console.log(`\nSkipped (${skippedTests.length}):\n${skippedTests.map((t) => `  ${t}`).join('\n')}`);
const line = `${totals.passed} passed, ${totals.failed} failed` + (totals.skipped ? `, ${totals.skipped} skipped` : '');
console.log(`\n${line}`);
process.exit(totals.failed === 0 ? 0 : 1);
