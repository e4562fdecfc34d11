// Lighthouse, mobile (its default: a phone's screen, simulated slow 4G and CPU), on the home
// page and on a story's page, signed out. Prints the four category scores of each and fails
// when one is below E2E_LIGHTHOUSE_MIN (default 95; 0 only reports).
//
//   QUILL_URL=http://127.0.0.1:8080 node e2e/lighthouse.js
//
// The story is the newest one on the home page: run it after the journeys, which publish some.
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';

const base = (process.env.QUILL_URL || '').replace(/\/$/, '');
if (!base) throw new Error('QUILL_URL is not set');
const minimum = Number(process.env.E2E_LIGHTHOUSE_MIN ?? 95);
const categories = ['performance', 'accessibility', 'best-practices', 'seo'];

const home = await fetch(`${base}/`).then((r) => r.text());
const story = /<article class="card">[\s\S]*?<a href="(\/article\/[^"]+)"/.exec(home);
const pages = { home: `${base}/`, ...(story ? { story: `${base}${story[1]}` } : {}) };
if (!story) console.log('lighthouse: no story on the home page; only the home page is measured');

const flags = ['--headless=new', '--disable-dev-shm-usage'];
if (process.getuid?.() === 0) flags.push('--no-sandbox');
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  chromeFlags: flags,
});
const low = [];
try {
  for (const [name, url] of Object.entries(pages)) {
    const result = await lighthouse(url, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: categories,
    });
    const lhr = result.lhr;
    if (lhr.runtimeError) throw new Error(`${url}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
    const scores = categories.map((c) => [c, Math.round((lhr.categories[c]?.score ?? 0) * 100)]);
    console.log(`lighthouse mobile ${name} (${url}): ${scores.map(([c, s]) => `${c} ${s}`).join(', ')}`);
    for (const [category, score] of scores) {
      if (score >= minimum) continue;
      // What cost the points: the audits of that category that did not pass.
      const missed = lhr.categories[category].auditRefs
        .filter((ref) => ref.weight > 0 && (lhr.audits[ref.id].score ?? 1) < 1)
        .map((ref) => `${ref.id} (${lhr.audits[ref.id].displayValue || lhr.audits[ref.id].score})`);
      low.push(`${name} ${category} ${score} < ${minimum}: ${missed.join(', ')}`);
    }
  }
} finally {
  await chrome.kill();
}
if (low.length) {
  console.log(`lighthouse below ${minimum}:\n  ${low.join('\n  ')}`);
  process.exit(1);
}
console.log(`lighthouse: every score at least ${minimum}`);
