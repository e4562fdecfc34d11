// Accessibility checks with axe-core, run inside the page as it is shown to the person.
import { createRequire } from 'node:module';
import { visit } from './browser.js';

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve('axe-core/axe.min.js');

/** Impacts that fail a journey; lesser ones are printed only. */
const BLOCKING = new Set(['serious', 'critical']);

/**
 * Runs axe on each of `paths` in `page` (its context must bypass CSP: axe is injected as a
 * script of the page). Returns the blocking violations, each with the page it was found on.
 */
export async function audit(page, paths, log = console.log) {
  const blocking = [];
  for (const path of paths) {
    try {
      await visit(page, path);
    } catch (error) {
      // A page that did not come is reported with the others, not instead of them.
      blocking.push({ path, line: error.message.split('\n')[0] });
      continue;
    }
    await page.addScriptTag({ path: AXE_PATH });
    const violations = await page.evaluate(async () => {
      // eslint-disable-next-line no-undef
      const results = await axe.run(document, { resultTypes: ['violations'] });
      return results.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((n) => n.target.join(' ')),
        summaries: v.nodes.map((n) => n.failureSummary),
      }));
    });
    for (const v of violations) {
      const line = `${path}: ${v.id} (${v.impact}) ${v.help} -> ${v.targets.join(', ')}`;
      if (BLOCKING.has(v.impact)) blocking.push({ path, ...v, line });
      else log(`  axe (not blocking) ${line}`);
    }
  }
  return blocking;
}
