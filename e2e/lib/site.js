// What a person does on quill's pages, in the words the pages use: labels, button names and
// links are found by their accessible names, which are part of the pages' contract.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BASE, press, visit } from './browser.js';

const run = promisify(execFile);

/** Letters only, so the words made from it are one search term on every engine. */
export function runId(length = 6) {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  return Array.from({ length }, () => letters[Math.floor(Math.random() * letters.length)]).join('');
}

/** The signed-in user's name as the site header shows it, or null when signed out. */
export async function signedInAs(page) {
  const signOut = page.getByRole('button', { name: /^(Sign out|로그아웃)$/ });
  if ((await signOut.count()) === 0) return null;
  // The account links: the profile link sits before "Settings".
  const profile = page.locator('header.site a[href^="/profile/"]');
  return (await profile.first().textContent())?.trim() ?? null;
}

export async function signUp({ page }, user) {
  await visit(page, '/register');
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await press(page, page.getByRole('button', { name: 'Sign up' }));
  assert.equal(await signedInAs(page), user.username, 'after signing up the header names the new user');
}

export async function signIn({ page }, user) {
  await visit(page, '/login');
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await press(page, page.getByRole('button', { name: 'Sign in' }));
  assert.equal(await signedInAs(page), user.username, 'after signing in the header names the user');
}

export function newUser(role, id) {
  const username = `${role}-${id}`;
  return { username, email: `${username}@example.com`, password: `pw-${id}-${role}-long` };
}

/** The story's claps as its page says them ("3 claps · 0 favorites"). */
export async function clapsShown(page) {
  const meta = await page.locator('article.story footer p.meta').first().textContent();
  const match = /(\d+)\s+claps/.exec(meta);
  assert.ok(match, `the story's footer shows a clap count (it says "${meta}")`);
  return Number(match[1]);
}

/** The story card in a list (home, tag, search, bookmarks) whose heading is `title`. */
export function card(page, title) {
  return page.locator('article.card').filter({ has: page.getByRole('heading', { name: title, exact: true }) });
}

/** Checks a list shows the story `title` with a link to its page, and follows that link. */
export async function openFromList(page, title, slug) {
  const story = card(page, title);
  assert.equal(await story.count(), 1, `the list at ${page.url()} shows the story "${title}" once`);
  const link = story.getByRole('link', { name: title, exact: true });
  assert.equal(await link.getAttribute('href'), `/article/${slug}`, 'the story links to its page');
  await press(page, link);
  assert.equal(new URL(page.url()).pathname, `/article/${slug}`);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), title);
}

/** The slug of the story page the browser is on. */
export function slugOf(page) {
  const match = /^\/article\/([^/?#]+)$/.exec(new URL(page.url()).pathname);
  assert.ok(match, `${page.url()} is a story's page`);
  return decodeURIComponent(match[1]);
}

/** Writes `text` as a new comment on the open story; returns the new comment's id. */
export async function comment(page, text) {
  await page.getByLabel('Write a comment').fill(text);
  await press(page, page.getByRole('button', { name: 'Comment', exact: true }));
  const hash = new URL(page.url()).hash;
  const match = /^#comment-(\d+)$/.exec(hash);
  assert.ok(match, `after commenting the page is taken to the new comment (address ${page.url()})`);
  const element = page.locator(`[id="comment-${match[1]}"]`);
  assert.match(await element.locator('.comment-body').first().textContent(), new RegExp(escape(text)));
  return match[1];
}

export function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Gives `username` the admin role with quill's own command, against the server's database. */
export async function grantAdmin(username) {
  const bin = process.env.QUILL_BIN;
  assert.ok(bin, 'QUILL_BIN names the quill binary (for `quill admin grant`)');
  await run(bin, ['admin', 'grant', username], { env: process.env, timeout: 30000 });
}

export { BASE };
