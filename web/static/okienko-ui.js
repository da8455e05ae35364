// The pieces every script page of the office shares (the clerk's page, the
// administrator's panel, the kiosk): finding and making elements, the
// messages of a page in its language, and the API client with its
// problem+json errors. An ES module: the pages import what they use.
//
// Messages: a page's MESSAGES maps a language to a dictionary whose values
// are strings with {placeholders} or, for counts, objects of plural forms
// keyed by Intl.PluralRules categories (chosen by params.n). A key missing
// in a language falls back to Polish, a key missing everywhere is shown as
// itself.

// $ is the element with the id.
export const $ = (id) => document.getElementById(id);

// el makes an element: props class, text, on ({event: handler}), data-*,
// aria-*, for, scope, inputmode and role become attributes, anything else a
// property (null and undefined props are left out); children are appended,
// null, undefined and false left out.
export function el(tag, props, ...children) {
  const e = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === undefined || v === null) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k === 'on') for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
      else if (k.startsWith('data-') || k.startsWith('aria-') || k === 'for' || k === 'scope' || k === 'inputmode' || k === 'role') e.setAttribute(k, v);
      else e[k] = v;
    }
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

// ---- Messages ---------------------------------------------------------------

// pageLanguage is the language the server rendered the page in (<html
// lang>, from ?lang=, the lang cookie or Accept-Language) where messages
// has it, else Polish.
export function pageLanguage(messages) {
  const l = document.documentElement.lang;
  return l && messages[l] ? l : 'pl';
}

// addPageMessages puts the dictionary the server sent with the page (the
// JSON in <script type="application/json" id="messages">, the page's
// language's translations from /static/i18n/) into messages under the
// page's language; the entries already there win. It returns messages.
export function addPageMessages(messages) {
  const node = document.getElementById('messages');
  const l = document.documentElement.lang;
  if (!node || !l || l === 'pl') return messages;
  let dict = null;
  try {
    dict = JSON.parse(node.textContent);
  } catch (e) {
    console.error('messages', e);
  }
  if (dict && typeof dict === 'object') messages[l] = Object.assign(dict, messages[l] || {});
  return messages;
}

const pluralRules = new Map();
function pluralOf(lang) {
  if (!pluralRules.has(lang)) pluralRules.set(lang, new Intl.PluralRules(lang));
  return pluralRules.get(lang);
}

// fill puts params into a message's {placeholders}; a placeholder without
// a param stays as it is.
export function fill(message, params) {
  return message.replace(/\{(\w+)\}/g, (all, name) => (params && params[name] !== undefined ? String(params[name]) : all));
}

// translator answers t(key, params) for messages in lang, a language code
// or a function answering the current one (a page that switches languages
// without reloading).
export function translator(messages, lang) {
  const current = typeof lang === 'function' ? lang : () => lang;
  return function t(key, params) {
    const l = current();
    let m = messages[l] && messages[l][key];
    if (m === undefined) m = messages.pl[key];
    if (m === undefined) return key;
    if (typeof m === 'object') {
      const n = params && params.n;
      m = m[pluralOf(l).select(typeof n === 'number' ? n : Number(n === undefined ? 0 : n))] || m.other;
    }
    return fill(m, params);
  };
}

// applyMessages writes the messages named by data-i18n (text) and
// data-i18n-label (aria-label) of every element in root.
export function applyMessages(root, t) {
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll('[data-i18n-label]')) node.setAttribute('aria-label', t(node.dataset.i18nLabel));
}

// keepPlaceOnLanguageSwitch makes the language links in root (rendered by
// the server with ?lang=) keep the page's #section when followed.
export function keepPlaceOnLanguageSwitch(root) {
  if (!root) return;
  for (const a of root.querySelectorAll('a[hreflang]')) {
    a.addEventListener('click', () => {
      const u = new URL(a.href, location.href);
      u.hash = location.hash;
      a.href = u.pathname + u.search + u.hash;
    });
  }
}

// signInError returns the message key telling why a sign-in through the
// office's provider failed ('oidc.REASON': the server's redirect back to the
// page adds ?signin_error=REASON), or '' when it didn't. It takes the reason
// off the address, so a reload or a bookmark doesn't tell it again.
const SIGNIN_ERRORS = ['expired', 'failed', 'unavailable', 'forbidden', 'taken'];
export function signInError() {
  const u = new URL(location.href);
  const reason = u.searchParams.get('signin_error');
  if (reason === null) return '';
  u.searchParams.delete('signin_error');
  history.replaceState(history.state, '', u.pathname + u.search + u.hash);
  return 'oidc.' + (SIGNIN_ERRORS.includes(reason) ? reason : 'failed');
}

// ---- HTTP -------------------------------------------------------------------

// ApiError is a failed API request: status (0 when there was no answer),
// the message to show, the problem+json body ({} when there was none) and
// the Retry-After header.
export class ApiError extends Error {
  constructor(status, message, problem, retryAfter) {
    super(message);
    this.status = status;
    this.problem = problem || {};
    this.retryAfter = retryAfter === undefined ? null : retryAfter;
  }
}

// apiClient answers api(method, path, body, ...extra): it sends body as
// JSON (a FormData as it is), decodes a JSON answer (null for 204 or none)
// and throws ApiError on failure. Options:
//   credentials      fetch's credentials ('same-origin')
//   headers(method, ...extra)   more request headers (CSRF token, bearer)
//   networkMessage() the message of a request that got no answer
//   message(status, problem)    the message of a failed answer (default:
//                    the problem's detail or title)
//   failed(status, ...extra)    called before a failed answer is thrown
export function apiClient(opts) {
  const o = opts || {};
  return async function api(method, path, body, ...extra) {
    const headers = Object.assign({ Accept: 'application/json' }, o.headers ? o.headers(method, ...extra) : null);
    const upload = typeof FormData !== 'undefined' && body instanceof FormData; // the browser sets its Content-Type
    if (body !== undefined && !upload) headers['Content-Type'] = 'application/json';
    let resp;
    try {
      resp = await fetch(path, {
        method, headers, credentials: o.credentials || 'same-origin', cache: 'no-store',
        body: body === undefined || upload ? body : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiError(0, o.networkMessage ? o.networkMessage() : 'network', null, null);
    }
    if (resp.status === 204) return null;
    let data = null;
    if ((resp.headers.get('Content-Type') || '').includes('json')) data = await resp.json().catch(() => null);
    if (!resp.ok) {
      const message = o.message ? o.message(resp.status, data) : ((data && (data.detail || data.title)) || 'HTTP ' + resp.status);
      const err = new ApiError(resp.status, message, data, resp.headers.get('Retry-After'));
      if (o.failed) o.failed(resp.status, ...extra);
      throw err;
    }
    return data;
  };
}
