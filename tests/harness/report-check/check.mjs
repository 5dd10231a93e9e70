// Opens a harness report in a real headless Chromium and checks what QA sees without clicking:
// the totals, the coverage line, and a failing scenario's step and reason.
// Usage: node check.mjs REPORT.html PASSED FAILED "TEXT OF THE FAILURE REASON"
import { chromium } from 'playwright-core';
import { pathToFileURL } from 'node:url';

const [report, passed, failed, reason] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const browser = await chromium.launch({
  executablePath,
  headless: true,
  // This machine's network is closed: Chromium's own background connections only fail.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
let problems = [];
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(pathToFileURL(report).href);
  const totals = await page.locator('#totals').innerText();
  console.log(`totals: ${totals}`);
  if (!totals.includes(`${passed} passed`) || !totals.includes(`${failed} failed`)) {
    problems.push(`the totals say "${totals}", not ${passed} passed and ${failed} failed`);
  }
  const coverage = page.locator('#coverage');
  if (!(await coverage.isVisible())) problems.push('the coverage line is not visible');
  else console.log(`coverage: ${await coverage.innerText()}`);
  const why = page.locator('section.ng .reason').first();
  if (Number(failed) > 0) {
    if (!(await why.isVisible())) problems.push('no failure reason is visible without clicking');
    else {
      const text = await why.innerText();
      console.log(`first failure, as shown: ${text.split('\n').slice(0, 2).join(' | ')}`);
      if (!text.includes(reason)) problems.push(`the visible reason does not say "${reason}": ${text}`);
    }
    // Its steps are open too: the failing step's line is visible.
    const failingStep = page.locator('section.ng tr.ng').first();
    if (!(await failingStep.isVisible())) problems.push("the failing step's line is not visible");
  }
  // The flow picture with the run's path, drawn by Mermaid in the page.
  try {
    await page.locator('#flow-picture svg').first().waitFor({ state: 'attached', timeout: 60000 });
    const screens = await page.locator('#flow-picture svg g.node').count();
    console.log(`flow picture: drawn (${screens} screens)`);
    // Mermaid draws a syntax error as a picture too, with no screens in it.
    if (screens === 0) problems.push('the flow picture shows no screens (Mermaid could not read it)');
  } catch (error) {
    problems.push(`the flow picture was not drawn: ${error.message.split('\n')[0]}`);
  }
  await page.screenshot({ path: report.replace(/index\.html$/, 'report-check.png'), fullPage: false });
} finally {
  await browser.close();
}
if (problems.length) {
  for (const p of problems) console.error(`report check: ${p}`);
  process.exit(1);
}
console.log('report check: the report opens in Chromium, shows the counts and the failure reason');
