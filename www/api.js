/* What the pages of www/ share: the one way they call nunez-api (JSON
 * in and out, the key in X-API-Key, every failure an ApiError with the
 * answer's error code and message, code "network" when the server
 * cannot be reached), and el(), which builds an element from text. */
'use strict';

const NunezApi = (function () {
	class ApiError extends Error {
		constructor(status, code, message) {
			super(message);
			this.status = status;
			this.code = code;
		}
	}

	/* The parsed answer of METHOD path (with body as JSON, if given). */
	async function request(key, method, path, body) {
		const headers = { 'X-API-Key': key || '' };
		if (body !== undefined)
			headers['Content-Type'] = 'application/json';
		let res;
		try {
			res = await fetch(path, {
				method: method,
				headers: headers,
				body: body === undefined ? undefined : JSON.stringify(body),
				cache: 'no-store',
			});
		} catch (e) {
			throw new ApiError(0, 'network', 'the server cannot be reached');
		}
		let json = null;
		try {
			json = await res.json();
		} catch (e) {
			json = null;
		}
		if (!res.ok || json === null || json.success === false) {
			const err = json && json.error ? json.error : {};
			throw new ApiError(res.status, err.code || 'http_' + res.status,
				err.message || 'HTTP ' + res.status);
		}
		return json;
	}

	/* An element with a class and text (or children); values go in as
	 * text, never as markup. */
	function el(tag, cls, content) {
		const e = document.createElement(tag);
		if (cls)
			e.className = cls;
		if (Array.isArray(content))
			content.forEach((c) => c && e.append(c));
		else if (content !== undefined && content !== null)
			e.textContent = String(content);
		return e;
	}

	return { ApiError: ApiError, request: request, el: el };
})();
