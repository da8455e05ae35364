// The clerk's page: sign in, choose a counter, call and serve tickets.
// Every text the page shows is in MESSAGES; a language is added by adding a
// dictionary with the same keys (the template's data-i18n attributes name
// them too). A value is a string with {placeholders}, or, for counts, an
// object of plural forms keyed by Intl.PluralRules categories. English and
// Ukrainian are in /static/i18n/clerk.{en,uk}.json: the server puts the
// page's language's dictionary into the page (see okienko-ui.js).
'use strict';

import * as ui from './okienko-ui.js';

const MESSAGES = {
  pl: {
    'page.title': 'Stanowisko urzędnika — Okienko',
    'page.heading': 'Stanowisko urzędnika',
    'page.skip': 'Przejdź do treści',
    'page.loading': 'Wczytywanie…',
    'page.noscript': 'Ta strona wymaga JavaScriptu.',
    'who.signedInAs': 'Zalogowano jako',
    'who.signOut': 'Wyloguj',

    'signin.heading': 'Logowanie',
    'signin.username': 'Nazwa użytkownika',
    'signin.password': 'Hasło',
    'signin.submit': 'Zaloguj się',
    'signin.usernameRequired': 'Podaj nazwę użytkownika.',
    'signin.passwordRequired': 'Podaj hasło.',
    'signin.failed': 'Nieprawidłowa nazwa użytkownika lub hasło.',
    'signin.tooMany': 'Zbyt wiele nieudanych prób logowania. Spróbuj ponownie za {minutes} min.',
    'signin.expired': 'Sesja wygasła. Zaloguj się ponownie.',
    'signin.signedOut': 'Wylogowano.',

    'counters.heading': 'Wybierz stanowisko',
    'counters.legend': 'Stanowisko',
    'counters.none': 'Nie ma żadnych stanowisk.',
    'counters.services': 'Sprawy obsługiwane dziś',
    'counters.open': 'Otwórz stanowisko',
    'counters.free': 'wolne',
    'counters.mine': 'Twoje stanowisko',
    'counters.heldBy': 'zajęte: {user}',
    'counters.pausedBy': 'przerwa: {user}',
    'counters.chooseServices': 'Zaznacz co najmniej jedną sprawę.',
    'counters.opened': 'Otwarto {counter}.',

    'work.status': 'Stan:',
    'status.open': 'otwarte',
    'status.paused': 'przerwa',
    'status.closed': 'zamknięte',

    'current.heading': 'Obecny klient',
    'current.none': 'Nikt nie jest wezwany.',
    'current.state': 'Stan',
    'current.waited': 'Czas oczekiwania',
    'current.recalls': 'Wezwania ponowne',
    'current.booking': 'Rezerwacja',
    'current.bookingText': '{name}, PESEL …{pesel}, godz. {time}',

    'ticket.waiting': 'czeka',
    'ticket.called': 'wezwany — czeka na podejście',
    'ticket.serving': 'w obsłudze',
    'ticket.done': 'zakończony',
    'ticket.no_show': 'nieobecny',
    'ticket.expired': 'wygasły',
    'ticket.minutes': '{n} min',
    'ticket.priority': 'pierwszeństwo',
    'ticket.booking': 'rezerwacja',
    'ticket.remote': 'kolejka zdalna',
    'ticket.arrived': 'na miejscu',
    'ticket.notArrived': 'jeszcze nie na miejscu',
    'ticket.awaitsArrival': 'jeszcze nie na miejscu — wywołanie po przybyciu',

    'actions.heading': 'Czynności',
    'actions.next': 'Następny',
    'actions.recall': 'Wezwij ponownie',
    'actions.start': 'Rozpocznij',
    'actions.finish': 'Zakończ',
    'actions.noShow': 'Nieobecny',
    'actions.transfer': 'Przekaż',
    'actions.outcome': 'Notatka do zakończenia (nieobowiązkowa)',
    'actions.shortcutsHint': 'Skróty klawiszowe działają, gdy kursor nie jest w polu tekstowym.',
    'actions.return': 'Zwróć do kolejki',
    'actions.reprint': 'Drukuj bilet ponownie',
    'actions.pause': 'Przerwa',
    'actions.resume': 'Wznów',
    'actions.close': 'Zamknij stanowisko',

    'today.heading': 'Twoje bilety dzisiaj',
    'today.called': 'Wezwani',
    'today.served': 'Obsłużeni',
    'today.noShow': 'Nieobecni',

    'waiting.heading': 'Oczekujący',
    'waiting.none': 'Nikt nie czeka.',
    'waiting.caption': 'Bilety oczekujące na sprawy tego stanowiska, w kolejności wzywania',
    'waiting.number': 'Numer',
    'waiting.service': 'Sprawa',
    'waiting.time': 'Czeka',
    'waiting.action': 'Czynność',
    'waiting.call': 'Wezwij',
    'waiting.callLabel': 'Wezwij {number}',
    'waiting.count': { one: '{n} osoba', few: '{n} osoby', many: '{n} osób', other: '{n} osoby' },
    'waiting.refreshed': 'Odświeżono o {time}.',

    'transfer.heading': 'Przekaż do innej sprawy',
    'transfer.help': 'Bilet wróci do kolejki wybranej sprawy i zachowa swoje miejsce.',
    'transfer.cancel': 'Anuluj',
    'transfer.currentService': '{service} (obecna sprawa)',

    'notice.called': 'Wezwano {number}.',
    'notice.recalled': 'Ponownie wezwano {number}.',
    'notice.started': 'Rozpoczęto obsługę {number}.',
    'notice.finished': 'Zakończono obsługę {number}.',
    'notice.noShow': '{number} oznaczono jako nieobecny.',
    'notice.returned': '{number} wrócił do kolejki.',
    'notice.reprinted': 'Duplikat biletu {number} wydrukowany.',
    'notice.reprintQueued': 'Duplikat biletu {number} czeka na drukarkę biletomatu.',
    'notice.reprintFailed': 'Nie udało się wydrukować duplikatu biletu {number} ({reason}).',
    'notice.reprintUnknown': 'Duplikat biletu {number} poszedł do drukarki, ale drukarka nie potwierdziła wydruku — sprawdź, czy wyszedł.',
    'notice.reprintNone': 'Biletomat nie ma drukarki: duplikatu biletu {number} nie wydrukowano.',
    'notice.transferred': '{number} przekazano do: {service}.',
    'notice.nobody': 'Nikt nie czeka.',
    'notice.paused': 'Przerwa. Nowi klienci nie są wzywani.',
    'notice.resumed': 'Wznowiono pracę stanowiska.',
    'notice.closed': 'Zamknięto stanowisko.',
    'notice.counterGone': 'To stanowisko nie jest już otwarte przez Ciebie.',

    'error.network': 'Brak połączenia z serwerem. Spróbuj ponownie.',
    'error.status': 'Serwer odpowiedział błędem {status}.',

  },
  // English and Ukrainian come from /static/i18n/ (ui.addPageMessages);
  // a key missing there falls back to Polish (see t).
};
ui.addPageMessages(MESSAGES);
// The printers' words come from printers.js, shared by the staff's pages.
for (const lang of Object.keys(MESSAGES)) Object.assign(MESSAGES[lang], window.OkienkoPrinters.texts[lang]);
// A module's names are its own: the dictionaries are shown to the tests (and
// the console) as window.MESSAGES.
window.MESSAGES = MESSAGES;

(function () {
  const POLL_MS = 5000;
  const lang = pickLanguage();
  // Times are shown on the office's clock, whatever the browser's zone.
  const zone = document.body.dataset.zone || undefined;
  const timeFormat = new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', timeZone: zone });
  const clockFormat = new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', second: '2-digit', timeZone: zone });

  // The language the server rendered the page in (?lang=, the cookie,
  // Accept-Language).
  function pickLanguage() {
    return ui.pageLanguage(MESSAGES);
  }

  // t returns the message key with {placeholders} filled from params.
  const t = ui.translator(MESSAGES, lang);

  function applyMessages(root) {
    ui.applyMessages(root, t);
  }

  const $ = ui.$;
  const el = ui.el;

  // ---- State --------------------------------------------------------------

  const state = {
    user: null, // {id, username, display_name, role}
    csrf: '',
    view: '',
    counters: [],
    countersKey: '',
    chosenCounter: null, // id in the counter form
    services: new Map(), // service id → {id, name, department}
    departments: null,
    counterId: null, // the counter we work at
    queue: null,
    queueSeq: 0,
    busy: false,
    transferReturn: null,
  };

  // ---- HTTP ---------------------------------------------------------------

  const ApiError = ui.ApiError;

  // api sends a JSON request with the session cookie and CSRF token and
  // answers the decoded body (null for 204). Failures throw ApiError with
  // the problem's detail; a 401 while signed in ends the session on the page.
  const api = ui.apiClient({
    headers: (method) => (method !== 'GET' && state.csrf ? { 'X-CSRF-Token': state.csrf } : {}),
    networkMessage: () => t('error.network'),
    message: (status, data) => (data && (data.detail || data.title)) || t('error.status', { status }),
    failed: (status) => { if (status === 401 && state.user) sessionEnded(t('signin.expired')); },
  });

  // ---- Messages to the user -----------------------------------------------

  function showAlert(message) {
    const a = $('alert');
    a.textContent = message || '';
    a.classList.toggle('shown', Boolean(message));
  }

  function showNotice(message) {
    const n = $('notice');
    n.textContent = message || '';
  }

  function failed(err) {
    if (err instanceof ApiError) {
      if (err.status === 401 && !state.user) return; // already handled by sessionEnded
      showAlert(err.message);
    } else {
      showAlert(String(err && err.message ? err.message : err));
      console.error(err);
    }
  }

  // ---- Views --------------------------------------------------------------

  function showView(name, focus) {
    state.view = name;
    $('loading').hidden = true;
    for (const v of ['signin', 'counters', 'work']) $('view-' + v).hidden = v !== name;
    $('who').hidden = !state.user;
    if (state.user) $('who-name').textContent = state.user.display_name || state.user.username;
    countersFeed.stop();
    queueFeed.stop();
    if (name === 'counters') countersFeed.start();
    if (name === 'work') queueFeed.start();
    followPrinters(Boolean(state.user));
    if (focus) focus.focus();
  }

  function headingOf(view) {
    const h = $('view-' + view).querySelector('h2');
    h.tabIndex = -1;
    return h;
  }

  // ---- Live data ----------------------------------------------------------

  // pollingFeed calls load every ms while started, never two at once.
  function pollingFeed(load, ms) {
    let timer = null;
    let running = false;
    const tick = async () => {
      timer = null;
      try { await load(); } catch (e) { /* load reports its own errors */ }
      if (running && timer === null) timer = setTimeout(tick, ms);
    };
    return {
      start() {
        if (running) return;
        running = true;
        timer = setTimeout(tick, ms);
      },
      stop() {
        running = false;
        if (timer !== null) clearTimeout(timer);
        timer = null;
      },
    };
  }

  // liveReady loads the shared websocket client (/static/live.js, of this
  // script's version) once; it fails where it can't load.
  const liveReady = new Promise((resolve, reject) => {
    if (window.OkienkoLive) {
      resolve(window.OkienkoLive);
      return;
    }
    const self = new URL(import.meta.url);
    const s = document.createElement('script');
    s.src = '/static/live.js' + (self ? self.search : '');
    s.onload = () => (window.OkienkoLive ? resolve(window.OkienkoLive) : reject(new Error('live.js')));
    s.onerror = () => reject(new Error('live.js'));
    document.head.append(s);
  });

  // queueLiveFeed follows the counter's queue over /ws/counters/{id}/queue:
  // each snapshot and update is drawn as it comes. While the socket is down
  // (or can't be had at all) the queue is polled instead.
  function queueLiveFeed() {
    const polling = pollingFeed(() => refreshQueue(), POLL_MS);
    let feed = null;
    let running = false;
    return {
      start() {
        if (running) return;
        running = true;
        const counterId = state.counterId;
        liveReady.then((live) => {
          if (!running || feed || state.counterId !== counterId) return;
          feed = live.connect({
            path: '/ws/counters/' + encodeURIComponent(counterId) + '/queue',
            onSnapshot: (msg) => liveQueue(counterId, msg.queue),
            onEvent: (msg) => { if (msg.type === 'queue') liveQueue(counterId, msg.queue); },
            onState: (online) => {
              if (!running) return;
              if (online) polling.stop();
              else polling.start();
            },
          });
        }, () => { if (running) polling.start(); });
      },
      stop() {
        running = false;
        polling.stop();
        if (feed) feed.close();
        feed = null;
      },
    };
  }

  // followPrinters shows, while a clerk is signed in, every kiosk printer
  // that needs a person (printers.js), live.
  let printers = null;
  function followPrinters(on) {
    if (on && !printers && window.OkienkoPrinters) {
      printers = window.OkienkoPrinters.watch({ section: $('printers'), list: $('printers-list'), t });
    } else if (!on && printers) {
      printers.stop();
      printers = null;
    }
  }

  const countersFeed = pollingFeed(() => loadCounters(false), POLL_MS);
  const queueFeed = queueLiveFeed();

  // ---- Sign-in ------------------------------------------------------------

  function setFieldError(input, message) {
    const p = $(input.id + '-error');
    p.textContent = message || '';
    p.hidden = !message;
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }

  async function signIn(ev) {
    ev.preventDefault();
    const user = $('username');
    const pass = $('password');
    showAlert('');
    setFieldError(user, '');
    setFieldError(pass, '');
    const fields = [];
    if (!user.value.trim()) { setFieldError(user, t('signin.usernameRequired')); fields.push(user); }
    if (!pass.value) { setFieldError(pass, t('signin.passwordRequired')); fields.push(pass); }
    if (fields.length) {
      showAlert(fields.map((f) => $(f.id + '-error').textContent).join(' '));
      fields[0].focus();
      return;
    }
    const submit = $('signin-submit');
    submit.disabled = true;
    try {
      const login = await api('POST', '/api/v1/auth/login', { username: user.value.trim(), password: pass.value });
      state.csrf = login.csrf_token;
      const me = await api('GET', '/api/v1/auth/me');
      state.user = me.user;
      state.csrf = me.csrf_token;
      pass.value = '';
    } catch (err) {
      pass.value = '';
      if (err.status === 401) {
        showAlert(t('signin.failed'));
      } else if (err.status === 429) {
        const seconds = parseInt(err.retryAfter, 10) || 60;
        showAlert(t('signin.tooMany', { minutes: Math.max(1, Math.ceil(seconds / 60)) }));
      } else if (err.problem && err.problem.errors) {
        for (const [field, msg] of Object.entries(err.problem.errors)) {
          const input = $(field);
          if (input) setFieldError(input, msg);
        }
        showAlert(err.message);
      } else {
        failed(err);
      }
      pass.focus();
      return;
    } finally {
      submit.disabled = false;
    }
    await resume();
  }

  async function signOut() {
    try { await api('POST', '/api/v1/auth/logout'); } catch (e) { /* the cookie is cleared either way */ }
    sessionEnded('');
    showNotice(t('signin.signedOut'));
  }

  // sessionEnded forgets the session and shows the sign-in form.
  function sessionEnded(message) {
    state.user = null;
    state.csrf = '';
    state.counterId = null;
    state.queue = null;
    closeTransfer();
    showAlert(message);
    showView('signin', $('username'));
  }

  // ---- Choosing a counter -------------------------------------------------

  async function loadServices() {
    if (state.departments) return;
    const deps = await api('GET', '/api/v1/departments');
    state.departments = deps || [];
    for (const d of state.departments) {
      for (const s of d.services || []) state.services.set(s.id, { id: s.id, name: s.name, department: d.name });
    }
  }

  function serviceName(id) {
    const s = state.services.get(id);
    return s ? s.name : '#' + id;
  }

  // resume takes a signed-in clerk to work: to the counter they hold, or to
  // the choice of one (also when loading failed, with the error shown).
  async function resume() {
    try {
      await enterCounters();
    } catch (err) {
      failed(err);
      if (state.user) showView('counters', headingOf('counters'));
    }
  }

  // enterCounters goes to the counter the clerk holds, or to the choice.
  async function enterCounters() {
    await loadServices();
    const counters = await loadCounters(true);
    const mine = counters.find((c) => c.state && c.state.mine && c.state.status !== 'closed');
    if (mine) {
      await enterWork(mine.id);
      return;
    }
    showView('counters', headingOf('counters'));
  }

  // loadCounters fetches the counters and redraws the list when it changed.
  async function loadCounters(initial) {
    let counters;
    try {
      counters = await api('GET', '/api/v1/counters');
    } catch (err) {
      if (initial) throw err;
      failed(err);
      return state.counters;
    }
    counters = counters || [];
    const key = JSON.stringify(counters);
    if (key !== state.countersKey) {
      state.counters = counters;
      state.countersKey = key;
      drawCounters();
    }
    return counters;
  }

  function heldByOther(c) {
    return c.state && c.state.status !== 'closed' && !c.state.mine;
  }

  function drawCounters() {
    const list = $('counter-list');
    const focused = document.activeElement && document.activeElement.id;
    if (state.chosenCounter !== null) {
      const chosen = state.counters.find((c) => c.id === state.chosenCounter);
      if (!chosen || heldByOther(chosen)) state.chosenCounter = null;
    }
    list.replaceChildren();
    for (const c of state.counters) {
      const id = 'counter-' + c.id;
      let stateText = t('counters.free');
      if (c.state && c.state.mine) stateText = t('counters.mine');
      else if (c.state && c.state.status === 'open') stateText = t('counters.heldBy', { user: c.state.user });
      else if (c.state && c.state.status === 'paused') stateText = t('counters.pausedBy', { user: c.state.user });
      const input = el('input', {
        type: 'radio', name: 'counter', id, value: String(c.id),
        disabled: heldByOther(c), checked: c.id === state.chosenCounter,
        'aria-describedby': id + '-state',
      });
      input.addEventListener('change', () => chooseCounter(c.id));
      list.append(el('li', { class: heldByOther(c) ? 'held' : '' },
        input,
        el('label', { htmlFor: id },
          el('span', { class: 'choice-name', text: c.name }),
          el('span', { class: 'muted', text: ' — ' + (c.department || '') })),
        el('span', { class: 'choice-state', id: id + '-state', text: stateText })));
    }
    $('counters-empty').hidden = state.counters.length > 0;
    if (focused && $(focused)) $(focused).focus();
    drawServiceChoice(false);
  }

  function chooseCounter(id) {
    state.chosenCounter = id;
    drawServiceChoice(true);
  }

  // drawServiceChoice lists the chosen counter's services as checkboxes, all
  // checked when the counter was just chosen, as they were on a refresh.
  function drawServiceChoice(fresh) {
    const box = $('service-choice');
    const list = $('service-list');
    const c = state.counters.find((x) => x.id === state.chosenCounter);
    if (!c) {
      box.hidden = true;
      list.replaceChildren();
      list.dataset.counter = '';
      updateOpenButton();
      return;
    }
    const key = c.id + ':' + (c.service_ids || []).join(',');
    if (!fresh && list.dataset.counter === key) {
      updateOpenButton();
      return;
    }
    const was = new Map([...list.querySelectorAll('input')].map((i) => [Number(i.value), i.checked]));
    const focused = document.activeElement && document.activeElement.id;
    list.replaceChildren();
    for (const sid of c.service_ids || []) {
      const id = 'service-' + sid;
      const input = el('input', { type: 'checkbox', id, name: 'service', value: String(sid), checked: fresh || was.get(sid) !== false });
      input.addEventListener('change', updateOpenButton);
      list.append(el('li', null, input, el('label', { htmlFor: id, text: serviceName(sid) })));
    }
    list.dataset.counter = key;
    box.hidden = false;
    if (focused && $(focused)) $(focused).focus();
    updateOpenButton();
  }

  function chosenServices() {
    return [...$('service-list').querySelectorAll('input:checked')].map((i) => Number(i.value));
  }

  function updateOpenButton() {
    $('counter-open').disabled = state.chosenCounter === null || chosenServices().length === 0;
  }

  async function openCounter(ev) {
    ev.preventDefault();
    if (state.busy || state.chosenCounter === null) return;
    const services = chosenServices();
    if (services.length === 0) {
      showAlert(t('counters.chooseServices'));
      return;
    }
    showAlert('');
    state.busy = true;
    try {
      const c = await api('POST', '/api/v1/counters/' + state.chosenCounter + '/open', { service_ids: services });
      showNotice(t('counters.opened', { counter: c && c.name ? c.name : '' }));
      await enterWork(state.chosenCounter);
    } catch (err) {
      failed(err);
      if (err.status === 409) loadCounters(false);
    } finally {
      state.busy = false;
    }
  }

  // ---- Working at a counter -----------------------------------------------

  async function enterWork(counterId) {
    state.counterId = counterId;
    state.queue = null;
    await refreshQueue();
    if (state.counterId === counterId) showView('work', headingOf('work'));
  }

  // refreshQueue loads the counter's queue and shows it; an answer that a
  // newer request overtook is dropped.
  async function refreshQueue() {
    const counterId = state.counterId;
    if (counterId === null) return;
    const seq = ++state.queueSeq;
    let q;
    try {
      q = await api('GET', '/api/v1/counters/' + counterId + '/queue');
    } catch (err) {
      if (seq !== state.queueSeq || state.counterId !== counterId) return;
      if (err.status === 404 || err.status === 403 || err.status === 409) {
        counterGone(err.message);
        return;
      }
      failed(err);
      return;
    }
    if (seq !== state.queueSeq || state.counterId !== counterId) return;
    const cs = q && q.counter && q.counter.state;
    if (!cs || !cs.mine || cs.status === 'closed') {
      counterGone(t('notice.counterGone'));
      return;
    }
    showQueue(q);
  }

  // liveQueue draws a queue that came over the live feed of counterId. It
  // outdates any queue request in flight; during an action it waits for
  // the action's own refresh, so a half-done change isn't taken for a
  // counter lost.
  function liveQueue(counterId, q) {
    if (state.counterId !== counterId || state.busy || !q) return;
    state.queueSeq++;
    const cs = q.counter && q.counter.state;
    if (!cs || !cs.mine || cs.status === 'closed') {
      counterGone(t('notice.counterGone'));
      return;
    }
    showQueue(q);
  }

  // counterGone leaves the work view when the counter is no longer ours.
  function counterGone(message) {
    state.counterId = null;
    state.queue = null;
    closeTransfer();
    showAlert(message);
    state.countersKey = '';
    loadCounters(false).then(() => showView('counters', headingOf('counters')));
  }

  function minutes(n) {
    return t('ticket.minutes', { n: Math.max(0, Math.round(n || 0)) });
  }

  function badges(ticket) {
    const out = [];
    if (ticket.priority) out.push(el('span', { class: 'badge badge-priority', text: t('ticket.priority') }));
    if (ticket.kind === 'booking') out.push(el('span', { class: 'badge badge-booking', text: t('ticket.booking') }));
    if (ticket.kind === 'remote') {
      out.push(el('span', { class: 'badge badge-remote', text: t('ticket.remote') }));
      // Whether the holder of a remote ticket has checked in at the kiosk.
      if (ticket.arrived_at) out.push(el('span', { class: 'badge badge-arrived', text: t('ticket.arrived') }));
      else out.push(el('span', { class: 'badge badge-away', text: t(ticket.awaits_arrival ? 'ticket.awaitsArrival' : 'ticket.notArrived') }));
    }
    return out;
  }

  // showQueue draws a queue answer ({counter, current, waiting, today}).
  function showQueue(q) {
    state.queue = q;
    const c = q.counter;
    $('work-counter').textContent = c.name;
    $('work-department').textContent = c.department ? '— ' + c.department : '';
    $('work-status').textContent = t('status.' + c.state.status);
    $('view-work').dataset.status = c.state.status;

    const cur = q.current;
    $('current-empty').hidden = Boolean(cur);
    $('current-ticket').hidden = !cur;
    if (cur) {
      $('current-number').replaceChildren(el('span', { text: cur.number }), ...badges(cur));
      $('current-service').textContent = cur.service || serviceName(cur.service_id);
      $('current-status').textContent = t('ticket.' + cur.status);
      $('current-ticket').dataset.status = cur.status;
      $('current-waited').textContent = minutes(cur.waiting_minutes);
      $('current-recalls-row').hidden = !cur.recalls;
      $('current-recalls').textContent = String(cur.recalls || 0);
      const b = cur.booking;
      $('current-booking-row').hidden = !b;
      if (b) {
        const start = b.start ? new Date(b.start) : null;
        $('current-booking').textContent = t('current.bookingText', {
          name: b.name || '', pesel: b.pesel_last4 || '????',
          time: start && !isNaN(start) ? timeFormat.format(start) : '',
        });
      }
    }

    drawWaiting(q.waiting || []);
    const today = q.today || {};
    $('today-called').textContent = String(today.called || 0);
    $('today-served').textContent = String(today.served || 0);
    $('today-noshow').textContent = String(today.no_show || 0);
    $('refreshed').textContent = t('waiting.refreshed', { time: clockFormat.format(new Date()) });
    updateButtons();
  }

  // drawWaiting updates the waiting table in place, so a refresh keeps the
  // focus on a row's button while that ticket still waits.
  function drawWaiting(waiting) {
    const body = $('waiting-list');
    const focusedId = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.ticket : undefined;
    const rows = new Map([...body.rows].map((r) => [r.dataset.ticket, r]));
    const order = waiting.map((tk) => String(tk.id));
    const sameOrder = order.length === body.rows.length && order.every((id, i) => body.rows[i].dataset.ticket === id);
    if (!sameOrder) body.replaceChildren();
    for (const tk of waiting) {
      const id = String(tk.id);
      let row = rows.get(id);
      if (!row) {
        const call = el('button', { type: 'button', class: 'btn btn-small', text: t('waiting.call'), 'data-ticket': id });
        call.addEventListener('click', () => act('call', tk.id));
        row = el('tr', { 'data-ticket': id },
          el('th', { scope: 'row', class: 'number' }),
          el('td', { class: 'service' }),
          el('td', { class: 'time' }),
          el('td', { class: 'call' }, call));
      }
      row.cells[0].replaceChildren(el('span', { text: tk.number }), ...badges(tk));
      row.cells[1].textContent = tk.service || serviceName(tk.service_id);
      row.cells[2].textContent = minutes(tk.waiting_minutes);
      row.querySelector('button').setAttribute('aria-label', t('waiting.callLabel', { number: tk.number }));
      if (!sameOrder || !rows.has(id)) body.append(row);
    }
    if (!sameOrder && focusedId) {
      const b = body.querySelector('button[data-ticket="' + focusedId + '"]');
      if (b) b.focus();
    }
    $('waiting-table').hidden = waiting.length === 0;
    $('waiting-empty').hidden = waiting.length > 0;
    $('waiting-count').textContent = waiting.length ? '(' + t('waiting.count', { n: waiting.length }) + ')' : '';
  }

  const BUTTONS = {
    next: 'act-next', recall: 'act-recall', start: 'act-start', finish: 'act-finish',
    'no-show': 'act-noshow', transfer: 'act-transfer', return: 'act-return',
    pause: 'act-pause', resume: 'act-resume', close: 'act-close', reprint: 'act-reprint',
  };

  // updateButtons enables the actions that apply to the counter and ticket.
  function updateButtons() {
    const q = state.queue;
    const status = q ? q.counter.state.status : '';
    const cur = q ? q.current : null;
    const ts = cur ? cur.status : '';
    const open = status === 'open';
    // "Next" while serving finishes that ticket first (the server does);
    // a ticket called and not started must be decided on first.
    const can = {
      next: open && ts !== 'called',
      recall: ts === 'called',
      start: ts === 'called',
      finish: ts === 'serving',
      'no-show': ts === 'called',
      transfer: ts === 'called' || ts === 'serving',
      return: ts === 'called',
      pause: open,
      resume: status === 'paused',
      close: Boolean(q) && ts !== 'serving',
      reprint: Boolean(cur),
    };
    for (const [action, id] of Object.entries(BUTTONS)) $(id).disabled = !can[action];
    $('act-pause').hidden = status === 'paused';
    $('act-resume').hidden = status !== 'paused';
    for (const b of $('waiting-list').querySelectorAll('button')) b.disabled = !can.next;
  }

  // After an action the focus goes to the likely next step when the button
  // it was on no longer applies.
  const FOLLOW_UP = {
    next: 'start', call: 'start', recall: 'start', start: 'finish', finish: 'next',
    'no-show': 'next', return: 'next', transfer: 'next', pause: 'resume', resume: 'next',
  };

  function keepFocus(action) {
    const a = document.activeElement;
    if (a && a !== document.body && !a.disabled && !a.hidden && a.isConnected) return;
    const order = [FOLLOW_UP[action], 'next', 'start', 'finish', 'recall', 'resume'];
    for (const name of order) {
      const b = name && $(BUTTONS[name]);
      if (b && !b.disabled && !b.hidden) {
        b.focus();
        return;
      }
    }
    headingOf('work').focus();
  }

  // finishWithNote finishes a ticket being served when the clerk wrote a
  // note: calling the next one would finish it too, but without the note.
  async function finishWithNote(cur) {
    const outcome = $('outcome').value.trim();
    if (!cur || cur.status !== 'serving' || !outcome) return;
    await api('POST', '/api/v1/tickets/' + cur.id + '/finish', { outcome });
    $('outcome').value = '';
  }

  // act performs a clerk action and refreshes the queue.
  async function act(action, ticketId) {
    if (state.busy || state.counterId === null) return;
    const cur = state.queue && state.queue.current;
    const counterPath = '/api/v1/counters/' + state.counterId;
    if (action === 'transfer') {
      openTransfer();
      return;
    }
    state.busy = true;
    $('view-work').setAttribute('aria-busy', 'true');
    showAlert('');
    try {
      let tk;
      switch (action) {
        case 'next':
          await finishWithNote(cur);
          tk = await api('POST', counterPath + '/next');
          showNotice(tk ? t('notice.called', { number: tk.number }) : t('notice.nobody'));
          break;
        case 'call':
          await finishWithNote(cur);
          tk = await api('POST', counterPath + '/call', { ticket_id: ticketId });
          showNotice(t('notice.called', { number: tk.number }));
          break;
        case 'recall': case 'start': case 'no-show': case 'return': {
          if (!cur) return;
          tk = await api('POST', '/api/v1/tickets/' + cur.id + '/' + action);
          const notice = { recall: 'notice.recalled', start: 'notice.started', 'no-show': 'notice.noShow', return: 'notice.returned' }[action];
          showNotice(t(notice, { number: tk.number }));
          break;
        }
        case 'finish': {
          if (!cur) return;
          const outcome = $('outcome').value.trim();
          tk = await api('POST', '/api/v1/tickets/' + cur.id + '/finish', outcome ? { outcome } : {});
          $('outcome').value = '';
          showNotice(t('notice.finished', { number: tk.number }));
          break;
        }
        case 'reprint': {
          if (!cur) return;
          const r = await api('POST', '/api/v1/tickets/' + cur.id + '/reprint');
          const key = { printed: 'notice.reprinted', queued: 'notice.reprintQueued', unknown: 'notice.reprintUnknown', none: 'notice.reprintNone' }[r.state] || 'notice.reprintFailed';
          showNotice(t(key, { number: cur.number, reason: window.OkienkoPrinters.reason(t, r.reason || r.state) }));
          break;
        }
        case 'pause': case 'resume':
          await api('POST', counterPath + '/' + action);
          showNotice(t(action === 'pause' ? 'notice.paused' : 'notice.resumed'));
          break;
        case 'close':
          await api('POST', counterPath + '/close');
          showNotice(t('notice.closed'));
          state.counterId = null;
          state.queue = null;
          state.countersKey = '';
          await loadCounters(false);
          showView('counters', headingOf('counters'));
          return;
        default:
          return;
      }
    } catch (err) {
      failed(err);
    } finally {
      state.busy = false;
      $('view-work').removeAttribute('aria-busy');
    }
    if (state.counterId !== null) {
      await refreshQueue();
      keepFocus(action);
    }
  }

  // ---- Transfer dialog ----------------------------------------------------

  async function openTransfer() {
    const cur = state.queue && state.queue.current;
    const dialog = $('transfer-dialog');
    if (!cur || dialog.open) return;
    try {
      await loadServices();
    } catch (err) {
      failed(err);
      return;
    }
    const box = $('transfer-options');
    box.replaceChildren();
    for (const d of state.departments) {
      const services = d.services || [];
      if (!services.length) continue;
      const headingId = 'transfer-dep-' + d.id;
      const list = el('ul', { class: 'transfer-list', 'aria-labelledby': headingId });
      for (const s of services) {
        const isCurrent = s.id === cur.service_id;
        const b = el('button', {
          type: 'button', class: 'btn btn-block', 'data-service': String(s.id), disabled: isCurrent,
          text: isCurrent ? t('transfer.currentService', { service: s.name }) : s.name,
        });
        b.addEventListener('click', () => transfer(cur, s));
        list.append(el('li', null, b));
      }
      box.append(el('section', null, el('h3', { id: headingId, text: d.name }), list));
    }
    state.transferReturn = document.activeElement;
    dialog.showModal();
    const first = box.querySelector('button:not([disabled])') || $('transfer-cancel');
    first.focus();
  }

  function closeTransfer() {
    const dialog = $('transfer-dialog');
    if (dialog.open) dialog.close();
  }

  async function transfer(ticket, service) {
    if (state.busy) return;
    state.busy = true;
    showAlert('');
    try {
      const tk = await api('POST', '/api/v1/tickets/' + ticket.id + '/transfer', { service_id: service.id });
      showNotice(t('notice.transferred', { number: tk.number, service: service.name }));
      closeTransfer();
    } catch (err) {
      failed(err);
      return;
    } finally {
      state.busy = false;
    }
    await refreshQueue();
    keepFocus('transfer');
  }

  function focusables(root) {
    return [...root.querySelectorAll('button, [href], input, select, textarea, [tabindex]:not([tabindex="-1"])')]
      .filter((e) => !e.disabled && !e.hidden && e.offsetParent !== null);
  }

  // The dialog keeps Tab inside itself and gives the focus back on closing.
  function trapFocus(ev) {
    if (ev.key !== 'Tab') return;
    const items = focusables($('transfer-dialog'));
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (ev.shiftKey && document.activeElement === first) {
      ev.preventDefault();
      last.focus();
    } else if (!ev.shiftKey && document.activeElement === last) {
      ev.preventDefault();
      first.focus();
    }
  }

  function transferClosed() {
    const back = state.transferReturn;
    state.transferReturn = null;
    if (back && back.isConnected && !back.disabled && back !== document.body) back.focus();
    else if (state.view === 'work') keepFocus('transfer');
  }

  // ---- Keyboard shortcuts -------------------------------------------------

  const SHORTCUTS = { n: 'next', r: 'recall', s: 'start', f: 'finish', x: 'no-show', t: 'transfer' };

  function shortcut(ev) {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat) return;
    if (state.view !== 'work' || $('transfer-dialog').open) return;
    const target = ev.target;
    if (target && target.closest && target.closest('input, textarea, select, [contenteditable]:not([contenteditable="false"])')) return;
    const action = SHORTCUTS[(ev.key || '').toLowerCase()];
    if (!action) return;
    ev.preventDefault();
    const b = $(BUTTONS[action]);
    if (!b.disabled) b.focus();
    if (!b.disabled) act(action);
  }

  // ---- Start --------------------------------------------------------------

  async function start() {
    document.documentElement.lang = lang;
    applyMessages(document);
    $('signin-form').addEventListener('submit', signIn);
    $('counter-form').addEventListener('submit', openCounter);
    $('sign-out').addEventListener('click', signOut);
    for (const [action, id] of Object.entries(BUTTONS)) $(id).addEventListener('click', () => act(action));
    $('outcome').addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && !$('act-finish').disabled) {
        ev.preventDefault();
        act('finish');
      }
    });
    const dialog = $('transfer-dialog');
    dialog.addEventListener('keydown', trapFocus);
    dialog.addEventListener('close', transferClosed);
    $('transfer-cancel').addEventListener('click', closeTransfer);
    document.addEventListener('keydown', shortcut);
    // Switching the language reloads the page in it; the clerk stays signed
    // in and at the counter (see resume).
    ui.keepPlaceOnLanguageSwitch($('langs'));

    let me = null;
    try {
      me = await api('GET', '/api/v1/auth/me');
    } catch (err) {
      if (err.status !== 401) failed(err);
    }
    if (!me) {
      showView('signin');
      return;
    }
    state.user = me.user;
    state.csrf = me.csrf_token;
    await resume();
  }

  start();
}());
