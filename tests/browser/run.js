/* The dashboard and the offline demo page in headless Chromium, against
 * two environments started by tests/it/harness.sh (tests/it/t-browser.sh
 * starts them and passes harness.env). Prints TAP test lines without
 * numbers ("ok - ...", "not ok - ...", "# ..."); the wrapper numbers them.
 *
 *   HARNESS_ENV=DIR/harness.env NR_BUILDDIR=... SCREENSHOTS=DIR node run.js
 */
'use strict';

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { chromium } = require('playwright-core');

const env = {};
for (const line of fs.readFileSync(process.env.HARNESS_ENV, 'utf8').split('\n')) {
	const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
	if (m)
		env[m[1]] = m[2];
}
const BUILD = process.env.NR_BUILDDIR;
const SHOTS = process.env.SCREENSHOTS;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const E1 = env.NR_E1_URL;
const E2 = env.NR_E2_URL;

let failed = 0;

function ok(cond, name, diag) {
	if (cond) {
		console.log('ok - ' + name);
	} else {
		failed++;
		console.log('not ok - ' + name);
		if (diag !== undefined)
			for (const l of String(diag).replace(/\x1b\[[0-9;]*m/g, '')
				.split('\n'))
				console.log('#   ' + l);
	}
	return cond;
}

function is(got, want, name) {
	return ok(got === want, name, 'got:  ' + JSON.stringify(got) +
		'\nwant: ' + JSON.stringify(want));
}

/* SQL on an environment's master as root; the rows as text. */
function sql(e, statement) {
	return execFileSync('mariadb', ['--no-defaults',
		'--socket=' + env.NR_H_DIR + '/' + e + '/master/sock', '-uroot',
		'-N', '-B', 'appdb', '-e', statement],
	{ encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/* One sync_multi run of an environment; its output. */
function sync(e) {
	try {
		return execFileSync(path.join(BUILD, 'src/cli/sync_multi'),
			['--verbose', '--config', env.NR_H_DIR + '/' + e + '/config.json'],
			{ encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
	} catch (err) {
		return (err.stdout || '') + (err.stderr || '');
	}
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/* Polls fn until it returns true, at most ms; the last value. */
async function until(fn, ms) {
	const end = Date.now() + (ms || 10000);
	let v;
	for (;;) {
		try {
			v = await fn();
		} catch (e) {
			v = false;
		}
		if (v || Date.now() > end)
			return v;
		await sleep(100);
	}
}

async function shot(page, name, full) {
	if (!SHOTS)
		return;
	fs.mkdirSync(SHOTS, { recursive: true });
	await page.screenshot({ path: path.join(SHOTS, name),
		fullPage: full !== false });
	console.log('# screenshot ' + path.join(SHOTS, name));
}

/* A page of a new context that fails the test on any script error. */
async function newPage(browser) {
	const context = await browser.newContext({
		viewport: { width: 1280, height: 900 },
	});
	const page = await context.newPage();
	page.setDefaultTimeout(10000);
	page.on('pageerror', (e) => ok(false, 'no script error in ' + page.url(),
		e.message));
	return { context, page };
}

async function login(page, url, key, tenant) {
	await page.goto(url);
	await page.fill('#key', key);
	if (tenant)
		await page.fill('#tenant', tenant);
	await page.click('#key-form button[type=submit]');
}

const text = (page, sel) => page.locator(sel).innerText();

/* (a) Both environments' dashboards after sync_multi runs. */
async function dashboardStatus(browser) {
	sql('e1', "INSERT INTO users (id, name, email) VALUES " +
		"(1, 'Ada', 'ada@example.com'), (2, 'Bob', 'bob@example.com');" +
		"INSERT INTO products (id, name, price) VALUES (1, 'Pen', 1.50), " +
		"(2, 'Ink', 3.00)");
	sql('e2', "INSERT INTO users (id, name, email) VALUES " +
		"(3, 'Cy', 'cy@example.com')");
	sync('e1');
	sync('e2');
	sync('e1');
	is(sql('e2', 'SELECT COUNT(*) FROM users'), '3',
		'setup: the users of both environments are in e2');

	const { page } = await newPage(browser);
	await page.goto(E1 + '/');
	ok(await page.locator('#key-form').isVisible(),
		'the dashboard asks for a key first');
	const html = await page.content();
	ok(!html.includes(env.NR_E1_KEY_ADMIN) && !html.includes(env.NR_E1_KEY_READ),
		'no key in the page source');
	await login(page, E1 + '/', env.NR_E1_KEY_ADMIN);
	await page.waitForSelector('#remotes tr[data-remote="e2"]');
	is(await text(page, '#node'), 'node e1', 'e1: the node');
	is(await text(page, '#mode'), 'master-slave', 'e1: the mode');
	const remote = await text(page, '#remotes tr[data-remote="e2"]');
	ok(/bidirectional/.test(remote) && /closed/.test(remote) &&
		/UTC/.test(remote), 'e1: remote e2 with mode, last sync and a ' +
		'closed circuit', remote);
	const users = await text(page, '#tables tr[data-table="users"]');
	ok(users.split('\t').map((s) => s.trim())[1] === '3',
		'e1: users has 3 rows', users);
	const head = sql('e1', "SELECT MAX(seq) FROM _nunez_changelog WHERE " +
		"tbl = 'products'");
	const products = await text(page, '#tables tr[data-table="products"]');
	ok(products.split('\t').map((s) => s.trim())[2] === head,
		'e1: the changelog head of products is ' + head, products);
	const log = await text(page, '#log');
	ok(/e2\s+users\s+pull/.test(log) && /e2\s+products\s+push/.test(log),
		'e1: the sync log shows pulls and pushes with e2', log.slice(0, 600));
	ok(/local\s+users\s+master>slave/.test(log),
		'e1: ... and the local master>slave runs', log.slice(0, 600));
	const rows = await page.locator('#log tbody tr').count();
	is(String(rows), sql('e1', 'SELECT LEAST(COUNT(*), 50) FROM ' +
		'_nunez_sync_log'), 'e1: one line per sync log row (at most 50)');

	const p2 = (await newPage(browser)).page;
	await login(p2, E2 + '/', env.NR_E2_KEY_ADMIN);
	await p2.waitForSelector('#remotes tr[data-remote="e1"]');
	is(await text(p2, '#node'), 'node e2', 'e2: the node');
	const r2 = await text(p2, '#remotes tr[data-remote="e1"]');
	ok(/closed/.test(r2), 'e2: remote e1, circuit closed', r2);
	const u2 = await text(p2, '#tables tr[data-table="users"]');
	ok(u2.split('\t').map((s) => s.trim())[1] === '3', 'e2: users has 3 rows',
		u2);
	ok(/e1\s+users\s+(pull|push)/.test(await text(p2, '#log')),
		'e2: its sync log shows runs with e1');

	/* A remote that fails: errors and the circuit show. */
	sql('e1', "REPLACE INTO _nunez_meta (name, value) VALUES ('breaker:e2', " +
		"CONCAT('5 ', UNIX_TIMESTAMP()))");
	sql('e1', "INSERT INTO _nunez_sync_log (started_at, finished_at, peer, " +
		"tbl, direction, status, message) VALUES (UTC_TIMESTAMP(6), " +
		"UTC_TIMESTAMP(6), 'e2', 'users', 'pull', 'failed', " +
		"'Failed to connect to 127.0.0.1')");
	await page.click('#refresh');
	const open = await until(async () => /open/.test(
		await text(page, '#remotes tr[data-remote="e2"] [data-testid=circuit]')));
	ok(open, 'e1: an open circuit is shown');
	const errs = await text(page, '#remotes tr[data-remote="e2"]');
	ok(/Failed to connect/.test(errs) && /retried in/.test(errs),
		'e1: with the recent error and when it is retried', errs);
	sql('e1', "REPLACE INTO _nunez_meta (name, value) VALUES ('breaker:e2', " +
		"'0 0')");
	return page;
}

/* (b) A conflict resolved by a click replicates. */
async function dashboardConflict(page) {
	sql('e1', "UPDATE products SET name = 'Pen (e1)' WHERE id = 1");
	sql('e2', "UPDATE products SET name = 'Pen (e2)', price = 1.75 " +
		"WHERE id = 1");
	sync('e1');
	is(sql('e1', "SELECT COUNT(*) FROM _nunez_conflicts WHERE status = " +
		"'open'"), '1', 'setup: a manual conflict is open in e1');
	await page.click('#refresh');
	const card = page.locator('article.conflict');
	await card.first().waitFor({ timeout: 10000 });
	const t = await card.first().innerText();
	ok(/products/.test(t) && /\["1"\]/.test(t),
		'the conflict shows its table and key', t);
	const name = card.first().locator('tr', { hasText: 'name' });
	is((await name.locator('td.local').innerText()).trim(), 'Pen (e1)',
		'the local version');
	is((await name.locator('td.remote').innerText()).trim(), 'Pen (e2)',
		'the remote version, side by side');
	ok(await name.evaluate((tr) => tr.classList.contains('diff')),
		'the differing column is marked');
	await shot(page, 'dashboard.png', false);
	await shot(page, 'dashboard-full.png');
	await card.first().locator('button', { hasText: 'Use remote' }).click();
	await page.waitForSelector('#notice:not([hidden])');
	ok(/resolved/.test(await text(page, '#notice')),
		'the page says the conflict was resolved');
	const gone = await until(async () =>
		(await page.locator('article.conflict').count()) === 0);
	ok(gone, 'no open conflict is left in the page');
	is(sql('e1', 'SELECT name FROM products WHERE id = 1'), 'Pen (e2)',
		'e1 holds the remote version');
	is(sql('e1', "SELECT CONCAT(status, ' ', resolution) FROM " +
		'_nunez_conflicts'), 'resolved use_remote',
		'the conflict is resolved with use_remote');
	sync('e1');
	sync('e2');
	is(sql('e2', "SELECT CONCAT(name, ' ', price) FROM products WHERE " +
		'id = 1'), 'Pen (e2) 1.75',
		'after a sync the resolution is in e2 as well');
	is(sql('e1', "SELECT CONCAT(name, ' ', price) FROM products WHERE " +
		'id = 1'), 'Pen (e2) 1.75', '... and stays in e1');

	/* The other button: the local version stands and replicates. */
	sql('e1', "UPDATE products SET name = 'Pencil (e1)' WHERE id = 1");
	sql('e2', "UPDATE products SET name = 'Pencil (e2)' WHERE id = 1");
	sync('e1');
	await page.click('#refresh');
	const again = page.locator('article.conflict');
	await again.first().waitFor({ timeout: 10000 });
	await again.first().locator('button', { hasText: 'Use local' }).click();
	ok(await until(async () =>
		(await page.locator('article.conflict').count()) === 0),
		'"Use local": no open conflict is left in the page');
	is(sql('e1', "SELECT CONCAT(status, ' ', resolution) FROM " +
		'_nunez_conflicts ORDER BY id DESC LIMIT 1'), 'resolved use_local',
		'"Use local": the conflict is resolved with use_local');
	sync('e1');
	sync('e2');
	is(sql('e2', 'SELECT name FROM products WHERE id = 1'), 'Pencil (e1)',
		'"Use local": after a sync e2 holds e1\'s version');
	is(sql('e1', 'SELECT name FROM products WHERE id = 1'), 'Pencil (e1)',
		'"Use local": ... and e1 kept it');
}

/* (c) The offline demo: edits made offline reach MariaDB once online; a
 * server change reaches the page. */
async function offlineDemo(browser) {
	const acc = '11111111-1111-4111-8111-111111111111';
	sql('e1', "INSERT INTO accounts (id, tenant_id, name, currency) VALUES " +
		"('" + acc + "', 'demo', 'Server account', 'EUR'), " +
		"('22222222-2222-4222-8222-222222222222', 'other', " +
		"'Another tenant', 'USD')");
	const { context, page } = await newPage(browser);
	await login(page, E1 + '/demo/', env.NR_E1_KEY_CLIENT, 'demo');
	const synced = await until(async () =>
		(await text(page, '#last-sync')) !== 'never', 15000);
	ok(synced, 'the demo synced on start',
		'last error: ' + await text(page, '#last-error'));
	await page.waitForSelector('#accounts tr[data-id="' + acc + '"]',
		{ timeout: 10000 }).catch(() => null);
	ok(await page.locator('#accounts tr[data-id="' + acc + '"]').count() === 1,
		"the tenant's server row is in the page");
	ok(!/Another tenant/.test(await text(page, '#accounts')),
		"another tenant's row is not");
	is(await text(page, '#connection'), 'Online', 'it says online');

	await context.setOffline(true);
	ok(await until(async () => (await text(page, '#connection')) ===
		'Offline'), 'network off: it says offline');
	await page.fill('#account-name', 'Offline savings');
	await page.selectOption('#account-currency', 'CHF');
	await page.click('#account-save');
	await page.waitForSelector('#tx-account option:has-text("Offline savings")',
		{ state: 'attached' });
	await page.selectOption('#tx-account', { label: 'Offline savings' });
	await page.fill('#tx-amount', '42.5');
	await page.fill('#tx-memo', 'deposit made offline');
	await page.fill('#tx-date', '2026-03-04');
	await page.click('#tx-save');
	const row = page.locator('#accounts tr[data-id="' + acc + '"]');
	await row.locator('button', { hasText: 'Edit' }).click();
	await page.fill('#account-name', 'Renamed offline');
	await page.click('#account-save');
	ok(await until(async () => (await text(page, '#queued')) === '3'),
		'three changes queued while offline', await text(page, '#queued'));
	ok(/Offline savings/.test(await text(page, '#accounts')) &&
		/42\.50/.test(await text(page, '#transactions')),
		'the new records are in the page');
	await sleep(1500);
	is(sql('e1', "SELECT COUNT(*) FROM accounts WHERE name = " +
		"'Offline savings'"), '0', 'nothing reached the server while offline');
	await shot(page, 'demo-offline.png');

	await context.setOffline(false);
	ok(await until(async () => (await text(page, '#queued')) === '0', 15000),
		'online again: the queue is sent',
		'last error: ' + await text(page, '#last-error'));
	const arrived = await until(() => sql('e1', "SELECT CONCAT(a.name, ' ', " +
		"a.currency, ' ', a.tenant_id, ' ', t.amount, ' ', t.memo, ' ', " +
		"t.booked_on) FROM accounts a JOIN transactions t ON t.account_id = " +
		"a.id WHERE a.name = 'Offline savings'") ===
		'Offline savings CHF demo 42.50 deposit made offline 2026-03-04');
	ok(arrived, 'the account and transaction made offline are in MariaDB',
		sql('e1', 'SELECT * FROM accounts; SELECT * FROM transactions'));
	is(sql('e1', "SELECT name FROM accounts WHERE id = '" + acc + "'"),
		'Renamed offline', 'the offline edit of a server row too');
	is(await text(page, '#connection'), 'Online', 'it says online');

	const id = sql('e1', "SELECT id FROM accounts WHERE name = " +
		"'Offline savings'");
	sql('e1', "UPDATE accounts SET name = 'Changed on the server' WHERE " +
		"id = '" + id + "'");
	sql('e1', "DELETE FROM transactions WHERE account_id = '" + id + "'");
	ok(await until(async () => /Changed on the server/.test(
		await text(page, '#accounts')), 15000),
		'a row changed on the server appears in the page');
	ok(await until(async () => !/deposit made offline/.test(
		await text(page, '#transactions')), 15000),
		'a row deleted on the server leaves the page');
	await shot(page, 'demo.png');

	const out = sync('e1') + sync('e2');
	const there = sql('e2', "SELECT name FROM accounts WHERE id = '" + id +
		"'") === 'Changed on the server';
	console.log('# sync_multi e1 and e2:\n' + out.replace(/^/gm, '#   '));
	ok(there, 'sync_multi takes the row the client changed to the ' +
		'other environment');
}

async function main() {
	const browser = await chromium.launch({ executablePath: CHROMIUM });
	try {
		const page = await dashboardStatus(browser);
		await dashboardConflict(page);
		await offlineDemo(browser);
	} catch (e) {
		ok(false, 'the browser test ran to its end', e.stack || e.message);
	} finally {
		await browser.close();
	}
}

main().then(() => process.exit(failed ? 1 : 0),
	(e) => { console.log('Bail out! ' + e.message); process.exit(2); });
