// The hall display: the newest call large, the last calls, the waiting
// counts per department, a chime and a spoken announcement for every call.
// It follows /ws/display (see live.js). URL parameters: ?office=ID,
// ?departments=1,3 (only those departments), ?lang=pl|en|uk, or
// ?display=ID: a display set up in the admin panel, whose departments and
// language the server writes on <body> and the page keeps checking.
// Every text is in MESSAGES; a language is added by adding a dictionary with
// the same keys. A value is a string with {placeholders}, or, for counts, an
// object of plural forms keyed by Intl.PluralRules categories.
'use strict';

const MESSAGES = {
  pl: {
    'page.title': 'Tablica wywoławcza — Okienko',
    'page.noscript': 'Tablica wymaga JavaScriptu.',
    'page.offline': 'Brak połączenia — ponawiam…',
    'now.heading': 'Zapraszamy',
    'now.number': 'Numer',
    'now.none': 'Tu pojawi się wywoływany numer.',
    'recent.heading': 'Ostatnie wezwania',
    'recent.number': 'Numer',
    'recent.counter': 'Stanowisko',
    'waiting.heading': 'Oczekujący',
    'waiting.count': { one: '{n} osoba czeka', few: '{n} osoby czekają', many: '{n} osób czeka', other: '{n} osoby czeka' },
    'sound.enable': 'Dźwięk wyłączony — dotknij, aby włączyć',
    'sound.help': 'Przeglądarka tego ekranu nie pozwala odtwarzać dźwięku bez dotknięcia. Kliknij albo naciśnij dowolny klawisz, aby włączyć sygnał i zapowiedzi głosowe.',
    'sound.blocked': 'Dźwięk tablicy jest włączony, ale przeglądarka go blokuje: dotknij ekranu albo uruchom przeglądarkę z flagą --autoplay-policy=no-user-gesture-required (README).',
    'speech.call': 'Numer {number}, {counter}',
    'speech.recall': 'Ponownie: numer {number}, {counter}',
    'speech.counter': 'stanowisko {n}',
    'speech.lang': 'pl-PL',
  },
  en: {
    'page.title': 'Queue display — Okienko',
    'page.noscript': 'The display needs JavaScript.',
    'page.offline': 'No connection — retrying…',
    'now.heading': 'Now serving',
    'now.number': 'Number',
    'now.none': 'The number called will appear here.',
    'recent.heading': 'Last calls',
    'recent.number': 'Number',
    'recent.counter': 'Counter',
    'waiting.heading': 'Waiting',
    'waiting.count': { one: '{n} person waiting', other: '{n} people waiting' },
    'sound.enable': 'Sound off — touch to turn on',
    'sound.help': 'This screen\'s browser does not let it play sound before a touch. Click or press any key to turn on the chime and spoken calls.',
    'sound.blocked': 'Sound is on for this display, but the browser blocks it: touch the screen or start the browser with --autoplay-policy=no-user-gesture-required (README).',
    'speech.call': 'Number {number}, {counter}',
    'speech.recall': 'Again: number {number}, {counter}',
    'speech.counter': 'counter {n}',
    'speech.lang': 'en-GB',
  },
  uk: {
    'page.title': 'Табло черги — Okienko',
    'page.noscript': 'Для табло потрібен JavaScript.',
    'page.offline': 'Немає з’єднання — повторюю…',
    'now.heading': 'Запрошуємо',
    'now.number': 'Номер',
    'now.none': 'Тут з’явиться номер, який викликають.',
    'recent.heading': 'Останні виклики',
    'recent.number': 'Номер',
    'recent.counter': 'Віконце',
    'waiting.heading': 'Очікують',
    'waiting.count': { one: '{n} особа чекає', few: '{n} особи чекають', many: '{n} осіб чекає', other: '{n} особи чекає' },
    'sound.enable': 'Звук вимкнено — торкніться, щоб увімкнути',
    'sound.help': 'Браузер цього екрана не дозволяє відтворювати звук без дотику. Натисніть кнопку або будь-яку клавішу, щоб увімкнути сигнал і голосові оголошення.',
    'sound.blocked': 'Звук табло увімкнено, але браузер його блокує: торкніться екрана або запустіть браузер із прапорцем --autoplay-policy=no-user-gesture-required (README).',
    'speech.call': 'Номер {number}, {counter}',
    'speech.recall': 'Повторно: номер {number}, {counter}',
    'speech.counter': 'віконце {n}',
    'speech.lang': 'uk-UA',
  },
};

const OkienkoDisplay = (function () {
  const FRESH_MS = 8000; // how long the newest call stays highlighted
  const RECENT_MAX = 12;
  const SETUP_CHECK_MS = 60 * 1000; // how often a configured display checks its settings
  const CHIME_MAX_MS = 4000; // a chime that never ends stops blocking after this
  const SOUND_KEY = 'okienko.display.sound';
  const ANNOUNCEMENTS_KEPT = 5; // announcements left in the live region once read
  // Speech language tags by language of a part.
  const SPEECH_LANG = { pl: 'pl-PL', en: 'en-GB', uk: 'uk-UA' };

  const params = new URLSearchParams(location.search);
  const setup = document.body.dataset; // a configured display: display, departments, lang
  const lang = MESSAGES[params.get('lang')] ? params.get('lang')
    : MESSAGES[setup.lang] ? setup.lang
      : MESSAGES[document.documentElement.lang] ? document.documentElement.lang : 'pl';
  const dict = MESSAGES[lang];
  const plural = new Intl.PluralRules(lang);
  // The hall clock keeps the office's time, whatever zone the TV is set to.
  const clockFormat = new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: setup.zone || undefined });

  // t formats a message: {name} placeholders from vars; a plural message
  // picks its form by vars.n.
  function t(key, vars) {
    let m = dict[key];
    if (m === undefined) m = MESSAGES.pl[key];
    if (m === undefined) return key;
    if (typeof m === 'object') m = m[plural.select(vars && typeof vars.n === 'number' ? vars.n : 0)] || m.other;
    return m.replace(/\{(\w+)\}/g, (all, name) => (vars && vars[name] !== undefined ? String(vars[name]) : all));
  }

  // ---- What is spoken -------------------------------------------------------

  // spokenNumber reads a ticket number as it is called out: letters one by
  // one, the digits as one number — "D017" → "D 17", "DR05" → "D R 5".
  function spokenNumber(number) {
    const m = /^(\D*)(\d*)(.*)$/.exec(String(number || ''));
    const letters = [...m[1]].filter((ch) => ch.trim() !== '').join(' ');
    const digits = m[2] ? String(parseInt(m[2], 10)) : '';
    return [letters, digits, m[3].trim()].filter(Boolean).join(' ');
  }

  // spokenCounter says "stanowisko 3" for a counter named with a number at
  // its end, else the counter's name.
  function spokenCounter(name) {
    const m = /(\d+)\s*$/.exec(String(name || ''));
    return m ? t('speech.counter', { n: parseInt(m[1], 10) }) : String(name || '');
  }

  // announcement is what is said of a call, in parts, each with the
  // language it is written in: the page's words, and the counter's name in
  // Polish where it isn't "stanowisko N" (which is said in the page's
  // language). A recall says so: "Ponownie: numer D 17, stanowisko 3".
  function announcement(call) {
    const named = /(\d+)\s*$/.exec(String(call.counter || '')) === null;
    const counter = { text: spokenCounter(call.counter), lang: named ? 'pl' : lang };
    const [before, after] = t(call.recall ? 'speech.recall' : 'speech.call', { number: spokenNumber(call.number) }).split('{counter}');
    return [{ text: before, lang }, counter, { text: after || '', lang }].filter((p) => p.text);
  }

  // speechText is the announcement of a call as one text.
  function speechText(call) {
    return announcement(call).map((p) => p.text).join('');
  }

  // ---- State ----------------------------------------------------------------

  const only = new Set((params.get('departments') || setup.departments || '').split(',').map((s) => parseInt(s, 10)).filter((n) => n > 0));
  const wanted = (depID) => only.size === 0 || only.has(depID);

  const state = {
    departments: [], // [{id, name, prefix, waiting}]
    calls: [], // newest first, one per ticket
    snapshots: 0,
    freshTimer: null,
    nowKey: '',
  };
  const announced = []; // every announcement made, for the record (and tests)

  const $ = (id) => document.getElementById(id);
  const el = (tag, props, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) if (c != null) e.append(c);
    return e;
  };

  const callKey = (c) => c.ticket_id + '@' + c.at;

  // ---- Drawing --------------------------------------------------------------

  function drawCalls() {
    const [now, ...rest] = state.calls;
    $('now').hidden = !now;
    $('now-empty').hidden = Boolean(now);
    if (now) {
      $('now-number').textContent = now.number;
      $('now-counter').textContent = now.counter;
      markPolish($('now-counter'));
      $('now').dataset.ticket = String(now.ticket_id);
    }
    $('recent-list').replaceChildren(...rest.map((c) => el('tr', { 'data-ticket': String(c.ticket_id) },
      el('th', { scope: 'row', class: 'number', text: c.number }),
      markPolish(el('td', { class: 'counter', text: c.counter_label || c.counter })))));
    fitAll();
  }

  // markPolish marks e as Polish on a page in another language: counters'
  // names are the office's Polish words (WCAG 3.1.2).
  function markPolish(e) {
    if (lang === 'pl') e.removeAttribute('lang');
    else e.setAttribute('lang', 'pl');
    return e;
  }

  // ---- Fitting the text -----------------------------------------------------

  // Nothing a visitor must read is cut. A text that doesn't fit its box at
  // its size (the counter's name in the last calls, the called counter, a
  // long department) wraps onto at most maxLines lines, and if it still
  // doesn't fit its size shrinks, down to a floor where it is still read
  // across the hall.
  const FIT = [
    ['#now-counter', 2, 0.45],
    ['#now-number', 1, 0.5],
    ['#recent-list .counter', 2, 0.5],
    ['#recent-list .number', 1, 0.6],
    ['#waiting-list .dep-name', 2, 0.7],
    ['#office', 2, 0.6],
  ];

  function fit(e, maxLines, floor) {
    e.style.fontSize = '';
    const full = parseFloat(getComputedStyle(e).fontSize);
    let size = full;
    const fits = () => {
      const lh = parseFloat(getComputedStyle(e).lineHeight) || size * 1.2;
      return e.scrollWidth <= e.clientWidth + 1 && e.getBoundingClientRect().height <= lh * maxLines + 2;
    };
    while (!fits() && size > full * floor) {
      size = Math.max(full * floor, size * 0.92);
      e.style.fontSize = size + 'px';
    }
  }

  function fitAll() {
    for (const [sel, lines, floor] of FIT) for (const e of document.querySelectorAll(sel)) if (e.getClientRects().length) fit(e, lines, floor);
  }

  // highlight marks the newest call as fresh for FRESH_MS.
  function highlight() {
    const now = $('now');
    clearTimeout(state.freshTimer);
    now.classList.remove('fresh');
    void now.offsetWidth; // restart the animation for a recall
    now.classList.add('fresh');
    state.freshTimer = setTimeout(() => now.classList.remove('fresh'), FRESH_MS);
  }

  function drawWaiting() {
    $('waiting-list').replaceChildren(...state.departments.map((d) => el('li', { 'data-department': String(d.id) },
      el('span', { class: 'prefix', 'aria-hidden': 'true', text: d.prefix || '' }),
      el('span', { class: 'dep-name', text: d['name_' + lang] || d.name, lang: d['name_' + lang] ? lang : 'pl' }),
      el('span', { class: 'dep-count', 'aria-hidden': 'true', text: String(d.waiting || 0) }),
      el('span', { class: 'visually-hidden', text: ': ' + t('waiting.count', { n: d.waiting || 0 }) }))));
    fitAll();
  }

  function tick() {
    $('clock').textContent = clockFormat.format(new Date());
    setTimeout(tick, 1000 - (Date.now() % 1000) + 5);
  }

  // ---- Feed -----------------------------------------------------------------

  // reloadForVersion reloads the page once when the server runs another
  // version than the one the page came from.
  function reloadForVersion(version) {
    const mine = document.body.dataset.version || '';
    if (!version || !mine || version === mine) return false;
    let tried = '';
    try { tried = sessionStorage.getItem('okienko.display.reloadedFor') || ''; } catch (e) { /* storage off */ }
    if (tried === version) return false; // reloaded once already and still old: go on
    try { sessionStorage.setItem('okienko.display.reloadedFor', version); } catch (e) { /* storage off */ }
    location.reload();
    return true;
  }

  // checkSetup reloads the page when the administrator has changed this
  // display's departments or language since the page was loaded; it runs on
  // every snapshot and every SETUP_CHECK_MS.
  async function checkSetup() {
    if (!setup.display) return;
    let d;
    try {
      const resp = await fetch('/api/v1/displays/' + encodeURIComponent(setup.display), { cache: 'no-store' });
      if (!resp.ok) return; // deleted or the server is away: keep showing what we show
      d = await resp.json();
    } catch (e) {
      return;
    }
    const departments = (d.department_ids || []).join(',');
    const language = params.get('lang') && MESSAGES[params.get('lang')] ? lang : d.lang;
    const soundSetting = d.sound ? 'on' : 'off';
    if (departments !== (setup.departments || '') || language !== lang || (setup.sound && soundSetting !== setup.sound)) location.reload();
  }

  function onSnapshot(msg) {
    if (reloadForVersion(msg.version)) return;
    checkSetup();
    if (msg.office && msg.office.name) $('office').textContent = msg.office.name;
    state.departments = (msg.departments || []).filter((d) => wanted(d.id));
    const known = new Set(state.calls.map(callKey));
    const newestAt = state.calls.length ? Date.parse(state.calls[0].at) : -Infinity;
    const first = state.snapshots++ === 0;
    setCalls(msg.calls);
    drawCalls();
    drawWaiting();
    // Calls made while the display was offline are announced when it is back.
    if (!first) {
      const missed = state.calls.filter((c) => !known.has(callKey(c)) && Date.parse(c.at) > newestAt).reverse();
      for (const c of missed) announce(c);
      if (missed.length) highlight();
    }
  }

  // setCalls takes the board's list of last calls, the one the server keeps
  // (display/board.go, callList) and sends with the snapshot and with every
  // message that changes it: a screen left open and one loaded now draw the
  // same list. Only the departments this screen shows are kept.
  function setCalls(calls) {
    state.calls = (calls || []).filter((c) => wanted(c.department_id)).slice(0, RECENT_MAX);
  }

  function onEvent(msg) {
    switch (msg.type) {
      case 'called':
        if (Array.isArray(msg.calls)) setCalls(msg.calls);
        if (!wanted(msg.department_id)) {
          drawCalls();
          return;
        }
        drawCalls();
        highlight();
        announce(msg);
        break;
      case 'waiting':
        for (const w of msg.departments || []) {
          const d = state.departments.find((x) => x.id === w.id);
          if (d) d.waiting = w.waiting;
        }
        drawWaiting();
        break;
      case 'ticket':
        // A ticket sent back to the queue (or expired) leaves the list; the
        // board sends the list as it is now.
        if (Array.isArray(msg.calls)) {
          setCalls(msg.calls);
          drawCalls();
        }
        break;
      default:
    }
  }

  function onState(online) {
    $('offline').textContent = online ? '' : t('page.offline');
    document.body.classList.toggle('is-offline', !online);
  }

  // ---- Sound ----------------------------------------------------------------

  const sound = {
    on: false,
    queue: [], // calls to announce, in order
    busy: false,
  };

  function remember(v) {
    try { localStorage.setItem(SOUND_KEY, v); } catch (e) { /* storage off */ }
  }

  function remembered() {
    try { return localStorage.getItem(SOUND_KEY) || ''; } catch (e) { return ''; }
  }

  // The administrator turned this display's sound on (the panel's setting,
  // kept on the TV too), or someone turned it on here once: the display
  // means to play, and when the browser refuses it says so below the board
  // instead of asking for a touch over it.
  if (setup.sound === 'on') remember('on');
  const soundWanted = setup.sound === 'on' || remembered() === 'on';

  // soundAllowed tells whether the browser lets the page play sound without
  // a gesture (a TV's browser started with --autoplay-policy=no-user-gesture-required,
  // or one the visitor has touched): navigator.getAutoplayPolicy where the
  // browser has it, else whether an AudioContext runs, playing a silent
  // buffer, within a short while.
  async function soundAllowed() {
    if (typeof navigator.getAutoplayPolicy === 'function') {
      try {
        return navigator.getAutoplayPolicy('mediaelement') === 'allowed';
      } catch (e) { /* fall through to the test */ }
    }
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return false;
    let ctx;
    try {
      ctx = new AC();
      const buf = ctx.createBuffer(1, 1, 22050);
      const src = ctx.createBufferSource();
      src.buffer = buf;
      src.connect(ctx.destination);
      src.start(0);
      if (ctx.state !== 'running') {
        await Promise.race([ctx.resume().catch(() => {}), new Promise((r) => setTimeout(r, 500))]);
      }
      return ctx.state === 'running';
    } catch (e) {
      return false;
    } finally {
      if (ctx && ctx.close) ctx.close().catch(() => {});
    }
  }

  // refused is called when the browser won't play sound before a gesture.
  // A display meant to play shows a small note in the footer, outside the
  // numbers; any other shows the small "sound off" button in the top bar.
  // Either way any touch or key on the screen turns the sound on.
  function refused() {
    const h = soundWanted ? $('sound-blocked') : $('sound-enable');
    if (!h.hidden) return;
    h.hidden = false;
    document.addEventListener('keydown', enableSound, true);
    document.addEventListener('pointerdown', enableSound, true);
    fitAll();
  }

  // enableSound runs in the user's gesture, so the browser lets the page
  // play sound and speak from now on; the choice is remembered.
  function enableSound(ev) {
    if (sound.on && $('sound-enable').hidden && $('sound-blocked').hidden) return; // the click after the pointerdown
    if (ev && ev.type === 'keydown' && ['Tab', 'Shift', 'Alt', 'Control', 'Meta'].includes(ev.key)) return;
    document.removeEventListener('keydown', enableSound, true);
    document.removeEventListener('pointerdown', enableSound, true);
    if (ev) ev.preventDefault();
    $('sound-enable').hidden = true;
    $('sound-blocked').hidden = true;
    sound.on = true;
    remember('on');
    const chime = $('chime');
    chime.muted = true;
    const p = chime.play();
    const unmute = () => {
      chime.pause();
      chime.currentTime = 0;
      chime.muted = false;
    };
    if (p && p.then) p.then(unmute, unmute); else unmute();
    const synth = window.speechSynthesis;
    if (synth && window.SpeechSynthesisUtterance) {
      try {
        const u = new SpeechSynthesisUtterance(' ');
        u.volume = 0;
        synth.speak(u);
      } catch (e) { /* no speech on this browser */ }
    }
    pump();
  }

  // announce queues a call's announcement; one never cuts off another.
  function announce(call) {
    sound.queue.push(call);
    pump();
  }

  // pump announces the queued calls in turn: each in the live region (one
  // node per call, for screen readers) and, with the sound on, by the chime
  // and speech.
  async function pump() {
    if (sound.busy) return;
    sound.busy = true;
    try {
      while (sound.queue.length) {
        const parts = announcement(sound.queue.shift());
        announced.push(parts.map((p) => p.text).join(''));
        write(parts);
        if (!sound.on) continue;
        await chime();
        await speak(parts);
      }
    } finally {
      sound.busy = false;
    }
  }

  // write appends an announcement to the polite live region, each part in
  // its language, and drops the oldest beyond ANNOUNCEMENTS_KEPT (read by
  // then: removals are not announced).
  function write(parts) {
    const region = $('announcements');
    region.append(el('p', {}, ...parts.map((p) => (p.lang === lang ? p.text : el('span', { lang: p.lang, text: p.text })))));
    while (region.childElementCount > ANNOUNCEMENTS_KEPT) region.firstElementChild.remove();
  }

  // chime plays the chime to its end; a browser that refuses asks for the
  // sound to be turned on again.
  function chime() {
    return new Promise((resolve) => {
      const a = $('chime');
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        a.removeEventListener('ended', finish);
        a.removeEventListener('error', finish);
        resolve();
      };
      const timer = setTimeout(finish, CHIME_MAX_MS);
      a.addEventListener('ended', finish);
      a.addEventListener('error', finish);
      try {
        a.currentTime = 0;
        const p = a.play();
        if (p && p.catch) {
          p.catch((err) => {
            if (err && err.name === 'NotAllowedError') {
              sound.on = false;
              refused();
            }
            finish();
          });
        }
      } catch (e) {
        finish();
      }
    });
  }

  const voices = {}; // by speech language tag
  function pickVoice(want) {
    const synth = window.speechSynthesis;
    if (!synth || !synth.getVoices) return null;
    const tag = want.toLowerCase();
    const base = tag.split('-')[0];
    const all = synth.getVoices() || [];
    return all.find((v) => (v.lang || '').toLowerCase().replace('_', '-') === tag)
      || all.find((v) => (v.lang || '').toLowerCase().startsWith(base)) || null;
  }

  // speak says an announcement's parts, parts in one language as one
  // utterance in that language's voice, and resolves when all has been
  // said (or could not be).
  async function speak(parts) {
    const groups = [];
    for (const p of parts) {
      const last = groups[groups.length - 1];
      if (last && last.lang === p.lang) last.text += p.text;
      else groups.push({ text: p.text, lang: p.lang });
    }
    for (const g of groups) if (g.text.trim()) await utter(g.text.trim(), SPEECH_LANG[g.lang] || t('speech.lang'));
  }

  function utter(text, tag) {
    const synth = window.speechSynthesis;
    if (!synth || !window.SpeechSynthesisUtterance) return Promise.resolve();
    return new Promise((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve();
      };
      // Some engines never report the end; the queue must go on anyway.
      const timer = setTimeout(finish, 4000 + 150 * text.length);
      try {
        const u = new SpeechSynthesisUtterance(text);
        u.lang = tag;
        voices[tag] = voices[tag] || pickVoice(tag);
        if (voices[tag]) u.voice = voices[tag];
        u.rate = 0.9;
        u.onend = finish;
        u.onerror = finish;
        synth.speak(u);
      } catch (e) {
        finish();
      }
    });
  }

  // ---- Start ----------------------------------------------------------------

  function applyMessages() {
    document.documentElement.lang = lang;
    for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
    document.title = t('page.title');
  }

  function start() {
    applyMessages();
    tick();
    drawCalls();
    $('sound-enable').addEventListener('click', enableSound);
    // Calls wait for the answer: one made meanwhile is chimed once it comes.
    sound.busy = true;
    soundAllowed().then((ok) => {
      if (ok) sound.on = true;
      else refused();
      sound.checked = true;
    }, () => refused()).finally(() => {
      sound.busy = false;
      pump();
    });
    addEventListener('resize', fitAll);
    if (window.speechSynthesis && window.speechSynthesis.addEventListener) {
      window.speechSynthesis.addEventListener('voiceschanged', () => { for (const k of Object.keys(voices)) delete voices[k]; });
    }
    const q = new URLSearchParams();
    if (params.get('office')) q.set('office', params.get('office'));
    const path = '/ws/display' + (q.toString() ? '?' + q : '');
    window.OkienkoLive.connect({ path, onSnapshot, onEvent, onState });
    if (setup.display) setInterval(checkSetup, SETUP_CHECK_MS);
  }

  start();
  return { speechText, announcement, spokenNumber, spokenCounter, announced, lang, checkSetup, queued: () => sound.queue.length, sound: () => ({ on: sound.on, checked: Boolean(sound.checked), wanted: soundWanted }) };
}());
