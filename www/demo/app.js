/* The offline-first demo client: one tenant's accounts and transactions
 * kept in IndexedDB. Every edit is written locally and queued; while the
 * page is online it posts the queue to POST /sync/changes, takes the
 * server's row for each change that lost, and reads the tenant's changes
 * with GET /sync/changes/{tenant} from its cursor. The first start copies
 * the tenant with GET /sync/initial/{tenant}. */
'use strict';

(function () {
	const KEY = 'nunez.demo.key';
	const TENANT = 'nunez.demo.tenant';
	const SYNC_MS = 3000;
	const PUSH_BATCH = 500;
	const TABLES = {
		accounts: ['id', 'tenant_id', 'name', 'currency'],
		transactions: ['id', 'tenant_id', 'account_id', 'amount', 'memo',
			'booked_on'],
	};

	const state = {
		db: null,
		tenant: null,
		clientId: null,
		online: navigator.onLine,
		syncing: false,
		again: false,
		timer: null,
		lastError: null,
	};

	const $ = (id) => document.getElementById(id);

	function uuid() {
		if (crypto.randomUUID)
			return crypto.randomUUID();
		/* Pages not served from a secure origin have no randomUUID. */
		const b = crypto.getRandomValues(new Uint8Array(16));
		b[6] = (b[6] & 0x0f) | 0x40;
		b[8] = (b[8] & 0x3f) | 0x80;
		const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
		return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) +
			'-' + h.slice(16, 20) + '-' + h.slice(20);
	}

	/* --- IndexedDB */

	function req(r) {
		return new Promise((resolve, reject) => {
			r.onsuccess = () => resolve(r.result);
			r.onerror = () => reject(r.error);
		});
	}

	function openDb(tenant) {
		const r = indexedDB.open('nunez-demo:' + tenant, 1);
		r.onupgradeneeded = () => {
			const db = r.result;
			db.createObjectStore('accounts', { keyPath: 'id' });
			db.createObjectStore('transactions', { keyPath: 'id' });
			db.createObjectStore('queue', { keyPath: 'seq', autoIncrement: true });
			db.createObjectStore('meta', { keyPath: 'name' });
		};
		return req(r);
	}

	/* Runs fn(stores) in one transaction over names; resolves with fn's
	 * result once the transaction has committed. fn may await requests
	 * of the transaction, nothing else. */
	function tx(names, mode, fn) {
		return new Promise((resolve, reject) => {
			const t = state.db.transaction(names, mode);
			const stores = {};
			let result;
			names.forEach((n) => { stores[n] = t.objectStore(n); });
			t.oncomplete = () => resolve(result);
			t.onerror = () => reject(t.error);
			t.onabort = () => reject(t.error || new Error('aborted'));
			Promise.resolve(fn(stores)).then((r) => { result = r; },
				(e) => { try { t.abort(); } catch (x) { /* done */ } reject(e); });
		});
	}

	async function getMeta(name) {
		const r = await tx(['meta'], 'readonly',
			(s) => req(s.meta.get(name)));
		return r ? r.value : null;
	}

	function putMeta(store, name, value) {
		return req(store.put({ name: name, value: value }));
	}

	/* --- the API */

	/* A request with the kept key; the parsed JSON, or an ApiError
	 * (api.js; code "network" when offline). */
	function api(method, path, body) {
		return NunezApi.request(sessionStorage.getItem(KEY), method, path,
			body);
	}

	function tenantPath(what) {
		return '/sync/' + what + '/' + encodeURIComponent(state.tenant);
	}

	/* --- sync */

	/* The keys (table + id) of queued changes. */
	async function pendingKeys(stores) {
		const q = await req(stores.queue.getAll());
		return new Set(q.map((c) => c.table + '/' + c.row.id));
	}

	/* The first start: the tenant's rows, page by page, replace the local
	 * copy; changes queued meanwhile are laid over them again. */
	async function initial() {
		const rows = [];
		let page = null;
		let cursor = null;
		for (;;) {
			const q = '?limit=1000' + (page ? '&page=' +
				encodeURIComponent(page) : '');
			const r = await api('GET', tenantPath('initial') + q);
			r.rows.forEach((x) => rows.push(x));
			cursor = r.cursor || cursor;
			if (!r.has_more || !r.next_page)
				break;
			page = r.next_page;
		}
		await tx(['accounts', 'transactions', 'queue', 'meta'], 'readwrite',
			async (s) => {
				await req(s.accounts.clear());
				await req(s.transactions.clear());
				for (const x of rows)
					if (TABLES[x.table])
						await req(s[x.table].put(x.row));
				const queued = await req(s.queue.getAll());
				for (const c of queued)
					if (c.op === 'delete')
						await req(s[c.table].delete(c.row.id));
					else
						await req(s[c.table].put(c.row));
				await putMeta(s.meta, 'cursor', cursor);
				await putMeta(s.meta, 'initialDone', true);
			});
	}

	/* Sends the queue (in batches); each change that lost or conflicted
	 * gives its local copy the server's row. */
	async function push() {
		for (let round = 0; round < 20; round++) {
			const queued = await tx(['queue'], 'readonly',
				(s) => req(s.queue.getAll()));
			if (queued.length === 0)
				return;
			const batch = queued.slice(0, PUSH_BATCH);
			let r;
			try {
				r = await api('POST', '/sync/changes', {
					client_id: state.clientId,
					cursor: (await getMeta('cursor')) || undefined,
					changes: batch.map((c) => ({
						client_change_id: c.client_change_id,
						table: c.table,
						op: c.op,
						row: c.row,
						updated_at: c.updated_at,
					})),
				});
			} catch (e) {
				const m = /changes\[(\d+)\]/.exec(e.message || '');
				if (e.status >= 400 && e.status < 500 && e.status !== 401 &&
				    m && batch[Number(m[1])]) {
					/* One change the server will never take: dropped,
					 * so the rest of the queue is not held up. */
					const bad = batch[Number(m[1])];
					await tx(['queue'], 'readwrite',
						(s) => req(s.queue.delete(bad.seq)));
					state.lastError = 'a change of ' + bad.table +
						' was refused and dropped: ' + e.message;
					continue;
				}
				throw e;
			}
			await applyResults(batch, r.results || []);
		}
	}

	async function applyResults(batch, results) {
		const byId = new Map(batch.map((c) => [c.client_change_id, c]));
		await tx(['accounts', 'transactions', 'queue'], 'readwrite',
			async (s) => {
				for (const res of results) {
					const c = byId.get(res.client_change_id);
					if (!c)
						continue;
					await req(s.queue.delete(c.seq));
					byId.delete(res.client_change_id);
				}
				/* A change with no result stays queued. */
				const pending = await pendingKeys(s);
				for (const res of results) {
					const table = res.table;
					if (!TABLES[table] || res.row === undefined)
						continue;
					const sent = batch.find((c) =>
						c.client_change_id === res.client_change_id);
					const id = res.row ? res.row.id : sent && sent.row.id;
					if (!id || pending.has(table + '/' + id))
						continue;
					if (res.row === null) {
						if (res.status === 'rejected' ||
						    res.status === 'conflict')
							await req(s[table].delete(id));
					} else {
						await req(s[table].put(res.row));
					}
				}
			});
	}

	/* Reads the tenant's changes since the cursor, page by page; a row
	 * with a queued change keeps its local version until that is sent. */
	async function pull() {
		for (;;) {
			const cursor = await getMeta('cursor');
			const r = await api('GET', tenantPath('changes') + '?since=' +
				encodeURIComponent(cursor || '') + '&client_id=' +
				encodeURIComponent(state.clientId) + '&limit=500');
			await tx(['accounts', 'transactions', 'queue', 'meta'],
				'readwrite', async (s) => {
					const pending = await pendingKeys(s);
					for (const c of r.changes || []) {
						if (!TABLES[c.table])
							continue;
						const id = c.op === 'delete'
							? (c.key || c.row || {}).id : c.row.id;
						if (id === undefined ||
						    pending.has(c.table + '/' + id))
							continue;
						if (c.op === 'delete')
							await req(s[c.table].delete(id));
						else
							await req(s[c.table].put(c.row));
					}
					await putMeta(s.meta, 'cursor', r.next_cursor);
				});
			if (!r.has_more)
				return;
		}
	}

	async function syncOnce() {
		if (state.syncing) {
			state.again = true;
			return;
		}
		if (!navigator.onLine) {
			state.online = false;
			await render();
			return;
		}
		state.syncing = true;
		try {
			if (!(await getMeta('initialDone')))
				await initial();
			await push();
			await pull();
			state.online = true;
			if (state.lastError && !/dropped/.test(state.lastError))
				state.lastError = null;
			await tx(['meta'], 'readwrite', (s) =>
				putMeta(s.meta, 'lastSync', new Date().toISOString()));
		} catch (e) {
			if (e.status === 0) {
				state.online = false;
			} else if (e.status === 401 || e.code === 'tenant_forbidden') {
				logout('The key was refused: ' + e.message);
				return;
			} else {
				state.online = true;
				state.lastError = e.message;
				if (e.code === 'bad_cursor' || e.code === 'cursor_expired' ||
				    e.code === 'cursor_stale')
					await tx(['meta'], 'readwrite', (s) =>
						putMeta(s.meta, 'initialDone', false));
			}
		} finally {
			state.syncing = false;
		}
		await render();
		if (state.again) {
			state.again = false;
			setTimeout(syncOnce, 0);
		}
	}

	/* --- local edits */

	function clean(table, row) {
		const out = {};
		TABLES[table].forEach((c) => { out[c] = row[c]; });
		out.tenant_id = state.tenant;
		return out;
	}

	/* Writes the change locally and queues it in one transaction. */
	async function change(table, op, row) {
		const c = {
			client_change_id: uuid(),
			table: table,
			op: op,
			row: op === 'delete' ? { id: row.id } : clean(table, row),
			updated_at: new Date().toISOString(),
		};
		await tx([table, 'queue'], 'readwrite', async (s) => {
			if (op === 'delete')
				await req(s[table].delete(row.id));
			else
				await req(s[table].put(Object.assign({}, c.row,
					{ updated_at: c.updated_at })));
			await req(s.queue.add(c));
		});
	}

	/* --- rendering */

	const el = NunezApi.el;

	function button(text, cls, fn) {
		const b = el('button', cls, text);
		b.type = 'button';
		b.addEventListener('click', fn);
		return b;
	}

	function money(n) {
		return (Math.round(n * 100) / 100).toFixed(2);
	}

	function fillBody(table, rows, empty, columns) {
		const tbody = table.tBodies[0];
		tbody.replaceChildren();
		if (rows.length === 0) {
			const td = el('td', 'muted', empty);
			td.colSpan = columns;
			tbody.append(el('tr', null, [td]));
			return;
		}
		rows.forEach((r) => tbody.append(r));
	}

	async function render() {
		if (!state.db)
			return;
		const data = await tx(['accounts', 'transactions', 'queue', 'meta'],
			'readonly', async (s) => ({
				accounts: await req(s.accounts.getAll()),
				transactions: await req(s.transactions.getAll()),
				queue: await req(s.queue.getAll()),
				lastSync: await req(s.meta.get('lastSync')),
			}));
		const pending = new Set(data.queue.map((c) => c.table + '/' + c.row.id));
		const online = state.online && navigator.onLine;
		$('connection').textContent = online ? 'Online' : 'Offline';
		$('connection').className = 'value ' + (online ? 'online' : 'offline');
		$('queued').textContent = String(data.queue.length);
		$('last-sync').textContent = data.lastSync
			? new Date(data.lastSync.value).toLocaleString() : 'never';
		$('last-error').textContent = state.lastError || 'none';
		$('last-error').className = 'value' + (state.lastError ? ' error' : '');

		const accounts = data.accounts.slice().sort((a, b) =>
			a.name.localeCompare(b.name));
		const names = new Map(accounts.map((a) => [a.id, a.name]));
		const balance = new Map();
		data.transactions.forEach((t) => balance.set(t.account_id,
			(balance.get(t.account_id) || 0) + Number(t.amount)));

		fillBody($('accounts'), accounts.map((a) => {
			const tr = el('tr', pending.has('accounts/' + a.id) ? 'pending'
				: null, [
				el('td', 'strong', a.name),
				el('td', null, a.currency),
				el('td', 'num', money(balance.get(a.id) || 0)),
				el('td', 'actions-cell', [
					button('Edit', null, () => editAccount(a)),
					button('Delete', 'danger', () => deleteAccount(a, data)),
				]),
			]);
			tr.dataset.id = a.id;
			return tr;
		}), 'No accounts yet', 4);

		const txs = data.transactions.slice().sort((a, b) =>
			String(b.booked_on).localeCompare(String(a.booked_on)) ||
			String(a.id).localeCompare(String(b.id)));
		fillBody($('transactions'), txs.map((t) => {
			const tr = el('tr', pending.has('transactions/' + t.id)
				? 'pending' : null, [
				el('td', null, t.booked_on),
				el('td', null, names.get(t.account_id) || '(unknown account)'),
				el('td', null, t.memo),
				el('td', 'num', money(Number(t.amount))),
				el('td', 'actions-cell', [
					button('Edit', null, () => editTx(t)),
					button('Delete', 'danger', () => deleteTx(t)),
				]),
			]);
			tr.dataset.id = t.id;
			return tr;
		}), 'No transactions yet', 5);

		const sel = $('tx-account');
		const chosen = sel.value;
		sel.replaceChildren(...accounts.map((a) => {
			const o = el('option', null, a.name);
			o.value = a.id;
			return o;
		}));
		if (chosen && names.has(chosen))
			sel.value = chosen;
	}

	/* --- forms */

	function resetAccountForm() {
		$('account-id').value = '';
		$('account-name').value = '';
		$('account-currency').value = 'EUR';
		$('account-form-title').textContent = 'New account';
		$('account-save').textContent = 'Add account';
		$('account-cancel').hidden = true;
	}

	function editAccount(a) {
		$('account-id').value = a.id;
		$('account-name').value = a.name;
		$('account-currency').value = a.currency;
		$('account-form-title').textContent = 'Edit account';
		$('account-save').textContent = 'Save account';
		$('account-cancel').hidden = false;
		$('account-name').focus();
	}

	async function deleteAccount(a, data) {
		/* Its transactions go with it. */
		for (const t of data.transactions)
			if (t.account_id === a.id)
				await change('transactions', 'delete', t);
		await change('accounts', 'delete', a);
		await afterEdit();
	}

	function resetTxForm() {
		$('tx-id').value = '';
		$('tx-amount').value = '';
		$('tx-memo').value = '';
		$('tx-date').value = new Date().toISOString().slice(0, 10);
		$('tx-form-title').textContent = 'New transaction';
		$('tx-save').textContent = 'Add transaction';
		$('tx-cancel').hidden = true;
	}

	function editTx(t) {
		$('tx-id').value = t.id;
		$('tx-account').value = t.account_id;
		$('tx-date').value = t.booked_on;
		$('tx-amount').value = money(Number(t.amount));
		$('tx-memo').value = t.memo;
		$('tx-form-title').textContent = 'Edit transaction';
		$('tx-save').textContent = 'Save transaction';
		$('tx-cancel').hidden = false;
	}

	async function deleteTx(t) {
		await change('transactions', 'delete', t);
		await afterEdit();
	}

	async function afterEdit() {
		await render();
		syncOnce();
	}

	/* --- start */

	async function start() {
		state.tenant = sessionStorage.getItem(TENANT);
		$('login').hidden = true;
		$('app').hidden = false;
		$('forget').hidden = false;
		$('tenant-name').hidden = false;
		$('tenant-name').textContent = 'tenant ' + state.tenant;
		state.db = await openDb(state.tenant);
		state.clientId = await getMeta('clientId');
		if (!state.clientId) {
			state.clientId = 'web-' + uuid();
			await tx(['meta'], 'readwrite',
				(s) => putMeta(s.meta, 'clientId', state.clientId));
		}
		resetAccountForm();
		resetTxForm();
		await render();
		await syncOnce();
		if (state.timer === null)
			state.timer = setInterval(() => {
				if (navigator.onLine)
					syncOnce();
			}, SYNC_MS);
	}

	function logout(message) {
		sessionStorage.removeItem(KEY);
		if (state.timer !== null)
			clearInterval(state.timer);
		state.timer = null;
		if (state.db)
			state.db.close();
		state.db = null;
		$('app').hidden = true;
		$('forget').hidden = true;
		$('tenant-name').hidden = true;
		$('login').hidden = false;
		$('login-error').textContent = message || '';
		$('tenant').value = sessionStorage.getItem(TENANT) || 'demo';
	}

	document.addEventListener('DOMContentLoaded', () => {
		$('key-form').addEventListener('submit', (ev) => {
			ev.preventDefault();
			sessionStorage.setItem(KEY, $('key').value.trim());
			sessionStorage.setItem(TENANT, $('tenant').value.trim());
			$('key').value = '';
			$('login-error').textContent = '';
			start();
		});
		$('forget').addEventListener('click', () => logout(''));
		$('sync-now').addEventListener('click', () => syncOnce());
		$('reset').addEventListener('click', async () => {
			/* Forgets the local copy and the queue; the next sync
			 * copies the tenant again. */
			await tx(['accounts', 'transactions', 'queue', 'meta'],
				'readwrite', async (s) => {
					await req(s.accounts.clear());
					await req(s.transactions.clear());
					await req(s.queue.clear());
					await putMeta(s.meta, 'initialDone', false);
					await putMeta(s.meta, 'cursor', null);
				});
			await afterEdit();
		});
		$('account-form').addEventListener('submit', async (ev) => {
			ev.preventDefault();
			const id = $('account-id').value || uuid();
			await change('accounts', 'upsert', {
				id: id,
				name: $('account-name').value.trim(),
				currency: $('account-currency').value,
			});
			resetAccountForm();
			await afterEdit();
		});
		$('account-cancel').addEventListener('click', resetAccountForm);
		$('tx-form').addEventListener('submit', async (ev) => {
			ev.preventDefault();
			const id = $('tx-id').value || uuid();
			await change('transactions', 'upsert', {
				id: id,
				account_id: $('tx-account').value,
				amount: money(Number($('tx-amount').value)),
				memo: $('tx-memo').value.trim(),
				booked_on: $('tx-date').value,
			});
			resetTxForm();
			await afterEdit();
		});
		$('tx-cancel').addEventListener('click', resetTxForm);
		window.addEventListener('online', () => {
			state.online = true;
			syncOnce();
		});
		window.addEventListener('offline', () => {
			state.online = false;
			render();
		});
		if (sessionStorage.getItem(KEY) && sessionStorage.getItem(TENANT))
			start();
		else
			logout('');
	});
})();
