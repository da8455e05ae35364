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
    'signin.or': 'albo',
    'signin.oidc': 'Zaloguj przez konto urzędu',
    'oidc.expired': 'Logowanie przez konto urzędu trwało zbyt długo albo zaczęło się w innym oknie. Spróbuj ponownie.',
    'oidc.failed': 'Nie udało się zalogować przez konto urzędu. Spróbuj ponownie; jeśli to się powtarza, zgłoś to administratorowi.',
    'oidc.unavailable': 'Usługa logowania urzędu nie odpowiada. Spróbuj za chwilę albo zaloguj się hasłem.',
    'oidc.forbidden': 'Twoje konto urzędu nie ma dostępu do Okienka (nie ma roli albo zostało tu wyłączone). Poproś administratora o nadanie roli.',
    'oidc.taken': 'Nazwa użytkownika z konta urzędu należy już do innego konta w Okienku. Poproś administratora o pomoc.',

    'counters.heading': 'Wybierz stanowisko',
    'counters.legend': 'Stanowisko',
    'counters.none': 'Nie ma żadnych stanowisk.',
    'counters.services': 'Sprawy obsługiwane dziś',
    'counters.open': 'Otwórz stanowisko',
    'counters.free': 'wolne',
    'counters.serviceOf': '{service} ({department})',
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
    'current.rest': 'Dalsze sprawy tej wizyty',
    'current.onward': 'Przekaż do następnej sprawy: {service}',
    'current.onwardHelp': 'Bilet przejdzie do kolejki następnej sprawy i zachowa swoje miejsce; jeśli to stanowisko ją obsługuje, wezwij go ponownie.',
    'waiting.more': '{service} + {more}',

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
    'pause.heading': 'Przerwa',
    'pause.help': 'Wybierz powód przerwy. Nowi klienci nie będą wzywani do tego stanowiska.',
    'notice.pausedFor': 'Przerwa: {reason}. Nowi klienci nie są wzywani.',
    'myDay.heading': 'Mój dzień',
    'myDay.loading': 'Wczytywanie…',
    'myDay.refresh': 'Odśwież',
    'myDay.served': 'Obsłużeni',
    'myDay.noShow': 'Nieobecni',
    'myDay.mean': 'Obsługa średnio',
    'myDay.p90': 'Obsługa p90',
    'myDay.paused': 'Przerwy',
    'myDay.minutes': '{n} min',
    'myDay.pausesCaption': 'Przerwy według powodu',
    'myDay.none': 'Dziś jeszcze bez obsłużonych i bez przerw.',
    'notice.closed': 'Zamknięto stanowisko.',
    'notice.counterGone': 'To stanowisko nie jest już otwarte przez Ciebie.',

    'undo.text': '{number} oznaczono jako nieobecny.',
    'undo.button': 'Cofnij',
    'undo.left': 'Możesz to cofnąć jeszcze przez {n} s.',
    'undo.tooLate': 'Za późno na cofnięcie: {number} pozostaje nieobecny.',
    'notice.undone': 'Cofnięto: {number} znów jest wezwany do stanowiska.',

    'book.open': 'Zapisz na wizytę',
    'book.heading': 'Zapis na wizytę (rozmowa telefoniczna)',
    'book.service': 'Sprawa',
    'book.day': 'Dzień',
    'book.time': 'Godzina',
    'book.name': 'Imię i nazwisko',
    'book.pesel': 'PESEL',
    'book.phone': 'Telefon komórkowy',
    'book.phoneHint': 'Potwierdzenie przyjdzie SMS-em.',
    'book.email': 'E-mail (nieobowiązkowy, gdy jest telefon)',
    'book.consent': 'Rozmówca zgodził się na przetwarzanie danych osobowych w celu rezerwacji wizyty.',
    'book.cancel': 'Anuluj',
    'book.submit': 'Zarezerwuj',
    'book.loading': 'Wczytywanie…',
    'book.noDays': 'Brak wolnych terminów',
    'book.noTimes': 'Brak wolnych godzin',
    'book.dayOption': '{day} (wolne: {n})',
    'book.counterServices': 'Sprawy tego stanowiska',
    'book.doneHeading': 'Zarezerwowano. Podaj rozmówcy kod:',
    'book.doneWhen': 'Termin',
    'book.doneService': 'Sprawa',
    'book.doneWho': 'Dla',
    'book.whenText': '{date}, godz. {time}',
    'book.again': 'Zapisz kolejną osobę',
    'book.close': 'Zamknij',
    'book.booked': 'Zarezerwowano wizytę, kod {code}.',
    'book.fixFields': 'Popraw zaznaczone pola.',
    'book.required.service_id': 'Wybierz sprawę.',
    'book.required.start': 'Wybierz wolną godzinę.',
    'book.required.name': 'Podaj imię i nazwisko rozmówcy.',
    'book.required.pesel': 'Podaj numer PESEL rozmówcy.',
    'book.required.contact': 'Podaj telefon komórkowy albo e-mail rozmówcy.',
    'book.required.consent': 'Potwierdź, że rozmówca zgodził się na przetwarzanie danych.',
    'book.invalid.service_id': 'Wybierz sprawę z listy.',
    'book.invalid.start': 'Tej godziny nie można już zarezerwować — wybierz inną.',
    'book.invalid.name': 'Sprawdź imię i nazwisko: tylko litery, spacje, łączniki, apostrofy i kropki.',
    'book.invalid.pesel': 'Ten numer PESEL jest nieprawidłowy — sprawdź cyfry.',
    'book.invalid.phone': 'Podaj polski numer komórkowy, np. 600 100 200.',
    'book.invalid.email': 'Ten adres e-mail jest nieprawidłowy.',
    'book.invalid.consent': 'Potwierdź, że rozmówca zgodził się na przetwarzanie danych.',
    'book.invalid.lang': 'Nieobsługiwany język wiadomości.',
    'book.emailLimit': 'Ten adres e-mail ma już najwięcej dozwolonych rezerwacji — podaj inny albo sam telefon.',
    'book.conflict': 'Nie zarezerwowano: termin jest już zajęty albo rozmówca ma już rezerwację tej sprawy w tym dniu lub za dużo rezerwacji. Godziny odświeżono.',

    'pickups.heading': 'Dokumenty do odbioru',
    'pickups.register': 'Zarejestruj dokument',
    'pickups.room': 'Pokój odbioru',
    'pickups.roomHint': 'Ten pokój podamy w wiadomości „Proszę odebrać…”.',
    'pickups.roomRequired': 'Podaj pokój, w którym można odebrać dokument.',
    'pickups.none': 'Nie ma dokumentów w toku.',
    'pickups.caption': 'Dokumenty w przygotowaniu i gotowe do odbioru, od najnowszych',
    'pickups.number': 'Numer',
    'pickups.what': 'Dokument',
    'pickups.state': 'Stan',
    'pickups.action': 'Czynność',
    'pickups.status.in_progress': 'w przygotowaniu',
    'pickups.status.ready': 'gotowy, pokój {room}',
    'pickups.readyButton': 'Gotowe — powiadom',
    'pickups.readyLabel': 'Gotowe — powiadom: dokument {number}',
    'pickups.collectedButton': 'Odebrano',
    'pickups.collectedLabel': 'Odebrano: dokument {number}',
    'pickups.notifiedReady': 'Wysłano wiadomość: {number} do odbioru w pokoju {room}.',
    'pickups.notifiedCollected': 'Dokument {number} odebrany; sprawa zamknięta.',
    'pickups.dialogHeading': 'Dokument do odbioru',
    'pickups.whatLabel': 'Dokument (np. zaświadczenie o wpisie do ewidencji)',
    'pickups.contactHint': 'Podaj telefon albo e-mail: tam wyślemy numer sprawy i wiadomość, gdy dokument będzie gotowy.',
    'pickups.phone': 'Telefon komórkowy',
    'pickups.email': 'E-mail',
    'pickups.lang': 'Język wiadomości',
    'pickups.ticket': 'Dla klienta z biletem {number} (bez telefonu i e-maila weźmiemy telefon z biletu)',
    'pickups.cancel': 'Anuluj',
    'pickups.submit': 'Zarejestruj',
    'pickups.doneHeading': 'Zarejestrowano. Numer sprawy:',
    'pickups.doneHelp': 'Mieszkaniec dostał numer i link do strony ze stanem sprawy.',
    'pickups.close': 'Zamknij',
    'pickups.registered': 'Zarejestrowano dokument, numer sprawy {number}.',
    'pickups.fixFields': 'Popraw zaznaczone pola.',
    'pickups.required.what': 'Wpisz, jaki dokument będzie do odbioru.',
    'pickups.required.contact': 'Podaj telefon komórkowy albo e-mail.',
    'pickups.invalid.what': 'Opis dokumentu jest za długi albo ma niedozwolone znaki.',
    'pickups.invalid.phone': 'Podaj polski numer komórkowy, np. 600 100 200.',
    'pickups.invalid.email': 'Ten adres e-mail jest nieprawidłowy.',
    'pickups.invalid.ticket_id': 'Tego biletu już nie ma — odznacz powiązanie z biletem.',

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
    pauseReturn: null,
    reasons: [],
    undo: null, // {id, number, until, timer}: a no-show that may be taken back
  };
  // How long a no-show may be taken back: the server's window, which it
  // enforces by its own clock.
  const UNDO_MS = (parseInt(document.body.dataset.undoSeconds, 10) || 10) * 1000;

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
    pickupsFeed.stop();
    if (name === 'counters') countersFeed.start();
    if (name === 'work') {
      queueFeed.start();
      pickupsFeed.start();
      loadPickups();
    }
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
    closeBooking();
    stopUndo();
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

  // counterDepartments names the departments counter c serves.
  function counterDepartments(c) {
    return ((c.departments && c.departments.length) ? c.departments : [c.department || '']).join(', ');
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
          el('span', { class: 'muted', text: ' — ' + counterDepartments(c) })),
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
      // A counter of several departments names each matter's department.
      const sv = state.services.get(sid);
      const label = (c.department_ids || []).length > 1 && sv ? t('counters.serviceOf', { service: sv.name, department: sv.department }) : serviceName(sid);
      list.append(el('li', null, input, el('label', { htmlFor: id, text: label })));
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
    await Promise.all([refreshQueue(), loadMyDay()]);
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
    closeBooking();
    stopUndo();
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
    $('work-department').textContent = counterDepartments(c) ? '— ' + counterDepartments(c) : '';
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
      // A visit of several matters: the rest, and sending it onward.
      const rest = cur.remaining || [];
      $('current-rest-row').hidden = !rest.length;
      $('current-onward-row').hidden = !rest.length;
      $('current-rest').textContent = rest.map((m) => m.service || serviceName(m.service_id)).join(', ');
      if (rest.length) {
        $('act-onward').textContent = t('current.onward', { service: rest[0].service || serviceName(rest[0].service_id) });
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
      const service = tk.service || serviceName(tk.service_id);
      row.cells[1].textContent = tk.remaining && tk.remaining.length
        ? t('waiting.more', { service, more: tk.remaining.map((m) => m.service || serviceName(m.service_id)).join(', ') })
        : service;
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
    'undo-no-show': 'undo-noshow', book: 'book-open',
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
      'undo-no-show': Boolean(state.undo) && !cur,
      book: Boolean(q),
    };
    for (const [action, id] of Object.entries(BUTTONS)) $(id).disabled = !can[action];
    $('act-onward').disabled = !can.transfer;
    $('act-pause').hidden = status === 'paused';
    $('act-resume').hidden = status !== 'paused';
    for (const b of $('waiting-list').querySelectorAll('button')) b.disabled = !can.next;
  }

  // After an action the focus goes to the likely next step when the button
  // it was on no longer applies.
  const FOLLOW_UP = {
    next: 'start', call: 'start', recall: 'start', start: 'finish', finish: 'next',
    'no-show': 'undo-no-show', return: 'next', transfer: 'next', pause: 'resume', resume: 'next',
    'undo-no-show': 'start',
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
    pickups.lastServed = { id: cur.id, number: cur.number };
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
    if (action === 'book') {
      openBooking();
      return;
    }
    if (action === 'pause' && state.reasons.length) {
      openPause();
      return;
    }
    const undo = state.undo;
    stopUndo();
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
          if (action === 'no-show') startUndo(tk);
          break;
        }
        case 'undo-no-show': {
          if (!undo) return;
          try {
            tk = await api('POST', '/api/v1/tickets/' + undo.id + '/undo-no-show');
            showNotice(t('notice.undone', { number: tk.number }));
          } catch (err) {
            if (err.status !== 409) throw err;
            showAlert(t('undo.tooLate', { number: undo.number }));
          }
          break;
        }
        case 'finish': {
          if (!cur) return;
          const outcome = $('outcome').value.trim();
          tk = await api('POST', '/api/v1/tickets/' + cur.id + '/finish', outcome ? { outcome } : {});
          $('outcome').value = '';
          pickups.lastServed = { id: tk.id, number: tk.number };
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
      loadMyDay();
    }
  }

  // ---- Undo of a no-show ---------------------------------------------------

  // startUndo offers, for UNDO_MS, to take back the no-show of ticket tk:
  // the notice with its Cofnij button (U) and the seconds left.
  function startUndo(tk) {
    stopUndo();
    const u = { id: tk.id, number: tk.number, until: Date.now() + UNDO_MS, timer: null };
    state.undo = u;
    $('undo-text').textContent = t('undo.text', { number: tk.number });
    const tick = () => {
      const left = Math.ceil((u.until - Date.now()) / 1000);
      if (left <= 0) {
        undoLapsed(u);
        return;
      }
      $('undo-left').textContent = t('undo.left', { n: left });
      u.timer = setTimeout(tick, 250);
    };
    tick();
    $('undo').hidden = false;
  }

  // stopUndo ends the offer to take back a no-show, if any.
  function stopUndo() {
    const u = state.undo;
    if (!u) return;
    clearTimeout(u.timer);
    state.undo = null;
    $('undo').hidden = true;
    $('undo-noshow').disabled = true;
  }

  // undoLapsed ends the offer when its time is up; the focus, when it was
  // on the Cofnij button, goes to the next step.
  function undoLapsed(u) {
    if (state.undo !== u) return;
    const hadFocus = document.activeElement === $('undo-noshow');
    stopUndo();
    if (state.queue) updateButtons();
    if (hadFocus && state.view === 'work') keepFocus('no-show');
  }

  // ---- Booking for a caller -----------------------------------------------

  // The fields of the booking form by the API's field names.
  const BOOK_FIELDS = {
    service_id: 'book-service', date: 'book-day', start: 'book-time', name: 'book-name',
    pesel: 'book-pesel', phone: 'book-phone', email: 'book-email', consent: 'book-consent',
  };
  const book = { returnTo: null, seq: 0, busy: false, services: new Map() };
  const dayFormat = new Intl.DateTimeFormat(lang, { weekday: 'short', day: 'numeric', month: 'long', timeZone: zone });
  const dateFormat = new Intl.DateTimeFormat(lang, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: zone });

  // A calendar day (YYYY-MM-DD) as a Date at its noon UTC: the same day
  // in the office's zone.
  const dayDate = (d) => new Date(d + 'T12:00:00Z');

  // openBooking opens the dialog for booking a visit for a caller, the
  // matter preset to the counter's first.
  async function openBooking() {
    const dialog = $('book-dialog');
    if (dialog.open) return;
    try {
      await loadServices();
    } catch (err) {
      failed(err);
      return;
    }
    book.returnTo = document.activeElement;
    fillBookServices();
    resetBooking(true);
    dialog.showModal();
    $('book-service').focus();
    await loadBookDays();
  }

  function closeBooking() {
    const dialog = $('book-dialog');
    if (dialog.open) dialog.close();
  }

  // focusMovedSince reports whether, when a dialog's close event runs (a
  // task after close(), which already gave the focus back to the opener),
  // the focus is somewhere else than the opener or the dialog: a click came
  // in between, and the focus stays where the clerk put it.
  function focusMovedSince(dialog, back) {
    const a = document.activeElement;
    return Boolean(a && a !== document.body && a !== back && !dialog.contains(a));
  }

  // returnFocus gives the focus back to back, the control that opened
  // dialog, once the dialog has closed. It reports false when it could not
  // (back is gone, disabled or hidden) and the clerk hadn't put the focus
  // elsewhere meanwhile: the caller then finds the focus a place.
  function returnFocus(dialog, back) {
    if (focusMovedSince(dialog, back)) return true;
    if (!back || !back.isConnected || back.disabled || back.hidden || back === document.body) return false;
    back.focus();
    return true;
  }

  function bookingClosed() {
    const back = book.returnTo;
    book.returnTo = null;
    if (!returnFocus($('book-dialog'), back) && state.view === 'work') keepFocus('book');
  }

  // fillBookServices lists the office's matters, the counter's first in
  // their own group, keeping a choice already made.
  function fillBookServices() {
    const select = $('book-service');
    const was = select.value;
    const q = state.queue;
    const mine = q ? (q.counter.state.service_ids && q.counter.state.service_ids.length ? q.counter.state.service_ids : q.counter.service_ids || []) : [];
    select.replaceChildren();
    book.services.clear();
    if (mine.length) {
      const group = el('optgroup', { label: t('book.counterServices') });
      for (const id of mine) group.append(el('option', { value: String(id), text: serviceName(id) }));
      select.append(group);
    }
    for (const d of state.departments || []) {
      const services = (d.services || []).filter((s) => !mine.includes(s.id));
      for (const s of d.services || []) book.services.set(s.id, s);
      if (!services.length) continue;
      const group = el('optgroup', { label: d.name });
      for (const s of services) group.append(el('option', { value: String(s.id), text: s.name }));
      select.append(group);
    }
    if (was && select.querySelector('option[value="' + was + '"]')) select.value = was;
  }

  // resetBooking shows the empty form (keeping the matter and day when
  // booking another caller).
  function resetBooking(all) {
    for (const id of ['book-name', 'book-pesel', 'book-phone', 'book-email']) $(id).value = '';
    $('book-consent').checked = false;
    clearBookErrors();
    $('book-form').hidden = false;
    $('book-done').hidden = true;
    if (all) {
      $('book-day').replaceChildren();
      $('book-time').replaceChildren();
    }
  }

  function clearBookErrors() {
    setBookAlert('');
    for (const id of Object.values(BOOK_FIELDS)) setFieldError($(id), '');
  }

  function setBookAlert(message) {
    const a = $('book-alert');
    a.textContent = message || '';
    a.classList.toggle('shown', Boolean(message));
  }

  // placeholderOption is a disabled option saying why a list is empty.
  function placeholderOption(key) {
    return el('option', { value: '', text: t(key), disabled: true, selected: true });
  }

  // loadBookDays lists the days of the chosen matter with free seats
  // (GET /services/{id}/days), then that day's times.
  async function loadBookDays() {
    const seq = ++book.seq;
    const sid = $('book-service').value;
    const daySelect = $('book-day');
    const was = daySelect.value;
    daySelect.replaceChildren(placeholderOption('book.loading'));
    $('book-time').replaceChildren();
    if (!sid) return;
    let days;
    try {
      days = await api('GET', '/api/v1/services/' + encodeURIComponent(sid) + '/days');
    } catch (err) {
      if (seq === book.seq) setBookAlert(err.message);
      return;
    }
    if (seq !== book.seq) return;
    const open = (days || []).filter((d) => d.free > 0);
    daySelect.replaceChildren();
    if (!open.length) {
      daySelect.append(placeholderOption('book.noDays'));
      $('book-time').replaceChildren(placeholderOption('book.noTimes'));
      return;
    }
    for (const d of open) {
      daySelect.append(el('option', {
        value: d.date,
        text: t('book.dayOption', { day: dayFormat.format(dayDate(d.date)), n: d.free }),
      }));
    }
    if (was && open.some((d) => d.date === was)) daySelect.value = was;
    await loadBookTimes();
  }

  // loadBookTimes lists the chosen day's free times (GET /services/{id}/slots).
  async function loadBookTimes() {
    const seq = ++book.seq;
    const sid = $('book-service').value;
    const day = $('book-day').value;
    const timeSelect = $('book-time');
    const was = timeSelect.value;
    if (!sid || !day) {
      timeSelect.replaceChildren();
      return;
    }
    timeSelect.replaceChildren(placeholderOption('book.loading'));
    let answer;
    try {
      answer = await api('GET', '/api/v1/services/' + encodeURIComponent(sid) + '/slots?date=' + encodeURIComponent(day));
    } catch (err) {
      if (seq === book.seq) setBookAlert(err.message);
      return;
    }
    if (seq !== book.seq) return;
    const free = ((answer && answer.slots) || []).filter((sl) => sl.free > 0);
    timeSelect.replaceChildren();
    if (!free.length) {
      timeSelect.append(placeholderOption('book.noTimes'));
      return;
    }
    for (const sl of free) timeSelect.append(el('option', { value: sl.start, text: timeFormat.format(new Date(sl.start)) }));
    if (was && free.some((sl) => sl.start === was)) timeSelect.value = was;
  }

  // submitBooking books the chosen time for the caller through the API as
  // the signed-in clerk; a refused field is shown at the field.
  async function submitBooking(ev) {
    ev.preventDefault();
    if (book.busy) return;
    clearBookErrors();
    const v = (id) => $(id).value.trim();
    const errors = {};
    if (!v('book-service')) errors.service_id = t('book.required.service_id');
    if (!v('book-time')) errors.start = t('book.required.start');
    if (!v('book-name')) errors.name = t('book.required.name');
    if (!v('book-pesel')) errors.pesel = t('book.required.pesel');
    if (!v('book-phone') && !v('book-email')) errors.phone = t('book.required.contact');
    if (!$('book-consent').checked) errors.consent = t('book.required.consent');
    if (Object.keys(errors).length) {
      showBookErrors(errors);
      return;
    }
    const body = {
      service_id: Number(v('book-service')), start: v('book-time'), name: v('book-name'),
      pesel: v('book-pesel').replace(/\s+/g, ''), consent: true,
    };
    if (v('book-phone')) body.phone = v('book-phone');
    if (v('book-email')) body.email = v('book-email');
    book.busy = true;
    $('book-submit').disabled = true;
    $('book-form').setAttribute('aria-busy', 'true');
    try {
      const b = await api('POST', '/api/v1/bookings', body);
      showBooked(b, body);
    } catch (err) {
      bookRefused(err);
    } finally {
      book.busy = false;
      $('book-submit').disabled = false;
      $('book-form').removeAttribute('aria-busy');
    }
  }

  // showBookErrors shows messages (by API field name) at their fields and
  // a summary in the dialog's alert, and focuses the first such field.
  function showBookErrors(errors) {
    let first = null;
    for (const [field, id] of Object.entries(BOOK_FIELDS)) {
      if (!errors[field]) continue;
      setFieldError($(id), errors[field]);
      if (!first) first = $(id);
    }
    const other = Object.keys(errors).filter((f) => !BOOK_FIELDS[f]).map((f) => errors[f]);
    setBookAlert([t('book.fixFields'), ...other].join(' '));
    if (first) first.focus();
  }

  function bookRefused(err) {
    const p = err.problem || {};
    if (err.status === 422 && p.errors) {
      const errors = {};
      for (const f of Object.keys(p.errors)) {
        const key = 'book.invalid.' + f;
        errors[f] = t(key) !== key ? t(key) : p.errors[f];
      }
      showBookErrors(errors);
      return;
    }
    if (err.status === 409 && p.errors && p.errors.email) {
      showBookErrors({ email: t('book.emailLimit') });
      return;
    }
    if (err.status === 409) {
      setBookAlert(t('book.conflict'));
      loadBookTimes().then(() => $('book-time').focus());
      return;
    }
    setBookAlert(err.message);
  }

  // showBooked shows the code, big, for the clerk to read out, with the
  // visit's time, matter and the caller's name.
  function showBooked(b, sent) {
    const start = new Date(b.start);
    const svc = book.services.get(b.service_id);
    $('book-code').textContent = b.code;
    $('book-when').textContent = t('book.whenText', { date: dateFormat.format(start), time: timeFormat.format(start) });
    $('book-what').textContent = svc ? svc.name : serviceName(b.service_id);
    $('book-who').textContent = sent.name;
    $('book-form').hidden = true;
    $('book-done').hidden = false;
    showNotice(t('book.booked', { code: b.code }));
    $('book-done-heading').focus();
  }

  // bookAnother empties the form for the next caller, keeping the matter
  // and the day, with the times read again.
  async function bookAnother() {
    resetBooking(false);
    $('book-name').focus();
    await loadBookTimes();
  }

  // ---- Pickup notices -----------------------------------------------------

  // The documents residents will collect: registered here (tied to the
  // ticket being served, or the one served last), listed while open, each
  // told "ready, room …" in one click and closed when collected. The room
  // is the clerk's, remembered in this browser.
  const ROOM_KEY = 'okienko.clerk.room';
  const PICKUP_FIELDS = { what: 'pickup-what', phone: 'pickup-phone', email: 'pickup-email', ticket_id: 'pickup-ticket' };
  const pickups = { list: [], drawn: '', returnTo: null, busy: false, ticket: null, lastServed: null };

  async function loadPickups() {
    try {
      const r = await api('GET', '/api/v1/pickups?open=1');
      pickups.list = r.items || [];
      drawPickups();
    } catch (err) {
      if (err.status !== 401) failed(err);
    }
  }
  const pickupsFeed = pollingFeed(loadPickups, 15000);

  function drawPickups() {
    const key = JSON.stringify(pickups.list.map((p) => [p.id, p.status, p.room]));
    if (key === pickups.drawn) return;
    pickups.drawn = key;
    const body = $('pickups-list');
    const focused = document.activeElement && body.contains(document.activeElement) ? document.activeElement.id : '';
    body.replaceChildren();
    for (const p of pickups.list) {
      const action = p.status === 'ready'
        ? el('button', { type: 'button', class: 'btn btn-small', id: 'pickup-collected-' + p.id, text: t('pickups.collectedButton'), 'aria-label': t('pickups.collectedLabel', { number: p.number }) })
        : el('button', { type: 'button', class: 'btn btn-small btn-primary', id: 'pickup-ready-' + p.id, text: t('pickups.readyButton'), 'aria-label': t('pickups.readyLabel', { number: p.number }) });
      action.addEventListener('click', () => (p.status === 'ready' ? pickupCollected(p) : pickupReady(p)));
      body.append(el('tr', { 'data-pickup': String(p.id) },
        el('th', { scope: 'row', text: p.number }),
        el('td', { text: p.what }),
        el('td', { text: p.status === 'ready' ? t('pickups.status.ready', { room: p.room }) : t('pickups.status.in_progress') }),
        el('td', {}, action)));
    }
    $('pickups-table').hidden = !pickups.list.length;
    $('pickups-empty').hidden = Boolean(pickups.list.length);
    if (focused && $(focused)) $(focused).focus();
  }

  // pickupReady tells the resident the document waits in the clerk's room.
  async function pickupReady(p) {
    const input = $('pickup-room');
    const room = input.value.trim();
    setFieldError(input, '');
    if (!room) {
      setFieldError(input, t('pickups.roomRequired'));
      input.focus();
      return;
    }
    try { localStorage.setItem(ROOM_KEY, room); } catch (e) { /* private mode: not remembered */ }
    try {
      const done = await api('POST', '/api/v1/pickups/' + p.id + '/ready', { room });
      showNotice(t('pickups.notifiedReady', { number: done.number, room: done.room }));
    } catch (err) {
      if (err.status === 422) setFieldError(input, err.message);
      else failed(err);
    }
    await loadPickups();
    const next = $('pickup-collected-' + p.id) || $('pickup-open');
    if (next) next.focus();
  }

  async function pickupCollected(p) {
    try {
      const done = await api('POST', '/api/v1/pickups/' + p.id + '/collected');
      showNotice(t('pickups.notifiedCollected', { number: done.number }));
    } catch (err) {
      failed(err);
    }
    await loadPickups();
    $('pickup-open').focus();
  }

  // openPickup opens the registration, offering the ticket being served
  // (or the one served last) to tie it to.
  function openPickup() {
    const dialog = $('pickup-dialog');
    if (dialog.open) return;
    pickups.returnTo = document.activeElement;
    const cur = state.queue && state.queue.current;
    pickups.ticket = cur ? { id: cur.id, number: cur.number } : pickups.lastServed;
    for (const id of ['pickup-what', 'pickup-phone', 'pickup-email']) $(id).value = '';
    $('pickup-lang').value = lang;
    $('pickup-ticket').checked = Boolean(pickups.ticket);
    $('pickup-ticket-row').hidden = !pickups.ticket;
    if (pickups.ticket) $('pickup-ticket-label').textContent = t('pickups.ticket', { number: pickups.ticket.number });
    clearPickupErrors();
    $('pickup-form').hidden = false;
    $('pickup-done').hidden = true;
    dialog.showModal();
    $('pickup-what').focus();
  }

  function closePickup() {
    const dialog = $('pickup-dialog');
    if (dialog.open) dialog.close();
  }

  function pickupClosed() {
    const back = pickups.returnTo;
    pickups.returnTo = null;
    returnFocus($('pickup-dialog'), back);
  }

  function setPickupAlert(message) {
    const a = $('pickup-alert');
    a.textContent = message || '';
    a.classList.toggle('shown', Boolean(message));
  }

  function clearPickupErrors() {
    setPickupAlert('');
    for (const id of ['pickup-what', 'pickup-phone', 'pickup-email']) setFieldError($(id), '');
  }

  // showPickupErrors shows messages (by API field name) at their fields,
  // the rest in the dialog's alert, and focuses the first such field.
  function showPickupErrors(errors) {
    let first = null;
    const other = [];
    for (const [field, message] of Object.entries(errors)) {
      const id = PICKUP_FIELDS[field];
      if (id && id !== 'pickup-ticket') {
        setFieldError($(id), message);
        if (!first) first = $(id);
      } else {
        other.push(message);
      }
    }
    setPickupAlert([t('pickups.fixFields'), ...other].join(' '));
    (first || $('pickup-ticket')).focus();
  }

  async function submitPickup(ev) {
    ev.preventDefault();
    if (pickups.busy) return;
    clearPickupErrors();
    const v = (id) => $(id).value.trim();
    const tied = pickups.ticket && $('pickup-ticket').checked;
    const errors = {};
    if (!v('pickup-what')) errors.what = t('pickups.required.what');
    if (!v('pickup-phone') && !v('pickup-email') && !tied) errors.phone = t('pickups.required.contact');
    if (Object.keys(errors).length) {
      showPickupErrors(errors);
      return;
    }
    const body = { what: v('pickup-what'), lang: $('pickup-lang').value };
    if (v('pickup-phone')) body.phone = v('pickup-phone');
    if (v('pickup-email')) body.email = v('pickup-email');
    if (tied) body.ticket_id = pickups.ticket.id;
    pickups.busy = true;
    $('pickup-submit').disabled = true;
    try {
      const p = await api('POST', '/api/v1/pickups', body);
      $('pickup-number').textContent = p.number;
      $('pickup-form').hidden = true;
      $('pickup-done').hidden = false;
      showNotice(t('pickups.registered', { number: p.number }));
      $('pickup-done-heading').focus();
      loadPickups();
    } catch (err) {
      const p = err.problem || {};
      if (err.status === 422 && p.errors) {
        const shown = {};
        for (const f of Object.keys(p.errors)) {
          const key = (f === 'phone' || f === 'email') && !body.phone && !body.email ? 'pickups.required.contact' : 'pickups.invalid.' + f;
          shown[f] = t(key) !== key ? t(key) : p.errors[f];
        }
        showPickupErrors(shown);
      } else {
        setPickupAlert(err.message);
      }
    } finally {
      pickups.busy = false;
      $('pickup-submit').disabled = false;
    }
  }

  // ---- Pause with a reason, and the clerk's own day ----------------------

  // reasonName is a pause reason's name in the page's language.
  function reasonName(r) { return (lang === 'en' && r.name_en) || (lang === 'uk' && r.name_uk) || r.name; }

  // openPause asks why the clerk pauses: one button per reason the office
  // offers, the first focused; Esc or Anuluj closes without pausing.
  function openPause() {
    const dialog = $('pause-dialog');
    if (dialog.open) return;
    $('pause-options').replaceChildren(...state.reasons.map((r) => {
      const b = el('button', { type: 'button', class: 'btn btn-block', 'data-reason': String(r.id), text: reasonName(r) });
      b.addEventListener('click', () => pauseFor(r));
      return el('li', null, b);
    }));
    state.pauseReturn = document.activeElement;
    dialog.showModal();
    ($('pause-options').querySelector('button') || $('pause-cancel')).focus();
  }

  function closePause() {
    const dialog = $('pause-dialog');
    if (dialog.open) dialog.close();
  }

  function pauseClosed() {
    const back = state.pauseReturn;
    state.pauseReturn = null;
    if (!returnFocus($('pause-dialog'), back) && state.view === 'work') keepFocus('pause');
  }

  async function pauseFor(reason) {
    if (state.busy || state.counterId === null) return;
    state.busy = true;
    showAlert('');
    try {
      await api('POST', '/api/v1/counters/' + state.counterId + '/pause', { reason_id: reason.id });
      showNotice(t('notice.pausedFor', { reason: reasonName(reason) }));
      closePause();
    } catch (err) {
      failed(err);
      return;
    } finally {
      state.busy = false;
    }
    await refreshQueue();
    keepFocus('pause');
    loadMyDay();
  }

  // loadMyDay shows the clerk's own day (GET /api/v1/clerk/report) and
  // keeps the reasons offered for the pause dialog.
  async function loadMyDay() {
    let rep;
    try {
      rep = await api('GET', '/api/v1/clerk/report');
    } catch (err) {
      return; // the day's figures wait for the next refresh
    }
    state.reasons = (rep.reasons || []).filter((r) => !r.archived);
    const me = (rep.clerks || [])[0];
    const body = $('my-day-body');
    if (!me) {
      body.replaceChildren(el('p', { class: 'muted', text: t('myDay.none') }));
      return;
    }
    const num = (v) => (v === null || v === undefined ? '—' : t('myDay.minutes', { n: (Math.round(v * 10) / 10).toLocaleString(lang) }));
    const fact = (k, v) => el('div', null, el('dt', { text: t(k) }), el('dd', { text: String(v) }));
    const parts = [el('dl', { class: 'counts', id: 'my-day-facts' },
      fact('myDay.served', me.served), fact('myDay.noShow', me.no_show), fact('myDay.mean', num(me.service_mean_minutes)),
      fact('myDay.p90', num(me.service_p90_minutes)), fact('myDay.paused', num(me.paused_minutes)))];
    const byReason = me.paused_by_reason || [];
    if (byReason.length) {
      const named = (id) => (rep.reasons || []).find((r) => r.id === id);
      parts.push(el('table', { id: 'my-day-pauses' },
        el('caption', { text: t('myDay.pausesCaption') }),
        el('tbody', null, ...byReason.map((p) => el('tr', null,
          el('th', { scope: 'row', text: named(p.reason_id) ? reasonName(named(p.reason_id)) : p.name }),
          el('td', { text: num(p.minutes) }))))));
    }
    body.replaceChildren(...parts);
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

  // A dialog keeps Tab inside itself and gives the focus back on closing.
  function trapFocus(ev) {
    if (ev.key !== 'Tab') return;
    const items = focusables(ev.currentTarget);
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
    if (!returnFocus($('transfer-dialog'), back) && state.view === 'work') keepFocus('transfer');
  }

  // ---- Keyboard shortcuts -------------------------------------------------

  const SHORTCUTS = { n: 'next', r: 'recall', s: 'start', f: 'finish', x: 'no-show', t: 'transfer', u: 'undo-no-show', z: 'book' };

  function shortcut(ev) {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat) return;
    if (state.view !== 'work' || $('transfer-dialog').open || $('pause-dialog').open || $('book-dialog').open || $('pickup-dialog').open) return;
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
    $('act-onward').addEventListener('click', () => {
      const cur = state.queue && state.queue.current;
      const next = cur && cur.remaining && cur.remaining[0];
      if (next) transfer(cur, { id: next.service_id, name: next.service || serviceName(next.service_id) });
    });
    const pauseDialog = $('pause-dialog');
    pauseDialog.addEventListener('keydown', trapFocus);
    pauseDialog.addEventListener('close', pauseClosed);
    $('pause-cancel').addEventListener('click', closePause);
    $('my-day-refresh').addEventListener('click', loadMyDay);
    const bookDialog = $('book-dialog');
    bookDialog.addEventListener('keydown', trapFocus);
    bookDialog.addEventListener('close', bookingClosed);
    $('book-form').addEventListener('submit', submitBooking);
    $('book-service').addEventListener('change', loadBookDays);
    $('book-day').addEventListener('change', loadBookTimes);
    $('book-cancel').addEventListener('click', closeBooking);
    $('book-close').addEventListener('click', closeBooking);
    $('book-again').addEventListener('click', bookAnother);
    const pickupDialog = $('pickup-dialog');
    pickupDialog.addEventListener('keydown', trapFocus);
    pickupDialog.addEventListener('close', pickupClosed);
    $('pickup-open').addEventListener('click', openPickup);
    $('pickup-form').addEventListener('submit', submitPickup);
    $('pickup-cancel').addEventListener('click', closePickup);
    $('pickup-close').addEventListener('click', closePickup);
    try { $('pickup-room').value = localStorage.getItem(ROOM_KEY) || ''; } catch (e) { /* private mode */ }
    document.addEventListener('keydown', shortcut);
    // Switching the language reloads the page in it; the clerk stays signed
    // in and at the counter (see resume).
    ui.keepPlaceOnLanguageSwitch($('langs'));

    // A sign-in through the office's provider that failed comes back here
    // told why.
    const providerError = ui.signInError();
    let me = null;
    try {
      me = await api('GET', '/api/v1/auth/me');
    } catch (err) {
      if (err.status !== 401) failed(err);
    }
    if (!me) {
      showView('signin');
      if (providerError) showAlert(t(providerError));
      return;
    }
    state.user = me.user;
    state.csrf = me.csrf_token;
    await resume();
  }

  start();
}());
