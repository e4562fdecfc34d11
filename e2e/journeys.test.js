// quill's pages as people use them, in a real Chromium: a writer publishes a story with a
// picture, a reader finds it, claps, bookmarks and comments, the writer hears of it and
// replies, an admin handles a report; the same without JavaScript; a forged cross-site form
// refused; and every main page checked for accessibility in English and in Korean.
//
// The journeys run in order against one server (scripts/e2e.sh starts it on a fresh database
// and sets QUILL_URL): each later journey starts from what the earlier ones left. Each step
// asserts what the person would see, and fails with the page's address, what it showed and a
// screenshot in e2e/artifacts/.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import { audit } from './lib/axe.js';
import {
  BASE,
  closeBrowser,
  launch,
  person,
  press,
  problemsOf,
  screenshotAll,
  visit,
} from './lib/browser.js';
import { makePng } from './lib/png.js';
import {
  card,
  clapsShown,
  comment,
  escape,
  grantAdmin,
  newUser,
  openFromList,
  runId,
  signIn,
  signUp,
  slugOf,
} from './lib/site.js';

const id = runId();
const writer = newUser('writer', id);
const reader = newUser('reader', id);
const admin = newUser('admin', id);
/** The made-up word in the story's title: the one search term that finds it and nothing else. */
const word = `${id}wick`;
const story = {
  title: `Lanterns over ${word[0].toUpperCase()}${word.slice(1)} harbor`,
  description: 'Night fishing boats, seen from the old sea wall.',
  body: 'The boats go out at dusk.\n\nEach one carries a **lantern**, and the harbor fills with light.',
  tag: `harbor-${id}`,
  tags: `harbor-${id}, night`,
};

/** What the journeys hand on to the ones after them. */
const shared = {};
/** The people at their browsers, kept open across journeys. */
const people = {};

function needs(value, what) {
  if (value === undefined || value === null) {
    throw new Error(`cannot start: ${what} (an earlier journey failed)`);
  }
  return value;
}

/** One journey: a test that leaves screenshots when it fails, and fails on a script error or
 * a CSP violation in any page it showed. */
function journey(name, body) {
  test(name, { timeout: 180_000 }, async (t) => {
    const started = Date.now();
    try {
      await body(t);
    } catch (error) {
      const shots = await screenshotAll(name.split(':')[0], started);
      if (shots.length) console.log(`  screenshots:\n    ${shots.join('\n    ')}`);
      throw error;
    }
    const problems = Object.values(people).flatMap((someone) => problemsOf(someone));
    if (problems.length) assert.fail(`pages had script errors or broke their own Content-Security-Policy:\n${problems.join('\n')}`);
  });
}

before(async () => {
  await launch();
});

after(async () => {
  await closeBrowser();
});

journey('1: a writer signs up, writes a story with a picture, saves a draft, then publishes it', async () => {
  const w = (people.writer = await person('writer'));
  const { page } = w;
  await signUp(w, writer);

  await press(page, page.getByRole('link', { name: 'Write', exact: true }));
  assert.equal(new URL(page.url()).pathname, '/editor');
  await page.getByLabel('Title').fill(story.title);
  await page.getByLabel('Description').fill(story.description);
  await page.getByLabel('Story').fill(story.body);
  await page.getByLabel('Tags').fill(story.tags);

  // The picture goes up through the editor form itself, which comes back with its Markdown.
  await page.getByLabel('Image').setInputFiles({ name: 'harbor.png', mimeType: 'image/png', buffer: makePng() });
  await press(page, page.getByRole('button', { name: 'Upload image' }));
  assert.equal(await page.getByLabel('Title').inputValue(), story.title, 'the title survives the upload');
  assert.equal(await page.getByLabel('Tags').inputValue(), story.tags, 'the tags survive the upload');
  const body = await page.getByLabel('Story').inputValue();
  assert.ok(body.startsWith(story.body), `the text survives the upload (the body is now ${JSON.stringify(body)})`);
  const image = /!\[[^\]]*\]\((\S+)\)\s*$/.exec(body);
  assert.ok(image, `the image's Markdown ends the body (the body is now ${JSON.stringify(body)})`);
  assert.ok(image[1].startsWith(`${BASE}/uploads/`), `the image is served by quill (${image[1]})`);
  shared.imageUrl = image[1];

  await press(page, page.getByRole('button', { name: 'Save draft' }));
  const slug = slugOf(page);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), story.title);
  // A draft is the writer's alone: listed in their drafts, not shown to anyone else.
  await press(page, page.getByRole('link', { name: 'Drafts', exact: true }));
  assert.equal(await card(page, story.title).count(), 1, '/drafts lists the draft');
  const passerBy = (people.passerBy = await person('passer-by'));
  await visit(passerBy.page, `/article/${slug}`, { status: 404 });

  // Publishing: from the draft's page to its editor, made visible to everyone.
  await visit(page, `/article/${slug}`);
  const edit = page.getByRole('link', { name: 'Edit story', exact: true });
  assert.equal(await edit.getAttribute('href'), `/editor/${slug}`, "the draft's page links its writer to its editor");
  await press(page, edit);
  assert.equal(await page.getByLabel('Title').inputValue(), story.title, 'the editor holds the saved draft');
  assert.ok((await page.getByLabel('Story').inputValue()).includes(shared.imageUrl), 'the draft kept the image');
  await page.getByLabel('Visibility').selectOption('published');
  await press(page, page.getByRole('button', { name: 'Update' }));
  // A draft's address carries a random part; published, the story moves to one of its title.
  const published = slugOf(page);
  assert.ok(published.startsWith('lanterns-over-'), `the published story's address comes from its title (${published})`);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), story.title);

  // The picture is on the page and was drawn (it loaded and decoded as the PNG sent).
  const picture = page.locator('article.story .body img');
  assert.equal(await picture.count(), 1, 'the story shows one image');
  assert.equal(await picture.getAttribute('src'), shared.imageUrl);
  const drawn = await picture.evaluate((img) => img.decode().then(() => img.naturalWidth, () => 0));
  assert.equal(drawn, 8, 'the uploaded picture loads in the page (8 pixels wide)');

  // Now everyone can read it.
  await visit(passerBy.page, `/article/${published}`);
  assert.equal(await passerBy.page.getByRole('heading', { level: 1 }).textContent(), story.title);
  shared.slug = published;
});

journey('2: a reader finds the story by search, tag and home page, claps, bookmarks and comments', async () => {
  const slug = needs(shared.slug, 'the published story of journey 1');
  const r = (people.reader = await person('reader'));
  const { page } = r;
  await signUp(r, reader);

  // Search, as a reader would: the search page's form.
  await press(page, page.getByRole('link', { name: 'Search', exact: true }));
  await page.getByLabel('Search stories').fill(word);
  await press(page, page.getByRole('button', { name: 'Search', exact: true }));
  assert.equal(new URL(page.url()).searchParams.get('q'), word);
  await openFromList(page, story.title, slug);

  // The tag, from the story's own tag link.
  const tagLink = page.locator('article.story footer').getByRole('link', { name: story.tag, exact: true });
  await press(page, tagLink);
  assert.equal(new URL(page.url()).pathname, `/tag/${story.tag}`);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), `#${story.tag}`);
  await openFromList(page, story.title, slug);

  // The home page, from the site's name in the header.
  await press(page, page.locator('header.site').getByRole('link', { name: 'quill', exact: true }));
  assert.equal(new URL(page.url()).pathname, '/');
  await openFromList(page, story.title, slug);

  // Clap: with the page's script the count goes up in place (no new page), and the reader's
  // focus stays on the button.
  const before = await clapsShown(page);
  page.lastDocument = null;
  await page.getByRole('button', { name: 'Clap' }).click();
  await page.waitForFunction(
    (n) => new RegExp(`^\\s*${n}\\s+claps`).test(document.querySelector('article.story footer p.meta')?.textContent ?? ''),
    before + 1,
  ).catch(() => assert.fail(`the clap count did not go from ${before} to ${before + 1}`));
  assert.equal(await clapsShown(page), before + 1, 'one clap more');
  assert.match(await page.locator('#reactions').textContent(), /1 your claps/);
  assert.match(await page.evaluate(() => document.activeElement?.textContent ?? ''), /Clap/, 'focus stays on Clap');
  assert.equal(page.lastDocument, null, 'clapping kept the reader on the page (no reload)');

  // Bookmark: the button turns into "Remove bookmark", and the bookmarks page lists the story.
  await page.getByRole('button', { name: 'Bookmark', exact: true }).click();
  const remove = page.getByRole('button', { name: 'Remove bookmark', exact: true });
  await remove.waitFor().catch(() => assert.fail('after Bookmark the button did not turn into "Remove bookmark"'));
  assert.equal(await remove.getAttribute('aria-pressed'), 'true', 'the story shows as bookmarked');
  assert.equal(page.lastDocument, null, 'bookmarking kept the reader on the page (no reload)');
  await press(page, page.getByRole('link', { name: 'Bookmarks', exact: true }));
  assert.equal(new URL(page.url()).pathname, '/bookmarks');
  await openFromList(page, story.title, slug);
  // The clap was stored, not only shown: the page read afresh says so too.
  assert.equal(await clapsShown(page), before + 1, 'the clap is kept');

  // Comment: it appears as its own element, and the count says one.
  shared.commentText = `What a sight from the wall, ${id}!`;
  shared.commentId = await comment(page, shared.commentText);
  assert.match(await page.getByRole('heading', { name: /^Comments \(\d+\)$/ }).textContent(), /\(1\)/);
});

journey('3: the writer sees the comment in their notifications, follows it and replies', async () => {
  const slug = needs(shared.slug, 'the published story of journey 1');
  const commentId = needs(shared.commentId, "the reader's comment of journey 2");
  const { page } = needs(people.writer, 'the writer of journey 1');

  const notifications = page.locator('header.site').getByRole('link', { name: /^Notifications\b/ });
  await press(page, notifications);
  assert.equal(new URL(page.url()).pathname, '/notifications');
  const target = `/article/${slug}#comment-${commentId}`;
  const item = page.locator(`main a[href="${target}"]`);
  assert.ok((await item.count()) >= 1, `/notifications links to the comment (${target})`);
  const said = (await page.locator('main li').filter({ has: page.locator(`a[href="${target}"]`) }).first().textContent()).replace(/\s+/g, ' ');
  assert.match(said, new RegExp(`${escape(reader.username)} commented on ${escape(story.title)}`), 'the notice says who commented where');
  const clapNotice = page.locator('main li', { hasText: `${reader.username} clapped for ${story.title}` });
  assert.equal(await clapNotice.count(), 1, "the reader's clap is in the notifications too");
  await press(page, item.first());
  assert.equal(new URL(page.url()).pathname, `/article/${slug}`);
  assert.equal(new URL(page.url()).hash, `#comment-${commentId}`);

  const parent = page.locator(`[id="comment-${commentId}"]`);
  assert.match(await parent.locator('.comment-body').first().textContent(), new RegExp(escape(shared.commentText)));
  // The reply form is folded away under "Reply" in the comment.
  await parent.locator('summary', { hasText: 'Reply' }).first().click();
  const replyText = `Thank you, ${reader.username}. Come back on Friday.`;
  await parent.getByLabel('Your reply').first().fill(replyText);
  await press(page, parent.getByRole('button', { name: 'Reply', exact: true }).first());
  const hash = /^#comment-(\d+)$/.exec(new URL(page.url()).hash);
  assert.ok(hash, `after replying the page is taken to the reply (${page.url()})`);
  const reply = page.locator(`[id="comment-${commentId}"] [id="comment-${hash[1]}"]`);
  assert.equal(await reply.count(), 1, 'the reply is shown inside the comment it answers');
  assert.match(await reply.locator('.comment-body').first().textContent(), new RegExp(escape(replyText)));
  shared.replyId = hash[1];

  // "Mark all read": back on the notifications, still listed, none left to mark.
  await press(page, notifications);
  const markAll = page.getByRole('button', { name: 'Mark all read' });
  assert.equal(await markAll.count(), 1, 'unread notifications offer "Mark all read"');
  await press(page, markAll);
  assert.equal(new URL(page.url()).pathname, '/notifications');
  assert.ok((await page.locator(`main a[href="${target}"]`).count()) >= 1, 'read notifications stay listed');
  assert.equal(await page.getByRole('button', { name: 'Mark all read' }).count(), 0, 'nothing is left unread');

  // The reader hears of the reply, and its link leads to it.
  const { page: rp } = needs(people.reader, 'the reader of journey 2');
  await press(rp, rp.locator('header.site').getByRole('link', { name: /^Notifications\b/ }));
  const toReply = rp.locator(`main a[href="/article/${slug}#comment-${shared.replyId}"]`);
  assert.ok((await toReply.count()) >= 1, "the reader's notifications link to the reply");
  await press(rp, toReply.first());
  assert.match(await rp.locator(`[id="comment-${shared.replyId}"] .comment-body`).textContent(), new RegExp(escape(replyText)));
});

journey('4: the reader reports the story, an admin resolves the report', async () => {
  const slug = needs(shared.slug, 'the published story of journey 1');
  const { page } = needs(people.reader, 'the reader of journey 2');

  await visit(page, `/article/${slug}`);
  const reactions = page.locator('#reactions');
  await reactions.locator('summary', { hasText: 'Report' }).click();
  const reason = `Copied from a postcard (${id})`;
  await reactions.getByLabel('Why should the admins look at this?').fill(reason);
  await press(page, reactions.getByRole('button', { name: 'Report', exact: true }));
  assert.equal(
    (await page.getByRole('status').textContent())?.trim(),
    'Thank you. The admins will look at your report.',
  );
  // The admin pages are not there for a reader.
  await visit(page, '/admin', { status: 404 });

  const a = (people.admin = await person('admin'));
  await signUp(a, admin);
  assert.equal(await a.page.getByRole('link', { name: 'Admin', exact: true }).count(), 0, 'no Admin link before the role');
  await grantAdmin(admin.username);
  await visit(a.page, '/');
  await press(a.page, a.page.getByRole('link', { name: 'Admin', exact: true }));
  assert.equal(new URL(a.page.url()).pathname, '/admin');
  const report = a.page.locator('article.report').filter({ hasText: reason });
  assert.equal(await report.count(), 1, 'the open report is listed');
  const heading = (await report.getByRole('heading').textContent()).trim();
  assert.match(heading, /^Reported story #\d+$/);
  assert.match(await report.locator('dl').textContent(), new RegExp(`${escape(writer.username)}[\\s\\S]*${escape(reader.username)}`));
  assert.equal(await report.getByRole('link', { name: 'Open what was reported' }).getAttribute('href'), `/article/${slug}`);

  // What an admin can do with it, each button named as the page names it.
  for (const name of ['Resolve', 'Dismiss', 'Remove story', `Suspend ${writer.username}`]) {
    assert.equal(await report.getByRole('button', { name, exact: true }).count(), 1, `the report offers "${name}"`);
  }
  await press(a.page, report.getByRole('button', { name: 'Resolve', exact: true }));
  assert.equal(new URL(a.page.url()).pathname, '/admin', 'back on the open reports');
  assert.equal(await a.page.getByRole('heading', { name: heading, exact: true }).count(), 0, 'the report left the open list');
  await press(a.page, a.page.getByRole('link', { name: 'Audit log', exact: true }));
  assert.match(await a.page.locator('main').textContent(), /Resolved a report/);
  // The story itself stays up: resolving is not removing.
  await visit(page, `/article/${slug}`);
});

journey('5: without JavaScript: sign in, publish, clap and comment', async () => {
  needs(people.writer, 'the writer of journey 1');
  needs(people.reader, 'the reader of journey 2');
  const w = (people.writerNoJs = await person('writer-nojs', { javaScriptEnabled: false }));
  const r = (people.readerNoJs = await person('reader-nojs', { javaScriptEnabled: false }));
  await signIn(w, writer);
  const title = `Tide tables for ${word}`;
  const { page } = w;
  await press(page, page.getByRole('link', { name: 'Write', exact: true }));
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Description').fill('When the water comes in, hour by hour.');
  await page.getByLabel('Story').fill('High water at *six*, low water at noon.');
  await page.getByLabel('Tags').fill(story.tag);
  await press(page, page.getByRole('button', { name: 'Publish', exact: true }));
  const slug = slugOf(page);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), title);
  shared.plainSlug = slug;

  await signIn(r, reader);
  await visit(r.page, `/tag/${story.tag}`);
  await openFromList(r.page, title, slug);
  const before = await clapsShown(r.page);
  await press(r.page, r.page.getByRole('button', { name: 'Clap' }));
  assert.equal(await clapsShown(r.page), before + 1, 'one clap more, without JavaScript');
  await comment(r.page, `Printed and pinned by the door, ${id}.`);
});

journey('6: a form forged on another site is refused and changes nothing', async () => {
  const slug = needs(shared.slug, 'the published story of journey 1');
  const { page } = needs(people.reader, 'the signed-in reader of journey 2');
  await visit(page, `/article/${slug}`);
  const before = await clapsShown(page);
  const yours = await page.locator('#reactions').textContent();
  // Even a token leaked from the reader's page does not help a form sent from elsewhere.
  const leaked = await page.locator('#reactions input[name="csrf"]').first().inputValue();

  // Another site: another origin on this machine (same host, another port, so the browser
  // still sends the reader's cookie and the refusal is quill's own doing).
  const forged = (token, action, extra = '') => `<!doctype html><html lang="en"><title>Win a prize</title>
<form id="f" method="post" action="${BASE}${action}" ${extra}>${token === null ? '' : `<input type="hidden" name="csrf" value="${token}">`}
<input type="hidden" name="title" value="Forged ${word}"><input type="hidden" name="description" value="x">
<input type="hidden" name="body" value="x"><input type="hidden" name="intent" value="publish"></form>
<script>document.getElementById('f').submit()</script>`;
  const evil = createServer((req, res) => {
    const url = new URL(req.url, 'http://evil');
    const token = url.searchParams.get('token');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(forged(token, url.searchParams.get('action'), url.searchParams.get('extra') || ''));
  });
  await new Promise((done) => evil.listen(0, '127.0.0.1', done));
  const evilOrigin = `http://127.0.0.1:${evil.address().port}`;
  try {
    const attempts = [
      { what: 'a clap with no token', action: `/article/${slug}/clap`, token: null },
      { what: 'a clap with the leaked token', action: `/article/${slug}/clap`, token: leaked },
      {
        what: 'a story posted as a file form with the leaked token',
        action: '/editor',
        token: leaked,
        extra: 'enctype="multipart/form-data"',
      },
    ];
    for (const attempt of attempts) {
      const query = new URLSearchParams({ action: attempt.action, extra: attempt.extra || '' });
      if (attempt.token !== null) query.set('token', attempt.token);
      const sent = page.waitForRequest((r) => r.method() === 'POST' && r.url() === `${BASE}${attempt.action}`);
      await page.goto(`${evilOrigin}/?${query}`, { waitUntil: 'commit' });
      const request = await sent;
      const headers = await request.allHeaders();
      assert.equal(headers.origin, evilOrigin, `${attempt.what}: the browser named the other site as the sender`);
      assert.match(headers.cookie ?? '', /(^|; )quill_session=/, `${attempt.what}: the browser did send the reader's session cookie`);
      const answer = await request.response();
      assert.equal(answer?.status(), 403, `${attempt.what}: refused with 403 (a ${answer?.status()} means it went through)`);
      await page.waitForURL(`${BASE}${attempt.action}`, { waitUntil: 'load' });
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Not allowed', `${attempt.what}: the refusal page`);
    }
  } finally {
    await new Promise((done) => evil.close(done));
  }

  await visit(page, `/article/${slug}`);
  assert.equal(await clapsShown(page), before, 'the forged claps were not counted');
  assert.equal(await page.locator('#reactions').textContent(), yours, "the reader's own claps are unchanged");
  await visit(page, `/search?q=forged+${word}`);
  assert.equal(await page.locator('article.card').count(), 0, 'no forged story was published');
  await visit(page, '/drafts');
  assert.equal(await page.locator('article.card').count(), 0, 'no forged draft was saved');
});

journey('7: the main pages have no serious accessibility problem, in English and in Korean', async (t) => {
  const slug = needs(shared.slug, 'the published story of journey 1');
  const adminPerson = needs(people.admin, 'the admin of journey 4');
  const readerPerson = needs(people.reader, 'the reader of journey 2');
  // An open report, so the admin page shows one with its actions.
  const { page: rp } = readerPerson;
  await visit(rp, `/article/${slug}`);
  await rp.locator('#reactions summary', { hasText: 'Report' }).click();
  await rp.locator('#reactions').getByLabel('Why should the admins look at this?').fill('Please look again.');
  await press(rp, rp.locator('#reactions').getByRole('button', { name: 'Report', exact: true }));

  const signedIn = [
    '/',
    `/article/${slug}`,
    `/profile/${writer.username}`,
    `/tag/${story.tag}`,
    `/search?q=${word}`,
    '/editor',
    '/settings',
    '/notifications',
    '/admin',
    '/admin/audit',
  ];
  const signedOut = ['/login', '/register', `/article/${slug}`];
  const passes = [
    { name: 'English, 1200px, light', options: { locale: 'en-US', viewport: { width: 1200, height: 900 } }, lang: 'en' },
    {
      name: 'Korean, 360px, dark',
      options: { locale: 'ko-KR', viewport: { width: 360, height: 780 }, colorScheme: 'dark', isMobile: true, hasTouch: true },
      lang: 'ko',
    },
  ];
  const storageState = await adminPerson.context.storageState();
  const found = [];
  for (const pass of passes) {
    // axe is put into the page as a script of its own, which the pages' CSP would refuse.
    const inside = await person(`axe-${pass.lang}`, { ...pass.options, bypassCSP: true, storageState });
    const outside = await person(`axe-${pass.lang}-anon`, { ...pass.options, bypassCSP: true });
    await visit(inside.page, '/');
    assert.equal(await inside.page.locator('html').getAttribute('lang'), pass.lang, `${pass.name}: the pages speak ${pass.lang}`);
    const log = (line) => t.diagnostic(`${pass.name} ${line.trim()}`);
    for (const v of await audit(inside.page, signedIn, log)) found.push(`[${pass.name}, signed in] ${v.line}`);
    for (const v of await audit(outside.page, signedOut, log)) found.push(`[${pass.name}, signed out] ${v.line}`);
    await inside.context.close();
    await outside.context.close();
  }
  if (found.length) assert.fail(`${found.length} serious or critical accessibility violations:\n${found.join('\n')}`);
});
