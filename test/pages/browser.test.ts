/**
 * The browse pages in a real headless Chromium (Debian's `chromium`, driven by playwright-core;
 * no browser is downloaded): from `/` to a repo, search, open a package, copy the `.repo` file;
 * log in with a read token for a private repo and out again; a hostile description stays text.
 * Every page is checked for console errors (a CSP violation is one), for serious or critical
 * accessibility violations (axe-core, evaluated through the DevTools protocol, which the page's
 * CSP does not govern) and for its size. Screenshots go to test-artifacts/pages/ (ignored by git).
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeTestKeyring } from '../helpers/gpg.js';
import { announceSkip, repoRoot, skipReason } from '../helpers/tools.js';
import { browseWorld, type BrowseWorld } from './browser-world.js';

const CHROMIUM = '/usr/bin/chromium';
const reason = existsSync(CHROMIUM)
  ? skipReason({ tools: ['rpmbuild', 'rpmsign', 'gpg'] })
  : `chromium not installed at ${CHROMIUM} (apt-get install chromium)`;
announceSkip('browse pages in Chromium', reason);

export const ARTIFACTS = join(repoRoot(), 'test-artifacts', 'pages');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Watched {
  page: Page;
  errors: string[];
}

describe.skipIf(reason !== null)('browse pages in headless Chromium', () => {
  let world: BrowseWorld;
  let browser: Browser;

  beforeAll(async () => {
    world = await browseWorld();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    mkdirSync(ARTIFACTS, { recursive: true });
    console.log(`[pages] screenshots in ${ARTIFACTS}`);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await world?.server.stop();
    if (world) rmSync(world.work, { recursive: true, force: true });
    await disposeTestKeyring();
  });

  async function open(context: BrowserContext): Promise<Watched> {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
    page.on('dialog', (d) => {
      errors.push(`${page.url()}: a dialog opened: ${d.message()}`);
      void d.dismiss();
    });
    return { page, errors };
  }

  /** Screenshot, accessibility and size checks of the page as it is now. */
  async function check(w: Watched, name: string): Promise<void> {
    const { page } = w;
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    await page.evaluate(axeSource);
    const result = await page.evaluate(async () => {
      const axe = (globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown }[] }[] }> } }).axe;
      const r = await axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => JSON.stringify(n.target)).slice(0, 3) }));
    });
    const serious = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious, `${name}: ${JSON.stringify(serious, null, 1)}`).toEqual([]);
    const size = await page.evaluate(() => document.documentElement.outerHTML.length);
    expect(size).toBeLessThan(100 * 1024);
  }

  it('goes from / to a repo, searches a package, opens it and copies the .repo file', async () => {
    const context = await browser.newContext({ baseURL: world.server.url });
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    const w = await open(context);
    const { page } = w;

    await page.goto('/');
    expect(await page.locator('h1').textContent()).toBe('RPM repositories');
    await check(w, '01-start');

    await page.getByRole('link', { name: 'acme/main' }).click();
    await page.waitForURL('**/acme/main/');
    expect(await page.locator('h1').textContent()).toContain('acme/main');
    await check(w, '02-repo');

    await page.getByLabel('Package name starts with').fill('berth-a');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL('**/acme/main/-/packages?q=berth-a');
    const names = await page.locator('tbody tr td:first-child').allTextContents();
    expect(names).toEqual(['berth-app']);
    await check(w, '03-search');

    await page.getByRole('link', { name: 'berth-app' }).click();
    await page.waitForURL(/\/acme\/main\/-\/packages\/[0-9a-f]{64}$/);
    expect(await page.locator('h1').textContent()).toBe('berth-app');
    const facts = await page.locator('dl.facts').textContent();
    expect(facts).toContain('berth-app-2.0-1.noarch');
    expect(facts?.replace(/\s/g, '')).toContain((await import('../helpers/gpg.js').then((m) => m.testKeyring())).rsa.fingerprint.toUpperCase());
    expect(await page.locator('#h-requires + ul').textContent()).toContain('berth-lib >= 1.0');
    expect(await page.locator('#h-files + ul').textContent()).toContain('/usr/share/berth-app');
    const download = await page.getByRole('link', { name: /^Download / }).getAttribute('href');
    expect((await fetch(`${world.server.url}${download}`)).status).toBe(200);
    await check(w, '04-package');

    await page.goto('/acme/main/');
    await page.getByRole('link', { name: 'Use this repository' }).click();
    await page.waitForURL('**/acme/main/-/use');
    await page.getByRole('button', { name: 'Copy the .repo file' }).click();
    await expect.poll(() => page.locator('#copy-status').textContent()).toBe('Copied to the clipboard.');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(await (await fetch(`${world.server.url}/acme/main/config.repo`)).text());
    await check(w, '05-use');

    await page.goto('/acme/main/Packages/b/');
    expect(await page.locator('tbody').textContent()).toContain('berth-app-2.0-1.noarch.rpm');
    await check(w, '06-autoindex');

    expect(w.errors).toEqual([]);
    await context.close();
  }, 120_000);

  it('logs in with a read token for a private repo, and out again', async () => {
    const context = await browser.newContext({ baseURL: world.server.url });
    const w = await open(context);
    const { page } = w;

    const refused = await page.goto('/acme/secret/');
    expect(refused?.status()).toBe(401);
    expect(await page.locator('main').textContent()).not.toContain('berth-lib');
    await check(w, '07-private-refused');
    // the 401 answer itself is a console message of Chromium's, not an error of the page
    w.errors.splice(0, w.errors.length, ...w.errors.filter((e) => !/status of 401/.test(e)));

    await page.getByLabel('Token').fill(world.readToken);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL('**/acme/secret/');
    expect(await page.locator('h1').textContent()).toContain('acme/secret');
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === '__Host-berth_session');
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    expect(session?.value).not.toContain(world.readToken);
    expect(page.url()).not.toContain(world.readToken);
    await check(w, '08-private-repo');

    await page.getByRole('link', { name: 'All packages' }).click();
    expect(await page.locator('tbody').textContent()).toContain('berth-lib');
    await check(w, '09-private-packages');

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/$/);
    expect((await context.cookies()).find((c) => c.name === '__Host-berth_session')).toBeUndefined();
    const again = await page.goto('/acme/secret/');
    expect(again?.status()).toBe(401);
    w.errors.splice(0, w.errors.length, ...w.errors.filter((e) => !/status of 401/.test(e)));
    expect(w.errors).toEqual([]);
    await context.close();
  }, 120_000);

  it('shows a package description holding <script> as text, running nothing', async () => {
    const context = await browser.newContext({ baseURL: world.server.url });
    const w = await open(context);
    const { page } = w;
    await page.goto('/acme/lab/-/packages?q=evil');
    await page.getByRole('link', { name: 'evil' }).click();
    await page.waitForURL(/\/-\/packages\/[0-9a-f]{64}$/);
    const description = await page.locator('h2:text("Description") + pre').textContent();
    expect(description).toContain('<script>window.__pwned = 1; alert("pwned")</script>');
    expect(await page.locator('p.lead').textContent()).toBe('a <b>bold</b> claim');
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('main script, main img, main b').count()).toBe(0);
    await check(w, '10-hostile-description');
    expect(w.errors).toEqual([]);
    await context.close();
  }, 60_000);
});
