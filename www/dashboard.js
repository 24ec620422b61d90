/* The dashboard of one environment: reads nunez-api with a key kept in
 * sessionStorage and shows the node, its remotes, tables, open conflicts
 * (with buttons that resolve them) and the sync log. Every value from the
 * API is put into the page as text, never as markup. */
'use strict';

(function () {
	const KEY = 'nunez.dashboard.key';
	const REFRESH_MS = 5000;
	const LOG_ROWS = 50;
	let timer = null;
	let busy = false;
	let shownConflicts = null;	/* what the conflict cards show */

	const $ = (id) => document.getElementById(id);

	/* A request to this environment's API with the kept key; the parsed
	 * JSON, or an ApiError (api.js). */
	function api(path, options) {
		const opts = options || {};
		return NunezApi.request(sessionStorage.getItem(KEY),
			opts.method || 'GET', path, opts.body);
	}

	const el = NunezApi.el;

	function cell(content, cls) {
		return el('td', cls, content);
	}

	/* "2026-11-22 10:00:00.123456" (UTC, as the API writes times). */
	function when(t) {
		if (t === null || t === undefined || t === '')
			return 'never';
		return String(t).replace(/\.\d+$/, '') + ' UTC';
	}

	function duration(s) {
		if (s === null || s === undefined)
			return '—';
		s = Number(s);
		if (s < 120)
			return s + ' s';
		if (s < 7200)
			return Math.round(s / 60) + ' min';
		if (s < 172800)
			return Math.round(s / 3600) + ' h';
		return Math.round(s / 86400) + ' d';
	}

	function fillBody(table, rows, empty, columns) {
		const tbody = table.tBodies[0];
		tbody.replaceChildren();
		if (rows.length === 0) {
			const td = cell(empty, 'muted');
			td.colSpan = columns;
			tbody.append(el('tr', null, [td]));
			return;
		}
		rows.forEach((r) => tbody.append(r));
	}

	function showError(msg) {
		$('error').textContent = msg || '';
		$('error').hidden = !msg;
	}

	function showNotice(msg) {
		$('notice').textContent = msg || '';
		$('notice').hidden = !msg;
	}

	/* --- rendering */

	function renderStatus(st) {
		$('node').textContent = 'node ' + st.node.id;
		$('mode').textContent = st.mode;
		$('paused').hidden = !st.paused;
		$('database').textContent = 'database ' + st.database;
		$('database').className = 'pill ' + (st.database === 'ok' ? 'good'
			: 'bad');
		document.title = st.node.id + ' · NunezReplication';
	}

	function circuitPill(c) {
		if (!c)
			return el('span', 'pill', 'unknown');
		const p = el('span', 'pill circuit-' + c.state, c.state.replace('_', ' '));
		p.dataset.testid = 'circuit';
		const wrap = el('span', null, [p]);
		if (c.state === 'open')
			wrap.append(el('div', 'muted small', c.failures +
				' failed runs; retried in ' + duration(c.retryInSeconds)));
		else if (c.state === 'half_open')
			wrap.append(el('div', 'muted small', 'the next run tries it'));
		else if (c.failures > 0)
			wrap.append(el('div', 'muted small', c.failures +
				' failed run' + (c.failures > 1 ? 's' : '') + ' in a row'));
		return wrap;
	}

	function renderRemotes(peers) {
		const rows = peers.map((p) => {
			const name = el('div', 'strong', p.name);
			const url = el('div', 'muted small', p.url);
			const errors = el('ul', 'errors');
			(p.recentErrors || []).slice(0, 3).forEach((e) => {
				errors.append(el('li', null, [
					el('span', 'muted small', when(e.at) + ' ' + e.table + ' ' +
						e.direction + ': '),
					el('span', null, e.message || e.status),
				]));
			});
			if ((p.recentErrors || []).length === 0)
				errors.append(el('li', 'muted', 'none'));
			const last = p.lastRun
				? el('span', null, [
					el('span', 'pill ' + (p.lastRun.status === 'ok' ? 'good'
						: 'bad'), p.lastRun.status),
					el('div', 'muted small', when(p.lastRun.at)),
				])
				: el('span', 'muted', 'never');
			const tr = el('tr', p.enabled ? null : 'disabled', [
				cell([name, url]),
				cell(p.syncMode + (p.enabled ? '' : ' (disabled)')),
				cell(when(p.lastSync)),
				cell(p.lastSync ? duration(p.lagSeconds) : '—', 'num'),
				cell([circuitPill(p.circuit)]),
				cell([last]),
				cell([errors]),
			]);
			tr.dataset.remote = p.name;
			return tr;
		});
		fillBody($('remotes'), rows, 'No remote environments configured', 7);
	}

	function renderTables(tables) {
		const rows = tables.map((t) => {
			const tr = el('tr', null, t.error
				? [cell(t.name, 'strong'), cell(t.error, 'error'),
					cell(''), cell(''), cell(t.conflictStrategy), cell('')]
				: [cell(t.name, 'strong'), cell(t.rows, 'num'),
					cell(t.changelogHead, 'num'), cell(when(t.lastChange)),
					cell(t.conflictStrategy + (t.tenantColumn
						? ' · tenant ' + t.tenantColumn : '')),
					cell(t.openConflicts, 'num' + (t.openConflicts > 0
						? ' warn-text' : ''))]);
			tr.dataset.table = t.name;
			return tr;
		});
		fillBody($('tables'), rows, 'No replicated tables', 6);
	}

	function renderLog(log) {
		const rows = log.map((r) => {
			const tr = el('tr', r.status === 'ok' ? null : 'failed', [
				cell(when(r.finished_at)),
				cell(r.peer),
				cell(r.table),
				cell(r.direction),
				cell(r.rows_in, 'num'),
				cell(r.conflicts, 'num'),
				cell([el('span', 'pill ' + (r.status === 'ok' ? 'good' : 'bad'),
					r.status)]),
				cell(r.message || '', 'message'),
			]);
			tr.dataset.logId = r.id;
			return tr;
		});
		fillBody($('log'), rows, 'Nothing synced yet', 8);
	}

	/* A row of the conflict store is JSON text; null for a deleted row. */
	function parseRow(text) {
		if (text === null || text === undefined)
			return null;
		try {
			return JSON.parse(text);
		} catch (e) {
			return { '(unreadable)': String(text) };
		}
	}

	function show(v) {
		if (v === null || v === undefined)
			return el('span', 'muted', 'NULL');
		if (typeof v === 'object' && v.$b64 !== undefined)
			return el('span', 'mono', 'base64 ' + v.$b64);
		return el('span', null, typeof v === 'object' ? JSON.stringify(v)
			: String(v));
	}

	function conflictCard(c) {
		const local = parseRow(c.local_row);
		const remote = parseRow(c.remote_row);
		const cols = [];
		[local, remote].forEach((r) => Object.keys(r || {}).forEach((k) => {
			if (!cols.includes(k))
				cols.push(k);
		}));
		const head = el('tr', null, [
			el('th', null, 'Column'),
			el('th', null, 'Local (' + (c.local_origin || '?') + ', ' +
				when(c.local_ts) + ')'),
			el('th', null, 'Remote (' + (c.remote_origin || c.peer) + ', ' +
				when(c.remote_ts) + ')'),
		]);
		const body = el('tbody');
		if (local === null || remote === null) {
			body.append(el('tr', 'diff', [
				cell('(row)', 'strong'),
				cell(local === null ? 'deleted' : 'present', 'local'),
				cell(remote === null ? 'deleted' : 'present', 'remote'),
			]));
		}
		cols.forEach((k) => {
			const a = local ? local[k] : undefined;
			const b = remote ? remote[k] : undefined;
			const same = JSON.stringify(a) === JSON.stringify(b);
			body.append(el('tr', same ? null : 'diff', [
				cell(k, 'strong'),
				cell([local ? show(a) : el('span', 'muted', '—')], 'local'),
				cell([remote ? show(b) : el('span', 'muted', '—')], 'remote'),
			]));
		});
		const table = el('table', 'versions', [el('thead', null, [head]), body]);
		const useLocal = el('button', 'resolve', 'Use local');
		const useRemote = el('button', 'resolve', 'Use remote');
		useLocal.type = useRemote.type = 'button';
		useLocal.dataset.resolution = 'use_local';
		useRemote.dataset.resolution = 'use_remote';
		const card = el('article', 'conflict', [
			el('h3', null, [
				el('span', null, 'Conflict #' + c.id + ' in '),
				el('span', 'strong', c.tbl),
				el('span', null, ' key '),
				el('code', null, c.pk),
			]),
			el('p', 'muted small', 'with ' + c.peer + ' · strategy ' +
				c.strategy + ' · found ' + when(c.created_at)),
			table,
			el('div', 'actions', [useLocal, useRemote]),
		]);
		card.dataset.conflictId = c.id;
		[useLocal, useRemote].forEach((b) => b.addEventListener('click',
			() => resolve(c, b.dataset.resolution, card)));
		return card;
	}

	/* Cards are replaced only when the conflicts changed, so a refresh
	 * never takes a button away from under the pointer. */
	function renderConflicts(list) {
		const box = $('conflicts');
		const sig = JSON.stringify(list);
		if (sig === shownConflicts)
			return;
		shownConflicts = sig;
		box.replaceChildren();
		$('conflict-count').textContent = String(list.length);
		if (list.length === 0) {
			box.append(el('p', 'muted', 'No open conflicts'));
			return;
		}
		list.forEach((c) => box.append(conflictCard(c)));
	}

	/* --- actions */

	async function resolve(c, resolution, card) {
		card.querySelectorAll('button').forEach((b) => { b.disabled = true; });
		busy = true;
		try {
			await api('/api/replication/conflicts/' + encodeURIComponent(c.id) +
				'/resolve', { method: 'POST', body: { resolution: resolution } });
			showNotice('Conflict #' + c.id + ' resolved with ' +
				(resolution === 'use_local' ? 'the local' : 'the remote') +
				' version; the resolution replicates with the next sync.');
			showError('');
		} catch (e) {
			showError('Conflict #' + c.id + ' was not resolved: ' + e.message);
			card.querySelectorAll('button').forEach((b) => { b.disabled = false; });
		} finally {
			busy = false;
		}
		await refresh();
	}

	async function refresh() {
		if (busy || !sessionStorage.getItem(KEY))
			return;
		busy = true;
		try {
			const [st, peers, tables, log, conflicts] = await Promise.all([
				api('/api/status'),
				api('/api/replication/peers'),
				api('/api/replication/tables'),
				api('/api/replication/log?limit=' + LOG_ROWS),
				api('/api/replication/conflicts?status=open'),
			]);
			renderStatus(st);
			renderRemotes(peers.peers);
			renderTables(tables.tables);
			renderLog(log.log);
			renderConflicts(conflicts.conflicts);
			$('refreshed').textContent = 'updated ' +
				new Date().toLocaleTimeString();
			showError('');
			document.body.dataset.loaded = 'true';
		} catch (e) {
			if (e.status === 401) {
				logout('The key was refused: ' + e.message);
			} else if (e.status === 403) {
				showError('This key lacks a scope the dashboard needs (read ' +
					'and admin): ' + e.message);
			} else {
				showError('Cannot read the API: ' + e.message);
			}
		} finally {
			busy = false;
		}
	}

	function start() {
		$('login').hidden = true;
		$('board').hidden = false;
		$('refresh').hidden = false;
		$('forget').hidden = false;
		refresh();
		if (timer === null)
			timer = setInterval(refresh, REFRESH_MS);
	}

	function logout(message) {
		sessionStorage.removeItem(KEY);
		if (timer !== null)
			clearInterval(timer);
		timer = null;
		$('board').hidden = true;
		$('refresh').hidden = true;
		$('forget').hidden = true;
		$('login').hidden = false;
		$('login-error').textContent = message || '';
		$('key').value = '';
		$('key').focus();
	}

	document.addEventListener('DOMContentLoaded', () => {
		$('key-form').addEventListener('submit', (ev) => {
			ev.preventDefault();
			const k = $('key').value.trim();
			if (k === '')
				return;
			sessionStorage.setItem(KEY, k);
			$('key').value = '';
			$('login-error').textContent = '';
			start();
		});
		$('refresh').addEventListener('click', refresh);
		$('forget').addEventListener('click', () => logout(''));
		if (sessionStorage.getItem(KEY))
			start();
		else
			logout('');
	});
})();
