// The browser under test: Debian's Chromium driven by playwright-core (no browser is
// downloaded), one context per person, and the few page moves every journey makes.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const BASE = (process.env.QUILL_URL || '').replace(/\/$/, '');
if (!BASE) throw new Error('QUILL_URL is not set: the address of a running quill (scripts/e2e.sh sets it)');
const ENGINE = process.env.E2E_ENGINE || 'quill';
const ARTIFACTS = process.env.E2E_ARTIFACTS || join(import.meta.dirname, '..', 'artifacts');
/** How long one wait (a page load, an element) may take before the journey fails. */
export const WAIT_MS = Number(process.env.E2E_WAIT_MS || 15000);

let browser;
/** Every context opened, with what went wrong in its pages, for the checks and screenshots. */
const contexts = [];

export async function launch() {
  const executablePath = process.env.CHROME_PATH || '/usr/bin/chromium';
  const args = ['--disable-dev-shm-usage'];
  // Chromium's sandbox needs user namespaces that a root shell in a container lacks.
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  browser = await chromium.launch({ executablePath, args });
  return browser;
}

export async function closeBrowser() {
  await browser?.close();
}

/**
 * A new person at their own browser: own cookies, own storage. `options` are playwright's
 * context options (javaScriptEnabled, locale, viewport, colorScheme...).
 */
export async function person(label, options = {}) {
  const context = await browser.newContext({
    baseURL: BASE,
    viewport: { width: 1200, height: 900 },
    ...options,
  });
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(WAIT_MS);
  const record = { label, context, problems: [], active: Date.now() };
  contexts.push(record);
  context.on('page', (page) => watch(page, record));
  const page = await context.newPage();
  return { label, context, page };
}

function watch(page, record) {
  page.on('request', () => {
    record.active = Date.now();
  });
  page.on('pageerror', (error) => record.problems.push(`script error on ${page.url()}: ${error.message}`));
  page.on('console', (message) => {
    const text = message.text();
    // A page blocked by its own Content-Security-Policy is broken for readers even when no
    // journey step notices: a style, script or image that the policy refuses.
    if (message.type() === 'error' && /Content Security Policy/i.test(text)) {
      record.problems.push(`CSP violation on ${page.url()}: ${text}`);
    }
  });
  page.on('response', (response) => {
    const request = response.request();
    if (request.isNavigationRequest() && response.frame() === page.mainFrame()) {
      page.lastDocument = response;
    }
  });
}

/** Script errors and CSP violations seen in this person's pages so far (then forgotten). */
export function problemsOf(someone) {
  const record = contexts.find((r) => r.context === someone.context);
  return record ? record.problems.splice(0) : [];
}

/** What an error page says (its heading and its lines), for failure messages. */
async function describePage(page) {
  const heading = await page.locator('main h1').first().textContent().catch(() => null);
  const lines = await page.locator('main li, main .errors').allTextContents().catch(() => []);
  return `${page.url()} showed "${heading?.trim()}" ${lines.map((l) => l.trim()).join(' | ')}`;
}

/**
 * Opens `path` as a reader would by typing it, and checks the page came (status 200, or
 * `status`).
 */
export async function visit(page, path, { status = 200 } = {}) {
  const response = await page.goto(path, { waitUntil: 'load' });
  if (response.status() !== status) {
    throw new Error(`GET ${path}: expected ${status}, got ${response.status()}: ${await describePage(page)}`);
  }
  return response;
}

/**
 * Presses `control` (a submit button, a link) and waits for the next page to load: forms here
 * are posted, answered with a redirect and a new page, never with script. Checks the page that
 * came back has `status` (200 unless told).
 */
export async function press(page, control, { status = 200 } = {}) {
  page.lastDocument = null;
  const loaded = page.waitForEvent('load', { timeout: WAIT_MS }).catch(() => {
    throw new Error(`no page came after pressing ${control}: a required field left empty, or nothing sent`);
  });
  await control.click();
  await loaded;
  const got = page.lastDocument?.status();
  if (got !== status) {
    throw new Error(`after pressing ${control}: expected a ${status} page, got ${got}: ${await describePage(page)}`);
  }
  return page.lastDocument;
}

/** Saves a screenshot of every open page that loaded anything since `since` (a failed
 * journey's start). */
export async function screenshotAll(name, since = 0) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const saved = [];
  for (const record of contexts.filter((r) => r.active >= since)) {
    for (const [i, page] of record.context.pages().entries()) {
      if (page.isClosed()) continue;
      const file = join(ARTIFACTS, `${ENGINE}-${name}-${record.label}-${i}.png`.replace(/[^\w.-]+/g, '_'));
      try {
        await page.screenshot({ path: file, fullPage: true, timeout: 5000 });
        saved.push(`${file} (${page.url()})`);
      } catch {
        // a page that cannot be drawn any more: the failure message says enough
      }
    }
  }
  return saved;
}
