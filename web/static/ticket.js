// The resident's ticket page: the server renders the ticket's status at load
// time; this script follows it live over /ws/tickets/{public_id} (see
// live.js), and when the ticket is called, or called again, plays the chime
// and vibrates; a recall is also written in a polite live region. Once the
// ticket is done it asks how the service was (1–5 and a comment) and
// thanks for the answer.
// Counters' names are the office's Polish words: on a page in another
// language they are marked lang="pl", as the matter's name is where the
// office wrote no translation (WCAG 3.1.2).
// The texts come from the server in the body's data-messages, in the page's
// language (the same dictionary the server rendered the page with): strings
// with {placeholders}; plural forms as keys ending in an Intl.PluralRules
// category (people.one, people.few, people.many, people.other).
'use strict';

const OkienkoTicket = (function () {
  const body = document.body;
  const publicId = body.dataset.publicId;
  if (!publicId) return null;
  const FINAL = ['done', 'no_show', 'expired'];

  const lang = document.documentElement.lang || 'pl';
  let messages = {};
  try {
    messages = JSON.parse(body.dataset.messages || '{}');
  } catch (e) { /* the server-rendered texts stay */ }
  const plural = new Intl.PluralRules(lang);
  const $ = (id) => document.getElementById(id);

  function t(key, vars) {
    const m = messages[key];
    if (m === undefined) return '';
    return m.replace(/\{(\w+)\}/g, (all, name) => (vars && vars[name] !== undefined ? String(vars[name]) : all));
  }

  // aheadText: "Przed Tobą: 3 osoby, ok. 12 min" for a waiting ticket;
  // that nobody serves its matter now when no counter is open for it.
  function aheadText(tk) {
    if (tk.status !== 'waiting') return '';
    const n = tk.people_ahead || 0;
    const people = t('people.' + plural.select(n), { n }) || t('people.other', { n });
    if (tk.counters_open === 0) return n === 0 ? t('ahead.unserved') : t('ahead.unservedPeople', { people });
    if (n === 0) return t('ahead.none');
    const minutes = tk.estimated_wait_minutes || 0;
    return t(minutes > 0 ? 'ahead.peopleWait' : 'ahead.people', { people, minutes });
  }

  const RECALLS_KEPT = 3; // recall announcements left in the live region
  const state = {
    status: body.dataset.status || '',
    counter: body.dataset.counter || '',
    recalls: parseInt(body.dataset.recalls || '0', 10) || 0,
    soundReady: false,
    feed: null,
  };

  function show(id, text) {
    const e = $(id);
    e.textContent = text;
    e.hidden = !text;
  }

  // withCounter returns the nodes of message key with its {counter} the
  // counter's name, marked Polish on a page in another language.
  function withCounter(key, counter) {
    const [before, after] = t(key).split('{counter}');
    if (after === undefined) return [before];
    const name = lang === 'pl' || !counter ? counter : Object.assign(document.createElement('span'), { lang: 'pl', textContent: counter });
    return [before, name, after].filter((x) => x !== '');
  }

  // serviceLang is the language the matter's name is written in: the
  // page's where the office wrote a translation, else Polish (the names
  // by language fall back to the Polish one).
  function serviceLang(tk) {
    const names = tk.service_names || {};
    return names[lang] && (lang === 'pl' || names[lang] !== names.pl) ? lang : 'pl';
  }

  // render shows a ticket (the public view of GET /api/v1/tickets/{id}).
  function render(tk) {
    const counter = tk.counter || '';
    $('number').textContent = tk.number;
    $('service').textContent = (tk.service_names && tk.service_names[lang]) || tk.service;
    if (serviceLang(tk) === lang) $('service').removeAttribute('lang');
    else $('service').setAttribute('lang', serviceLang(tk));
    const status = withCounter('status.' + tk.status, counter);
    $('status').replaceChildren(...status);
    $('status').hidden = $('status').textContent === '';
    if (tk.status !== 'called') $('recall').replaceChildren(); // past: removals are not read
    show('ahead', aheadText(tk));
    show('detail', t('detail.' + tk.status));
    $('status-box').dataset.status = tk.status;
    body.dataset.status = tk.status;
    body.dataset.counter = counter;
    document.title = (tk.status === 'called' ? t('status.called', { counter }) : tk.number) + ' — ' + t('page.title');
    const called = tk.status === 'called' && (state.status !== 'called' || state.counter !== counter);
    const recalled = !called && tk.status === 'called' && (tk.recalls || 0) > state.recalls;
    state.status = tk.status;
    state.counter = counter;
    state.recalls = tk.recalls || 0;
    if (called) yourTurn();
    if (recalled) {
      announceRecall(counter);
      yourTurn();
    }
    if (tk.status === 'done') askFeedback();
    if (FINAL.includes(tk.status)) {
      // Nothing more will happen to this ticket: no sound to wait for.
      $('sound').hidden = true;
      $('sound-on').hidden = true;
      if (state.feed) {
        state.feed.close();
        state.feed = null;
        show('offline', '');
        $('live-note').hidden = true;
      }
    }
  }

  // announceRecall writes "Wzywamy ponownie: Stanowisko 1" as a new node of
  // the polite live region (a node per recall, so each one is read), the
  // oldest beyond RECALLS_KEPT dropped.
  function announceRecall(counter) {
    const region = $('recall');
    const p = document.createElement('p');
    p.append(...withCounter('recall.text', counter));
    region.append(p);
    while (region.childElementCount > RECALLS_KEPT) region.firstElementChild.remove();
  }

  // yourTurn tells a resident whose ticket was just called, also by sound
  // and vibration where the browser allows.
  function yourTurn() {
    const a = $('chime');
    try {
      a.currentTime = 0;
      const p = a.play();
      if (p && p.catch) p.catch(() => { /* not allowed before a tap */ });
    } catch (e) { /* no audio */ }
    if (navigator.vibrate) {
      try { navigator.vibrate([400, 200, 400, 200, 400]); } catch (e) { /* not allowed */ }
    }
  }

  // enableSound runs in a tap, so the browser lets the page play the chime
  // later, when the ticket is called.
  function enableSound() {
    const a = $('chime');
    a.muted = true;
    const back = () => {
      a.pause();
      a.currentTime = 0;
      a.muted = false;
    };
    try {
      const p = a.play();
      if (p && p.then) p.then(back, back); else back();
    } catch (e) { back(); }
    if (navigator.vibrate) {
      try { navigator.vibrate(1); } catch (e) { /* not allowed */ }
    }
    state.soundReady = true;
    $('sound').hidden = true;
    $('sound-on').hidden = false;
  }

  const MAX_COMMENT = 500; // characters, as the server counts them

  // askFeedback shows the question of a done ticket, or the thanks when
  // the visit was rated already (the server says so in data-feedback).
  function askFeedback() {
    if (body.dataset.feedback === 'given') {
      $('feedback').hidden = true;
      $('feedback-thanks').hidden = false;
      return;
    }
    $('feedback').hidden = false;
  }

  function thank() {
    body.dataset.feedback = 'given';
    $('feedback').hidden = true;
    const thanks = $('feedback-thanks');
    thanks.hidden = false;
    thanks.focus();
  }

  // sendFeedback posts the answer; a visit rated already is thanked too.
  async function sendFeedback(ev) {
    ev.preventDefault();
    const form = $('feedback-form');
    const error = $('feedback-error');
    error.textContent = '';
    const picked = form.querySelector('input[name="score"]:checked');
    if (!picked) {
      error.textContent = t('feedback.pick');
      form.querySelector('input[name="score"]').focus();
      return;
    }
    const comment = $('feedback-comment').value.trim();
    if ([...comment].length > MAX_COMMENT) {
      error.textContent = t('feedback.tooLong');
      $('feedback-comment').focus();
      return;
    }
    const send = $('feedback-send');
    send.disabled = true;
    try {
      const r = await fetch('/api/v1/tickets/' + encodeURIComponent(publicId) + '/feedback', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(comment ? { score: parseInt(picked.value, 10), comment } : { score: parseInt(picked.value, 10) }),
      });
      let problem = {};
      if (r.status !== 201) problem = await r.json().catch(() => ({}));
      if (r.status === 201 || (r.status === 409 && problem.errors && problem.errors.reason === 'already_answered')) {
        thank();
        return;
      }
      const field = problem.errors && (problem.errors.comment ? 'comment' : problem.errors.score ? 'score' : '');
      error.textContent = field === 'comment' ? t('feedback.tooLong') : field === 'score' ? t('feedback.pick') : t('feedback.failed');
    } catch (e) {
      error.textContent = t('feedback.failed');
    } finally {
      send.disabled = false;
    }
  }

  function start() {
    $('refresh').hidden = true;
    $('feedback-form').addEventListener('submit', sendFeedback);
    if (state.status === 'done') askFeedback();
    if (FINAL.includes(state.status)) {
      $('live-note').hidden = true;
      return;
    }
    $('live-note').textContent = t('page.live');
    $('sound').hidden = false;
    $('sound').addEventListener('click', enableSound);
    state.feed = window.OkienkoLive.connect({
      path: '/ws/tickets/' + encodeURIComponent(publicId),
      onSnapshot: (msg) => { if (msg.ticket) render(msg.ticket); },
      onEvent: (msg) => { if (msg.type === 'ticket' && msg.ticket) render(msg.ticket); },
      onState: (online) => show('offline', online ? '' : t('page.offline')),
    });
  }

  start();
  return { aheadText, render, state, serviceLang };
}());
