// The lobby kiosk: a visitor picks a department and a matter and takes a
// walk-in ticket, or checks in a booking with its code (typed on the screen's
// keyboard or read by a scanner that types like a keyboard). The ticket is
// printed by the server and always shown on screen with its QR code.
//
// The kiosk's bearer token comes once as ?token= and is kept in
// localStorage; the address loses it at once. How long a screen waits for a
// touch before it returns to the start, how long before that it asks
// "Potrzebujesz więcej czasu?" (WCAG 2.2.1) and its layout (standard, or low:
// every control within a seated visitor's reach on a portrait screen) are the
// kiosk's, set by the administrator and read from /api/v1/kiosk/me; ?idle=
// overrides the waits (seconds, for a trial), ?lang= is the language it
// returns to (default Polish).
//
// The page's clock is Date.now(): tests replace it to drive the timers.
//
// Every text is in MESSAGES; a language is added by adding a dictionary with
// the same keys (the template's data-i18n and data-i18n-label attributes
// name them too). A value is a string with {placeholders}, or, for counts, an
// object of plural forms keyed by Intl.PluralRules categories.
'use strict';

import * as ui from './okienko-ui.js';

const MESSAGES = {
  pl: {
    'page.title': 'Biletomat — Okienko',
    'page.noscript': 'Biletomat wymaga JavaScriptu.',
    'page.loading': 'Wczytywanie…',

    'setup.heading': 'Biletomat nie jest skonfigurowany',
    'setup.rejected': 'Serwer odrzucił token tego biletomatu. Poproś administratora o nowy token.',
    'setup.help': 'Administrator: utwórz biletomat w panelu administratora (Biletomaty) i otwórz na tym ekranie adres /kiosk?token=… z tokenem biletomatu.',
    'setup.stored': 'Token zostanie zapamiętany w tej przeglądarce i usunięty z paska adresu.',

    'start.heading': 'Wybierz wydział',
    'start.empty': 'Żaden wydział nie wydaje teraz biletów.',
    'start.checkin': 'Mam rezerwację',
    'start.checkinHelp': 'Potwierdź przybycie kodem rezerwacji',
    'start.today': 'Dziś: {hours}',
    'start.closedToday': 'Dziś nieczynny',
    'start.matters': { one: '{n} sprawa', few: '{n} sprawy', many: '{n} spraw', other: '{n} sprawy' },

    'nav.back': 'Wstecz',
    'services.lead': 'Wybierz sprawę',

    'take.priority': 'Pierwszeństwo (kobiety w ciąży, osoby z niepełnosprawnością)',
    'take.submit': 'Pobierz bilet',
    'take.sms': 'SMS, gdy zbliży się moja kolej',
    'take.phone': 'Numer telefonu komórkowego',
    'take.phoneNote': 'Numer posłuży tylko do tego SMS-a i zostanie usunięty po dzisiejszej wizycie.',
    'take.phoneMissing': 'Wpisz numer telefonu albo wyłącz SMS.',
    'take.phoneBad': 'To nie jest polski numer komórkowy (9 cyfr).',
    'ticket.sms': 'Wyślemy SMS na numer {phone}, gdy zbliży się Twoja kolej.',
    'take.opensAt': 'Wydział przyjmuje od {time}.',
    'take.opensOn': 'Wydział nie wydaje teraz biletów. Zapraszamy: {date}, od {time}.',
    'take.closed': 'Wydział nie wydaje teraz biletów.',
    'take.gone': 'Tej sprawy nie można już wybrać. Wybierz ją jeszcze raz.',

    'checkin.heading': 'Mam rezerwację',
    'checkin.help': 'Wpisz kod rezerwacji z e-maila albo zeskanuj jego kod QR.',
    'checkin.code': 'Kod rezerwacji',
    'checkin.keyboard': 'Klawiatura ekranowa',
    'checkin.key': 'Znak {key}',
    'checkin.clear': 'Wyczyść',
    'checkin.backspace': 'Usuń ostatni znak',
    'checkin.submit': 'Potwierdź przybycie',
    'checkin.incomplete': 'Kod ma 8 znaków, na przykład ABCD-EFGH.',
    'checkin.invalid': 'To nie jest kod rezerwacji. Kod ma 8 znaków, na przykład ABCD-EFGH.',
    'checkin.notFound': 'Nie ma rezerwacji o kodzie {code}. Sprawdź kod i spróbuj jeszcze raz.',
    'checkin.tooEarly': 'Za wcześnie. Przybycie można potwierdzić od {time}.',
    'checkin.tooEarlyOn': 'Za wcześnie. Przybycie można potwierdzić {date}, od {time}.',
    'checkin.tooLate': 'Za późno: czas na potwierdzenie przybycia minął o {time}. Pobierz zwykły bilet.',
    'checkin.cancelled': 'Ta rezerwacja została odwołana.',
    'checkin.pending': 'Ta rezerwacja nie została potwierdzona. Potwierdź ją linkiem z e-maila albo pobierz zwykły bilet.',
    'checkin.expired': 'Ta rezerwacja wygasła, bo nie potwierdzono jej na czas. Pobierz zwykły bilet.',
    'checkin.already': 'Przybycie na tę rezerwację zostało już potwierdzone.',
    'checkin.alreadyNumber': 'Przybycie na tę rezerwację zostało już potwierdzone. Twój numer: {number}.',
    'checkin.conflict': 'Nie można teraz potwierdzić przybycia ({detail}).',
    'checkin.remoteNotFound': 'Nie znaleziono tego numeru z kolejki zdalnej. Pobierz zwykły bilet.',
    'checkin.remoteOver': 'Ten numer z kolejki zdalnej jest już nieważny. Pobierz zwykły bilet.',

    'ticket.heading': 'Twój numer',
    'ticket.booking': 'Przybycie potwierdzone.',
    'ticket.ahead': { one: 'Przed Tobą czeka {n} osoba.', few: 'Przed Tobą czekają {n} osoby.', many: 'Przed Tobą czeka {n} osób.', other: 'Przed Tobą czeka {n} osoby.' },
    'ticket.aheadNone': 'Nikt przed Tobą nie czeka.',
    'ticket.unserved': 'Teraz nikt nie obsługuje tej sprawy: żadne stanowisko nie jest dla niej otwarte.',
    'ticket.wait': { one: 'Szacowany czas oczekiwania: około {n} minuta.', few: 'Szacowany czas oczekiwania: około {n} minuty.', many: 'Szacowany czas oczekiwania: około {n} minut.', other: 'Szacowany czas oczekiwania: około {n} minuty.' },
    'ticket.qr': 'Kod QR biletu {number}',
    'ticket.qrHelp': 'Zeskanuj telefonem, aby śledzić kolejkę.',
    'ticket.done': 'Gotowe',
    'ticket.countdown': 'Powrót do ekranu startowego za {n} s',
    'idle.heading': 'Potrzebujesz więcej czasu?',
    'idle.text': 'Za {n} s ekran wróci do początku, a to, co wybrano i wpisano, zniknie.',
    'idle.more': 'Tak, potrzebuję więcej czasu',
    'idle.soon': { one: 'Została {n} sekunda.', few: 'Zostały {n} sekundy.', many: 'Zostało {n} sekund.', other: 'Zostało {n} sekundy.' },
    'ticket.announce': 'Twój numer: {number}. {service}. {ahead} {print}',

    'print.printed': 'Odbierz bilet z drukarki.',
    'print.queued': 'Bilet jest drukowany. Odbierz go z drukarki.',
    'print.none': 'Zapamiętaj numer lub zeskanuj kod QR.',
    'print.paper_out': 'W drukarce skończył się papier — zrób zdjęcie biletu lub zeskanuj kod QR.',
    'print.cover_open': 'Drukarka ma otwartą pokrywę — zrób zdjęcie biletu lub zeskanuj kod QR.',
    'print.offline': 'Drukarka nie działa — zrób zdjęcie biletu lub zeskanuj kod QR.',
    'print.agent_offline': 'Drukarka jest niedostępna — zrób zdjęcie biletu lub zapamiętaj numer.',
    'print.failed': 'Nie udało się wydrukować biletu — zrób zdjęcie biletu lub zeskanuj kod QR.',
    'print.unknown': 'Drukarka nie potwierdziła wydruku. Jeśli bilet nie wyszedł, zrób zdjęcie biletu lub zeskanuj kod QR.',

    'printer.paper_low': 'Drukarka: kończy się papier',
    'printer.paper_out': 'Drukarka: brak papieru',
    'printer.cover_open': 'Drukarka: otwarta pokrywa',
    'printer.offline': 'Drukarka: nie działa',
    'printer.unreachable': 'Drukarka: brak połączenia',
    'printer.other': 'Drukarka: usterka',

    'error.network': 'Brak połączenia z serwerem. Spróbuj ponownie za chwilę.',
    'error.server': 'Coś poszło nie tak (błąd {status}). Spróbuj ponownie lub poproś o pomoc w punkcie informacyjnym.',
    'error.tooMany': 'Zbyt wiele prób. Spróbuj ponownie za chwilę.',
    'error.departments': 'Nie udało się wczytać wydziałów. Ponawiam…',
  },
  en: {
    'page.title': 'Ticket kiosk — Okienko',
    'page.noscript': 'The kiosk needs JavaScript.',
    'page.loading': 'Loading…',

    'setup.heading': 'The kiosk is not set up',
    'setup.rejected': 'The server refused this kiosk\'s token. Ask the administrator for a new token.',
    'setup.help': 'Administrator: create a kiosk on the administration page (Kiosks) and open /kiosk?token=… with the kiosk\'s token on this screen.',
    'setup.stored': 'The token is kept in this browser and removed from the address bar.',

    'start.heading': 'Choose a department',
    'start.empty': 'No department issues tickets now.',
    'start.checkin': 'I have a booking',
    'start.checkinHelp': 'Check in with your booking code',
    'start.today': 'Today: {hours}',
    'start.closedToday': 'Closed today',
    'start.matters': { one: '{n} matter', other: '{n} matters' },

    'nav.back': 'Back',
    'services.lead': 'Choose your matter',

    'take.priority': 'Priority (pregnant women, people with disabilities)',
    'take.submit': 'Take a ticket',
    'take.sms': 'Text me when my turn is near',
    'take.phone': 'Mobile phone number',
    'take.phoneNote': 'The number serves only this text message and is deleted after today\'s visit.',
    'take.phoneMissing': 'Enter a phone number or turn the text message off.',
    'take.phoneBad': 'This is not a Polish mobile number (9 digits).',
    'ticket.sms': 'We will text {phone} when your turn is near.',
    'take.opensAt': 'The department takes visitors from {time}.',
    'take.opensOn': 'The department is not issuing tickets now. Please come on {date} from {time}.',
    'take.closed': 'The department is not issuing tickets now.',
    'take.gone': 'This matter can no longer be chosen. Please choose again.',

    'checkin.heading': 'I have a booking',
    'checkin.help': 'Type the booking code from your e-mail or scan its QR code.',
    'checkin.code': 'Booking code',
    'checkin.keyboard': 'On-screen keyboard',
    'checkin.key': 'Character {key}',
    'checkin.clear': 'Clear',
    'checkin.backspace': 'Delete the last character',
    'checkin.submit': 'Check in',
    'checkin.incomplete': 'The code has 8 characters, for example ABCD-EFGH.',
    'checkin.invalid': 'This is not a booking code. It has 8 characters, for example ABCD-EFGH.',
    'checkin.notFound': 'There is no booking with the code {code}. Check the code and try again.',
    'checkin.tooEarly': 'Too early. You can check in from {time}.',
    'checkin.tooEarlyOn': 'Too early. You can check in on {date} from {time}.',
    'checkin.tooLate': 'Too late: check-in closed at {time}. Please take an ordinary ticket.',
    'checkin.cancelled': 'This booking was cancelled.',
    'checkin.pending': 'This booking has not been confirmed. Confirm it with the link in the e-mail, or take a regular ticket.',
    'checkin.expired': 'This booking expired because it was not confirmed in time. Please take a regular ticket.',
    'checkin.already': 'This booking has already been checked in.',
    'checkin.alreadyNumber': 'This booking has already been checked in. Your number: {number}.',
    'checkin.conflict': 'Check-in is not possible now ({detail}).',
    'checkin.remoteNotFound': 'This remote queue number was not found. Please take a regular ticket.',
    'checkin.remoteOver': 'This remote queue number is no longer valid. Please take a regular ticket.',

    'ticket.heading': 'Your number',
    'ticket.booking': 'You are checked in.',
    'ticket.ahead': { one: '{n} person is ahead of you.', other: '{n} people are ahead of you.' },
    'ticket.aheadNone': 'Nobody is ahead of you.',
    'ticket.unserved': 'Nobody is serving this matter now: no counter is open for it.',
    'ticket.wait': { one: 'Estimated wait: about {n} minute.', other: 'Estimated wait: about {n} minutes.' },
    'ticket.qr': 'QR code of ticket {number}',
    'ticket.qrHelp': 'Scan with your phone to follow the queue.',
    'ticket.done': 'Done',
    'ticket.countdown': 'Back to the start in {n} s',
    'idle.heading': 'Need more time?',
    'idle.text': 'In {n} s the screen goes back to the start, and what you chose or typed is cleared.',
    'idle.more': 'Yes, I need more time',
    'idle.soon': { one: '{n} second left.', other: '{n} seconds left.' },
    'ticket.announce': 'Your number: {number}. {service}. {ahead} {print}',

    'print.printed': 'Take your ticket from the printer.',
    'print.queued': 'Your ticket is being printed. Take it from the printer.',
    'print.none': 'Remember the number or scan the QR code.',
    'print.paper_out': 'The printer is out of paper — take a photo of the ticket or scan the QR code.',
    'print.cover_open': 'The printer cover is open — take a photo of the ticket or scan the QR code.',
    'print.offline': 'The printer is not working — take a photo of the ticket or scan the QR code.',
    'print.agent_offline': 'The printer is unavailable — take a photo of the ticket or remember the number.',
    'print.failed': 'The ticket could not be printed — take a photo of the ticket or scan the QR code.',
    'print.unknown': 'The printer did not confirm the ticket. If it did not come out, take a photo of the ticket or scan the QR code.',

    'printer.paper_low': 'Printer: paper running low',
    'printer.paper_out': 'Printer: out of paper',
    'printer.cover_open': 'Printer: cover open',
    'printer.offline': 'Printer: not working',
    'printer.unreachable': 'Printer: not connected',
    'printer.other': 'Printer: fault',

    'error.network': 'No connection to the server. Please try again in a moment.',
    'error.server': 'Something went wrong (error {status}). Please try again or ask at the information desk.',
    'error.tooMany': 'Too many attempts. Please try again in a moment.',
    'error.departments': 'The departments could not be loaded. Retrying…',
  },
  uk: {
    'page.title': 'Термінал черги — Okienko',
    'page.noscript': 'Для термінала потрібен JavaScript.',
    'page.loading': 'Завантаження…',

    'setup.heading': 'Термінал не налаштовано',
    'setup.rejected': 'Сервер відхилив токен цього термінала. Попросіть адміністратора про новий токен.',
    'setup.help': 'Адміністратор: створіть термінал у панелі адміністратора (Biletomaty) і відкрийте на цьому екрані адресу /kiosk?token=… з токеном термінала.',
    'setup.stored': 'Токен буде збережено в цьому браузері та видалено з адресного рядка.',

    'start.heading': 'Оберіть відділ',
    'start.empty': 'Зараз жоден відділ не видає квитків.',
    'start.checkin': 'У мене є бронювання',
    'start.checkinHelp': 'Підтвердьте прибуття кодом бронювання',
    'start.today': 'Сьогодні: {hours}',
    'start.closedToday': 'Сьогодні зачинено',
    'start.matters': { one: '{n} справа', few: '{n} справи', many: '{n} справ', other: '{n} справи' },

    'nav.back': 'Назад',
    'services.lead': 'Оберіть справу',

    'take.priority': 'Першочергово (вагітні жінки, особи з інвалідністю)',
    'take.submit': 'Отримати квиток',
    'take.sms': 'SMS, коли наближатиметься моя черга',
    'take.phone': 'Номер мобільного телефону',
    'take.phoneNote': 'Номер потрібен лише для цього SMS і буде видалений після сьогоднішнього візиту.',
    'take.phoneMissing': 'Введіть номер телефону або вимкніть SMS.',
    'take.phoneBad': 'Це не польський мобільний номер (9 цифр).',
    'ticket.sms': 'Ми надішлемо SMS на номер {phone}, коли наближатиметься ваша черга.',
    'take.opensAt': 'Відділ приймає з {time}.',
    'take.opensOn': 'Відділ зараз не видає квитків. Запрошуємо: {date}, з {time}.',
    'take.closed': 'Відділ зараз не видає квитків.',
    'take.gone': 'Цю справу вже не можна обрати. Оберіть ще раз.',

    'checkin.heading': 'У мене є бронювання',
    'checkin.help': 'Введіть код бронювання з електронного листа або відскануйте його QR-код.',
    'checkin.code': 'Код бронювання',
    'checkin.keyboard': 'Екранна клавіатура',
    'checkin.key': 'Символ {key}',
    'checkin.clear': 'Очистити',
    'checkin.backspace': 'Видалити останній символ',
    'checkin.submit': 'Підтвердити прибуття',
    'checkin.incomplete': 'Код має 8 символів, наприклад ABCD-EFGH.',
    'checkin.invalid': 'Це не код бронювання. Код має 8 символів, наприклад ABCD-EFGH.',
    'checkin.notFound': 'Бронювання з кодом {code} немає. Перевірте код і спробуйте ще раз.',
    'checkin.tooEarly': 'Зарано. Підтвердити прибуття можна з {time}.',
    'checkin.tooEarlyOn': 'Зарано. Підтвердити прибуття можна {date} з {time}.',
    'checkin.tooLate': 'Запізно: час підтвердження прибуття минув о {time}. Отримайте звичайний квиток.',
    'checkin.cancelled': 'Це бронювання скасовано.',
    'checkin.pending': 'Це бронювання не підтверджено. Підтвердьте його за посиланням з листа або візьміть звичайний квиток.',
    'checkin.expired': 'Це бронювання втратило чинність, бо його не підтвердили вчасно. Візьміть звичайний квиток.',
    'checkin.already': 'Прибуття за цим бронюванням уже підтверджено.',
    'checkin.alreadyNumber': 'Прибуття за цим бронюванням уже підтверджено. Ваш номер: {number}.',
    'checkin.conflict': 'Зараз неможливо підтвердити прибуття ({detail}).',
    'checkin.remoteNotFound': 'Цей номер дистанційної черги не знайдено. Візьміть звичайний квиток.',
    'checkin.remoteOver': 'Цей номер дистанційної черги вже недійсний. Візьміть звичайний квиток.',

    'ticket.heading': 'Ваш номер',
    'ticket.booking': 'Прибуття підтверджено.',
    'ticket.ahead': { one: 'Перед вами {n} особа.', few: 'Перед вами {n} особи.', many: 'Перед вами {n} осіб.', other: 'Перед вами {n} особи.' },
    'ticket.aheadNone': 'Перед вами нікого немає.',
    'ticket.unserved': 'Зараз цю справу ніхто не обслуговує: для неї не відкрите жодне віконце.',
    'ticket.wait': { one: 'Орієнтовний час очікування: близько {n} хвилини.', few: 'Орієнтовний час очікування: близько {n} хвилин.', many: 'Орієнтовний час очікування: близько {n} хвилин.', other: 'Орієнтовний час очікування: близько {n} хвилини.' },
    'ticket.qr': 'QR-код квитка {number}',
    'ticket.qrHelp': 'Відскануйте телефоном, щоб стежити за чергою.',
    'ticket.done': 'Готово',
    'ticket.countdown': 'Повернення на початок через {n} с',
    'idle.heading': 'Потрібно більше часу?',
    'idle.text': 'Через {n} с екран повернеться на початок, а вибране й введене зникне.',
    'idle.more': 'Так, мені потрібно більше часу',
    'idle.soon': { one: 'Залишилася {n} секунда.', few: 'Залишилося {n} секунди.', many: 'Залишилося {n} секунд.', other: 'Залишилося {n} секунди.' },
    'ticket.announce': 'Ваш номер: {number}. {service}. {ahead} {print}',

    'print.printed': 'Заберіть квиток із принтера.',
    'print.queued': 'Квиток друкується. Заберіть його з принтера.',
    'print.none': 'Запам’ятайте номер або відскануйте QR-код.',
    'print.paper_out': 'У принтері закінчився папір — сфотографуйте квиток або відскануйте QR-код.',
    'print.cover_open': 'Кришку принтера відкрито — сфотографуйте квиток або відскануйте QR-код.',
    'print.offline': 'Принтер не працює — сфотографуйте квиток або відскануйте QR-код.',
    'print.agent_offline': 'Принтер недоступний — сфотографуйте квиток або запам’ятайте номер.',
    'print.failed': 'Не вдалося надрукувати квиток — сфотографуйте квиток або відскануйте QR-код.',
    'print.unknown': 'Принтер не підтвердив друк. Якщо квиток не вийшов, сфотографуйте квиток або відскануйте QR-код.',

    'printer.paper_low': 'Принтер: закінчується папір',
    'printer.paper_out': 'Принтер: немає паперу',
    'printer.cover_open': 'Принтер: відкрита кришка',
    'printer.offline': 'Принтер: не працює',
    'printer.unreachable': 'Принтер: немає зв’язку',
    'printer.other': 'Принтер: несправність',

    'error.network': 'Немає з’єднання із сервером. Спробуйте ще раз за хвилину.',
    'error.server': 'Щось пішло не так (помилка {status}). Спробуйте ще раз або зверніться до інформаційного пункту.',
    'error.tooMany': 'Забагато спроб. Спробуйте ще раз за хвилину.',
    'error.departments': 'Не вдалося завантажити відділи. Повторюю…',
  },
};

const OkienkoKiosk = (function () {
  const TOKEN_KEY = 'okienko.kiosk.token';
  const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const CODE_LENGTH = 8;
  const ME_EVERY_MS = 60000;
  const DEPARTMENTS_RETRY_MS = 10000;
  const DAY_KEYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
  // Printer states that say nothing is wrong (or nothing is known).
  const PRINTER_FINE = ['', 'ok', 'none', 'unknown'];

  const params = new URLSearchParams(location.search);
  // idleOverride is ?idle=: seconds that replace the kiosk's waits (0: none).
  const idleOverride = (() => {
    const n = parseInt(params.get('idle'), 10);
    return n > 0 ? n : 0;
  })();
  // The announcement of the idle warning's last seconds.
  const IDLE_SOON_SECONDS = 10;
  const homeLang = MESSAGES[params.get('lang')] ? params.get('lang')
    : MESSAGES[document.documentElement.lang] ? document.documentElement.lang : 'pl';

  const $ = ui.$;
  const el = ui.el;

  // named is a department's or matter's name in the visitor's language, the
  // Polish one where the office wrote none; nameLang is the language it is in.
  const named = (o) => (o && o['name_' + state.lang]) || (o && o.name) || '';
  const nameLang = (o) => (o && o['name_' + state.lang] ? state.lang : 'pl');
  // ticketService is a ticket's matter in the visitor's language (the
  // server gives the Polish name where the office wrote none), and
  // ticketServiceLang the language it is in.
  const ticketService = (tk) => (tk.service_names && tk.service_names[state.lang]) || tk.service || '';
  const ticketServiceLang = (tk) => (state.lang !== 'pl' && tk.service_names && tk.service_names[state.lang] && tk.service_names[state.lang] !== tk.service ? state.lang : 'pl');

  const state = {
    lang: homeLang,
    token: '',
    rejected: false,
    view: 'loading',
    departments: null,
    department: null, // the chosen department
    service: null, // the chosen matter
    priority: false,
    ticket: null, // {ticket, print, booking}
    alert: null, // {key, params} or {text}
    printerState: '',
    walkIns: {}, // department id → {issuing, until, opens_at}, from /api/v1/kiosk/me
    boundaryTimer: null,
    today: document.body.dataset.today || '', // the office's date by the server's clock
    busy: false,
    lastActivity: Date.now(),
    // The kiosk's screen as the administrator set it (GET /api/v1/kiosk/me).
    screen: { idle: 45, input: 90, warn: 20, layout: 'standard' },
    warning: null, // the idle warning while shown: {back: the element focused before, soon: said}
    code: '', // the code typed so far: code symbols only, no dash
    foreign: false, // the input holds text other than a code (a scanned URL)
  };

  // ---- Texts --------------------------------------------------------------

  // t formats a message: {name} placeholders from params; a plural message
  // picks its form by params.n.
  const t = ui.translator(MESSAGES, () => state.lang);

  function applyMessages() {
    ui.applyMessages(document, t);
    document.title = t('page.title');
  }

  // setLanguage switches every text of the page, the current screen's too.
  function setLanguage(lang) {
    if (!MESSAGES[lang]) return;
    state.lang = lang;
    document.documentElement.lang = lang;
    for (const b of document.querySelectorAll('button.lang')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
    applyMessages();
    drawDepartments();
    drawServices();
    drawTake();
    drawKeys();
    drawTicket();
    drawPrinter();
    drawAlert();
    tick();
  }

  // wallTime and wallDate read an RFC 3339 time with the office's offset as
  // the office's wall clock, whatever the browser's zone: "08:00" and the
  // date in words.
  function wallTime(rfc3339) {
    const m = /T(\d\d:\d\d)/.exec(rfc3339 || '');
    return m ? m[1] : '';
  }

  function wallDate(rfc3339) {
    const m = /^(\d{4})-(\d\d)-(\d\d)/.exec(rfc3339 || '');
    if (!m) return '';
    const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    return new Intl.DateTimeFormat(state.lang, { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' }).format(d);
  }

  // today is the office's date, YYYY-MM-DD, as the server tells it (the
  // page and /api/v1/kiosk/me carry it): the kiosk PC's clock may be off,
  // and the server's day is the one tickets are issued on. Without it, the
  // PC's clock read in the office's zone.
  function today() {
    if (state.today) return state.today;
    const parts = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: document.body.dataset.zone || undefined }).formatToParts(new Date());
    const part = (type) => parts.find((p) => p.type === type).value;
    return part('year') + '-' + part('month') + '-' + part('day');
  }

  // isToday tells whether YYYY-MM-DD… is the office's today.
  function isToday(s) {
    return String(s || '').slice(0, 10) === today();
  }

  // ---- Messages to the visitor -------------------------------------------

  function showAlert(key, p) {
    state.alert = key ? { key, params: p } : null;
    drawAlert();
  }

  function drawAlert() {
    const a = $('alert');
    const text = state.alert ? t(state.alert.key, state.alert.params) : '';
    a.textContent = text;
    a.classList.toggle('shown', Boolean(text));
  }

  let announceFrame = 0;

  // announce says a message to screen readers through the hidden live
  // region: key's text in the visitor's language with params filled in, a
  // parameter named in langs in a span of that language (a Polish matter's
  // name on the English kiosk), so no string mixes two languages.
  function announce(key, params, langs) {
    const a = $('announce');
    a.textContent = '';
    cancelAnimationFrame(announceFrame);
    const nodes = parts(key, params, langs);
    // A change the screen reader notices even when the text repeats.
    announceFrame = requestAnimationFrame(() => { a.replaceChildren(...nodes); });
  }

  // parts is key's text as nodes: text in the page's language, and each
  // parameter whose language langs names (other than the page's) as a span
  // with its lang.
  function parts(key, params, langs) {
    const marker = '\u0000';
    const marked = {};
    for (const [k, v] of Object.entries(params || {})) {
      marked[k] = langs && langs[k] && langs[k] !== state.lang ? marker + k + marker : v;
    }
    return t(key, marked).split(marker).map((piece, i) => (i % 2 === 0
      ? document.createTextNode(piece)
      : el('span', { lang: langs[piece], text: String(params[piece]) })));
  }

  // silence empties the hidden live region, so the next visitor's screen
  // reader finds nothing of the last visitor's ticket.
  function silence() {
    cancelAnimationFrame(announceFrame);
    $('announce').textContent = '';
  }

  // ---- HTTP ---------------------------------------------------------------

  const ApiError = ui.ApiError;

  // api sends a JSON request, with the kiosk's token when kiosk is set, and
  // answers the decoded body. Failures throw ApiError (status 0: no
  // connection). A refused token sends the kiosk back to its setup screen.
  const api = ui.apiClient({
    credentials: 'omit',
    headers: (method, kiosk) => (kiosk ? { Authorization: 'Bearer ' + state.token } : {}),
    failed: (status, kiosk) => { if (status === 401 && kiosk) tokenRefused(); },
  });

  // failed shows an error that no screen explains better.
  function failed(err) {
    if (!(err instanceof ApiError)) {
      console.error(err);
      showAlert('error.server', { status: '?' });
      return;
    }
    if (err.status === 401) return; // the setup screen says it
    if (err.status === 0) showAlert('error.network');
    else if (err.status === 429) showAlert('error.tooMany');
    else showAlert('error.server', { status: err.status });
  }

  // ---- The token ----------------------------------------------------------

  // takeToken keeps a ?token= in storage and takes it out of the address.
  function takeToken() {
    const fromURL = params.get('token');
    let stored = '';
    try {
      if (fromURL) localStorage.setItem(TOKEN_KEY, fromURL);
      stored = localStorage.getItem(TOKEN_KEY) || '';
    } catch (e) { /* storage may be off: the token lives as long as the page */ }
    if (fromURL) {
      const url = new URL(location.href);
      url.searchParams.delete('token');
      history.replaceState(history.state, '', url.pathname + url.search + url.hash);
    }
    state.token = fromURL || stored;
  }

  function tokenRefused() {
    state.token = '';
    state.rejected = true;
    try { localStorage.removeItem(TOKEN_KEY); } catch (e) { /* nothing kept */ }
    showAlert(null);
    showView('setup');
  }

  // ---- Screens ------------------------------------------------------------

  const VIEWS = ['setup', 'start', 'services', 'take', 'checkin', 'ticket'];

  // showView shows one screen and puts the focus on its heading (on the code
  // input when checking in, so a scanner can type at once).
  function showView(name) {
    state.view = name;
    document.body.dataset.view = name;
    $('loading').hidden = true;
    for (const v of VIEWS) $('view-' + v).hidden = v !== name;
    $('setup-rejected').hidden = !state.rejected;
    if (name === 'checkin') $('code').focus();
    else $(name === 'setup' ? 'setup-heading' : name + '-heading').focus();
    tick();
  }

  // goStart returns to the departments, forgetting the visitor's choices.
  function goStart() {
    state.department = null;
    state.service = null;
    state.priority = false;
    state.ticket = null;
    silence();
    setCode('', false);
    showAlert(null);
    if (!state.token) {
      showView('setup');
      return;
    }
    showView('start');
  }

  // ---- Idle ---------------------------------------------------------------

  function touched() { state.lastActivity = Date.now(); }

  // typing tells whether the visitor types on this screen: the booking
  // code, or the phone number for an SMS.
  function typing() {
    return state.view === 'checkin' || (state.view === 'take' && Boolean(state.sms));
  }

  // idleLimit is how long a screen stays untouched, in ms: the kiosk's
  // wait for screens of choices, its longer one where the visitor types; a
  // ticket that wasn't printed stays twice as long, for the visitor to
  // photograph it.
  function idleLimit() {
    const tk = state.ticket;
    const unprinted = state.view === 'ticket' && tk && tk.print && !['printed', 'queued'].includes(tk.print.state);
    const seconds = idleOverride || (typing() ? state.screen.input : state.screen.idle);
    return seconds * 1000 * (unprinted ? 2 : 1);
  }

  // tick runs every second: back to the start (and the home language) after
  // the idle time, the warning with one button to stay the kiosk's
  // warn_seconds before that; the countdown on the ticket screen.
  function tick(force) {
    const idleMs = Date.now() - state.lastActivity;
    const limit = idleLimit();
    const away = state.view !== 'start' || state.lang !== homeLang;
    const resets = state.view !== 'setup' && state.view !== 'loading' && away;
    if (resets && (force || idleMs >= limit)) {
      touched();
      closeWarning(false);
      if (state.lang !== homeLang) setLanguage(homeLang);
      goStart();
      refreshDepartments();
      loadMe();
      return;
    }
    const left = Math.max(0, Math.ceil((limit - idleMs) / 1000));
    if (resets && idleMs >= limit - Math.min(state.screen.warn * 1000, limit)) showWarning(left);
    else closeWarning(true);
    $('countdown').textContent = state.view === 'ticket' ? t('ticket.countdown', { n: left }) : '';
  }

  // showWarning shows (or updates) the question whether the visitor needs
  // more time, left seconds before the return: a modal alertdialog whose
  // button takes the focus, so a screen reader says it at once; its
  // countdown is read with it but not spoken every second: the dialog's
  // live region says the last seconds once.
  function showWarning(left) {
    const d = $('idle-warning');
    $('idle-text').textContent = t('idle.text', { n: left });
    if (!state.warning) {
      state.warning = { back: document.activeElement, soon: false };
      $('idle-status').textContent = '';
      d.showModal();
      $('idle-more').focus();
    }
    if (!state.warning.soon && left <= IDLE_SOON_SECONDS) {
      state.warning.soon = true;
      $('idle-status').textContent = t('idle.soon', { n: left });
    }
  }

  // closeWarning takes the warning away; restore gives the focus back to
  // where it was (the code input keeps the code typed so far).
  function closeWarning(restore) {
    const w = state.warning;
    if (!w) return;
    state.warning = null;
    $('idle-status').textContent = '';
    const d = $('idle-warning');
    if (d.open) d.close();
    if (restore && w.back && w.back.isConnected && w.back.offsetParent !== null) w.back.focus();
  }

  // moreTime is the visitor's answer: the screen stays as it is, its wait
  // starts again.
  function moreTime() {
    touched();
    closeWarning(true);
  }

  // ---- Departments and matters -------------------------------------------

  async function loadDepartments() {
    const deps = await api('GET', '/api/v1/departments');
    state.departments = (deps || []).filter((d) => (d.services || []).length > 0);
    drawDepartments();
  }

  // refreshDepartments reloads the departments quietly, keeping the old
  // list when that fails.
  function refreshDepartments() {
    loadDepartments().catch(() => {});
  }

  function hoursToday(d) {
    const w = state.walkIns[d.id];
    if (w && w.closed_today) return t('start.closedToday');
    const [y, m, day] = today().split('-').map(Number);
    const spans = (d.hours && d.hours[DAY_KEYS[new Date(Date.UTC(y, m - 1, day)).getUTCDay()]]) || [];
    if (!spans.length) return t('start.closedToday');
    return t('start.today', { hours: spans.map((s) => s[0] + '–' + s[1]).join(', ') });
  }

  // closedReason is why a department takes no ticket now, as a message
  // key and its parameters, or null when it takes them (or the server
  // hasn't said).
  function closedReason(d) {
    const w = state.walkIns[d.id];
    if (!w || w.issuing) return null;
    const opens = w.opens_at;
    if (!opens) return { key: 'take.closed' };
    if (isToday(opens)) return { key: 'take.opensAt', params: { time: wallTime(opens) } };
    return { key: 'take.opensOn', params: { time: wallTime(opens), date: wallDate(opens) } };
  }

  let drawnDepartments = '';

  // drawDepartments lists the departments; one that issues no ticket now is
  // greyed out (aria-disabled: still read, with its reason, and a touch
  // says the reason instead of leading on).
  function drawDepartments() {
    const list = $('department-list');
    const deps = state.departments;
    if (!deps) return;
    // The same screen is not drawn again: a button never changes under a
    // finger that is touching it.
    const drawn = JSON.stringify([state.lang, state.today, deps, deps.map(closedReason)]);
    if (drawn === drawnDepartments) return;
    drawnDepartments = drawn;
    list.replaceChildren();
    let open = 0;
    for (const d of deps) {
      const why = closedReason(d);
      if (!why) open++;
      const b = el('button', { type: 'button', class: 'btn btn-choice' + (why ? ' is-closed' : ''), 'data-department': String(d.id) },
        el('span', { class: 'prefix', 'aria-hidden': 'true', text: d.ticket_prefix || '' }),
        el('span', { class: 'btn-text' },
          el('span', { class: 'btn-title', text: named(d), lang: nameLang(d) }),
          why ? el('span', { class: 'btn-reason', text: t(why.key, why.params) }) : null,
          el('span', { class: 'btn-sub', text: hoursToday(d) + ' · ' + t('start.matters', { n: d.services.length }) })));
      if (why) {
        b.setAttribute('aria-disabled', 'true');
        b.addEventListener('click', () => {
          const now = closedReason(d);
          if (now) showAlert(now.key, now.params);
          else chooseDepartment(d);
        });
      } else {
        b.addEventListener('click', () => chooseDepartment(d));
      }
      list.append(el('li', null, b));
    }
    $('departments-empty').hidden = deps.length > 0 && open > 0;
  }

  function chooseDepartment(d) {
    state.department = d;
    showAlert(null);
    drawServices();
    showView('services');
  }

  function drawServices() {
    const d = state.department;
    if (!d) return;
    $('services-heading').textContent = named(d);
    $('services-heading').lang = nameLang(d);
    const list = $('service-list');
    list.replaceChildren();
    for (const s of d.services || []) {
      const b = el('button', { type: 'button', class: 'btn btn-choice', 'data-service': String(s.id) },
        el('span', { class: 'btn-text' }, el('span', { class: 'btn-title', text: named(s), lang: nameLang(s) })));
      b.addEventListener('click', () => chooseService(s));
      list.append(el('li', null, b));
    }
  }

  function chooseService(s) {
    state.service = s;
    state.priority = false;
    state.sms = false;
    $('phone').value = '';
    showPhoneError(null);
    showAlert(null);
    drawTake();
    showView('take');
  }

  function drawTake() {
    const s = state.service;
    if (!s || !state.department) return;
    $('take-department').textContent = named(state.department);
    $('take-department').lang = nameLang(state.department);
    $('take-heading').textContent = named(s);
    $('take-heading').lang = nameLang(s);
    $('priority').setAttribute('aria-checked', String(state.priority));
    $('sms').setAttribute('aria-checked', String(state.sms));
    $('sms-entry').hidden = !state.sms;
    const err = $('phone-error').dataset.key;
    if (err) $('phone-error').textContent = t(err);
  }

  // ---- The phone for an SMS -----------------------------------------------

  function showPhoneError(key) {
    const p = $('phone-error');
    p.dataset.key = key || '';
    p.textContent = key ? t(key) : '';
    p.hidden = !key;
    $('phone').setAttribute('aria-invalid', String(Boolean(key)));
  }

  // phoneDigits keeps the digits and a leading + of what was typed.
  function phoneDigits(s) {
    return String(s || '').replace(/[^\d+]/g, '').replace(/(?!^)\+/g, '').slice(0, 16);
  }

  function buildPhoneKeys() {
    const keys = $('phone-keys');
    const back = $('phone-back');
    for (const ch of ['1', '2', '3', '4', '5', '6', '7', '8', '9', '+', '0']) {
      keys.insertBefore(el('button', { type: 'button', class: 'btn key', 'data-digit': ch, text: ch, 'aria-label': ch }), back);
    }
    for (const b of keys.querySelectorAll('button')) b.addEventListener('mousedown', (ev) => ev.preventDefault());
    keys.addEventListener('click', (ev) => {
      const b = ev.target.closest('button[data-digit]');
      if (!b) return;
      $('phone').value = phoneDigits($('phone').value + b.dataset.digit);
      showPhoneError(null);
    });
    back.addEventListener('click', () => {
      $('phone').value = $('phone').value.slice(0, -1);
      showPhoneError(null);
    });
    $('phone').addEventListener('input', () => {
      $('phone').value = phoneDigits($('phone').value);
      showPhoneError(null);
    });
  }

  // ---- Taking a ticket ----------------------------------------------------

  async function takeTicket() {
    if (state.busy || !state.service) return;
    state.busy = true;
    const button = $('take');
    button.setAttribute('aria-busy', 'true');
    showAlert(null);
    try {
      const body = { service_id: state.service.id, priority: state.priority, lang: state.lang };
      if (state.sms) {
        const phone = $('phone').value.trim();
        if (!phone) {
          showPhoneError('take.phoneMissing');
          $('phone').focus();
          return;
        }
        body.phone = phone;
      }
      const out = await api('POST', '/api/v1/kiosk/tickets', body, true);
      showTicket(out, false, body.phone);
    } catch (err) {
      if (err instanceof ApiError && err.status === 422 && err.problem.errors && err.problem.errors.phone) {
        showPhoneError('take.phoneBad');
        $('phone').focus();
        return;
      }
      if (err instanceof ApiError && err.status === 409) {
        const opens = err.problem.errors && err.problem.errors.opens_at;
        if (!opens) showAlert('take.closed');
        else if (isToday(opens)) showAlert('take.opensAt', { time: wallTime(opens) });
        else showAlert('take.opensOn', { time: wallTime(opens), date: wallDate(opens) });
      } else if (err instanceof ApiError && (err.status === 422 || err.status === 404)) {
        showAlert('take.gone');
        refreshDepartments();
      } else {
        failed(err);
      }
    } finally {
      state.busy = false;
      button.removeAttribute('aria-busy');
    }
  }

  // ---- Checking in --------------------------------------------------------

  // cleanCode keeps the code symbols of s, upper-cased.
  function cleanCode(s) {
    return [...String(s || '').toUpperCase()].filter((ch) => ALPHABET.includes(ch)).join('');
  }

  // formatCode shows symbols as ABCD-EFGH, the dash as soon as 4 are typed.
  function formatCode(code) {
    return code.length >= 4 ? code.slice(0, 4) + '-' + code.slice(4) : code;
  }

  // setCode puts a code (or, foreign, the raw text a scanner typed) into
  // the input with the caret at its end.
  function setCode(code, foreign, raw) {
    state.foreign = foreign;
    state.code = foreign ? '' : code.slice(0, CODE_LENGTH);
    const input = $('code');
    input.value = foreign ? raw : formatCode(state.code);
    if (document.activeElement === input) input.setSelectionRange(input.value.length, input.value.length);
  }

  // typed takes what was typed into the input, by hand or by a scanner. A
  // text with other characters than a code's (a scanned address) is left
  // alone until it is confirmed.
  function typed(ev) {
    const raw = $('code').value;
    const foreign = /[^A-Za-z0-9\s-]|[01IOio]/.test(raw) && raw.length > 0;
    if (foreign) {
      setCode('', true, raw);
      return;
    }
    let code = cleanCode(raw);
    // Deleting the dash deletes the symbol before it.
    if (ev && ev.inputType === 'deleteContentBackward' && !state.foreign && code.length === state.code.length && code.length > 0) {
      code = code.slice(0, -1);
    }
    setCode(code, false);
  }

  function pressKey(ch) {
    if (state.foreign) setCode('', false);
    if (state.code.length < CODE_LENGTH) setCode(state.code + ch, false);
  }

  function backspace() {
    if (state.foreign) setCode('', false);
    else setCode(state.code.slice(0, -1), false);
  }

  // enteredCode is the code to check in: 8 symbols typed, or the 8 symbols
  // (with or without the dash) a scanned text ends with; '' when neither.
  function enteredCode() {
    if (!state.foreign) return state.code.length === CODE_LENGTH ? formatCode(state.code) : '';
    const m = /([A-HJ-NP-Z2-9]{4})-?([A-HJ-NP-Z2-9]{4})\W*$/.exec($('code').value.trim().toUpperCase());
    return m ? m[1] + '-' + m[2] : '';
  }

  // remoteTicketID is the public id of a remote ticket a scanner read from
  // the QR of its live page (…/t/{public_id}); '' for anything else.
  function remoteTicketID() {
    if (!state.foreign) return '';
    const m = /\/t\/([a-z2-7]{16})\/?(?:[?#]\S*)?$/i.exec($('code').value.trim());
    return m ? m[1].toLowerCase() : '';
  }

  async function checkIn(ev) {
    if (ev) ev.preventDefault();
    if (state.busy) return;
    // A remote ticket's QR checks that ticket in (its holder has arrived).
    const remote = remoteTicketID();
    const code = remote || enteredCode();
    if (!code) {
      showAlert(state.foreign ? 'checkin.invalid' : 'checkin.incomplete');
      $('code').focus();
      return;
    }
    if (!remote) setCode(cleanCode(code), false);
    state.busy = true;
    $('checkin-submit').setAttribute('aria-busy', 'true');
    showAlert(null);
    try {
      const out = await api('POST', '/api/v1/kiosk/checkin', { code, lang: state.lang }, true);
      showTicket(out, true);
    } catch (err) {
      if (remote && err instanceof ApiError && [404, 409, 422].includes(err.status)) {
        // A remote ticket's QR: unknown, or its ticket no longer waiting.
        showAlert(err.status === 409 ? 'checkin.remoteOver' : 'checkin.remoteNotFound');
      } else {
        checkinFailed(err, code);
      }
      if (state.view === 'checkin') $('code').focus();
    } finally {
      state.busy = false;
      $('checkin-submit').removeAttribute('aria-busy');
    }
  }

  // checkinFailed explains a refused check-in in the visitor's language,
  // from the server's errors.reason (too_early with opens_at, too_late with
  // closed_at, cancelled, checked_in, pending, expired); older servers only had the English
  // detail, which is still understood.
  function checkinFailed(err, code) {
    if (!(err instanceof ApiError)) {
      failed(err);
      return;
    }
    const detail = String(err.problem.detail || '');
    switch (err.status) {
      case 404:
        showAlert('checkin.notFound', { code });
        return;
      case 422:
        showAlert('checkin.invalid');
        return;
      case 409: {
        const why = (err.problem.errors && err.problem.errors.reason) || '';
        const at = err.problem.errors && (err.problem.errors.opens_at || err.problem.errors.closed_at);
        if (why === 'too_early' && at) {
          if (!isToday(at)) showAlert('checkin.tooEarlyOn', { time: wallTime(at), date: wallDate(at) });
          else showAlert('checkin.tooEarly', { time: wallTime(at) });
          return;
        }
        if (why === 'too_late' && at) {
          showAlert('checkin.tooLate', { time: wallTime(at) });
          return;
        }
        if (why === 'cancelled') {
          showAlert('checkin.cancelled');
          return;
        }
        if (why === 'pending' || why === 'expired') {
          showAlert('checkin.' + why);
          return;
        }
        if (why === 'checked_in') {
          // The visitor lost or forgot their number: say it again.
          const number = err.problem.errors.ticket_number;
          if (number) showAlert('checkin.alreadyNumber', { number });
          else showAlert('checkin.already');
          return;
        }
        let m;
        if ((m = /^too early\b.*?(\d\d:\d\d)(?: on (\d{4}-\d\d-\d\d))?/i.exec(detail))) {
          if (m[2] && !isToday(m[2])) showAlert('checkin.tooEarlyOn', { time: m[1], date: wallDate(m[2]) });
          else showAlert('checkin.tooEarly', { time: m[1] });
        } else if ((m = /^too late\b.*?(\d\d:\d\d)/i.exec(detail))) {
          showAlert('checkin.tooLate', { time: m[1] });
        } else if (/cancelled/i.test(detail)) {
          showAlert('checkin.cancelled');
        } else if (/already checked in/i.test(detail)) {
          showAlert('checkin.already');
        } else if (err.problem.errors && err.problem.errors.opens_at) {
          const opens = err.problem.errors.opens_at;
          if (isToday(opens)) showAlert('take.opensAt', { time: wallTime(opens) });
          else showAlert('take.opensOn', { time: wallTime(opens), date: wallDate(opens) });
        } else {
          showAlert('checkin.conflict', { detail });
        }
        return;
      }
      default:
        failed(err);
    }
  }

  function drawKeys() {
    for (const b of $('keys').querySelectorAll('button[data-key]')) {
      b.setAttribute('aria-label', t('checkin.key', { key: b.dataset.key }));
    }
  }

  function buildKeyboard() {
    const keys = $('keys');
    for (const ch of ALPHABET) {
      const b = el('button', { type: 'button', class: 'btn key', 'data-key': ch, text: ch });
      keys.append(b);
    }
    drawKeys();
    // Touching a key doesn't take the focus from the input, so a scanner
    // can still type; a key pressed from the keyboard keeps its focus.
    for (const b of document.querySelectorAll('#view-checkin .key')) {
      b.addEventListener('mousedown', (ev) => ev.preventDefault());
    }
    keys.addEventListener('click', (ev) => {
      const b = ev.target.closest('button[data-key]');
      if (!b) return;
      pressKey(b.dataset.key);
      if (ev.detail > 0) $('code').focus();
    });
    $('key-back').addEventListener('click', (ev) => {
      backspace();
      if (ev.detail > 0) $('code').focus();
    });
    $('key-clear').addEventListener('click', (ev) => {
      setCode('', false);
      if (ev.detail > 0) $('code').focus();
    });
    $('code').addEventListener('input', typed);
    $('checkin-form').addEventListener('submit', checkIn);
  }

  // scannerKeys sends what a scanner types on the check-in screen into the
  // code input, even when the focus has wandered to a button.
  function scannerKeys(ev) {
    if (state.view !== 'checkin' || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const input = $('code');
    if (ev.target === input || ev.key.length !== 1 || !/[\w:/.?=&-]/.test(ev.key)) return;
    ev.preventDefault();
    input.focus();
    input.value += ev.key;
    typed(null);
  }

  // ---- The ticket ---------------------------------------------------------

  function showTicket(out, booking, phone) {
    state.ticket = { ticket: out.ticket, print: out.print || { state: 'none' }, booking, phone: phone || '' };
    touched();
    drawTicket();
    showView('ticket');
    const tk = out.ticket;
    announce('ticket.announce', { number: tk.number, service: ticketService(tk), ahead: aheadText(tk), print: printText(state.ticket.print) },
      { service: ticketServiceLang(tk) });
    if (['failed', 'unknown'].includes(state.ticket.print.state)) loadMe();
  }

  function aheadText(tk) {
    const n = tk.people_ahead || 0;
    const ahead = n > 0 ? t('ticket.ahead', { n }) : '';
    if (tk.counters_open === 0) return (ahead ? ahead + ' ' : '') + t('ticket.unserved');
    return ahead || t('ticket.aheadNone');
  }

  function printText(p) {
    switch (p.state) {
      case 'printed': return t('print.printed');
      case 'queued': return t('print.queued');
      case 'unknown': return t('print.unknown');
      case 'failed':
        switch (p.reason) {
          case 'paper_out': return t('print.paper_out');
          case 'cover_open': return t('print.cover_open');
          case 'offline': case 'unreachable': return t('print.offline');
          case 'agent_offline': return t('print.agent_offline');
          default: return t('print.failed');
        }
      default: return t('print.none');
    }
  }

  function drawTicket() {
    const st = state.ticket;
    if (!st) return;
    const tk = st.ticket;
    $('ticket-number').textContent = tk.number;
    $('ticket-service').textContent = ticketService(tk);
    $('ticket-service').lang = ticketServiceLang(tk);
    $('ticket-booking').hidden = !st.booking;
    $('ticket-ahead').textContent = aheadText(tk);
    const wait = tk.estimated_wait_minutes || 0;
    $('ticket-wait').hidden = !(wait > 0 && tk.people_ahead > 0 && tk.counters_open !== 0);
    $('ticket-wait').textContent = wait > 0 ? t('ticket.wait', { n: wait }) : '';
    $('ticket-sms').hidden = !st.phone;
    $('ticket-sms').textContent = st.phone ? t('ticket.sms', { phone: st.phone }) : '';
    const msg = $('print-message');
    msg.textContent = printText(st.print);
    msg.dataset.state = st.print.state || 'none';
    const img = $('ticket-qr');
    const src = '/api/v1/tickets/' + encodeURIComponent(tk.public_id) + '/qr.svg';
    if (img.getAttribute('src') !== src) img.src = src;
    img.alt = t('ticket.qr', { number: tk.number });
  }

  // ---- The kiosk and its printer -----------------------------------------

  // loadMe reads the kiosk and its printer's state; a server without
  // /api/v1/kiosk/me shows no printer state.
  async function loadMe() {
    if (!state.token) return;
    try {
      const me = await api('GET', '/api/v1/kiosk/me', undefined, true);
      state.printerState = (me && me.kiosk && me.kiosk.printer_state) || '';
      if (me && me.kiosk) useScreen(me.kiosk);
      if (me && me.office && me.office.name) $('office').textContent = me.office.name;
      if (me && me.office && me.office.today && me.office.today !== state.today) state.today = me.office.today;
      if (me && Array.isArray(me.departments)) {
        state.walkIns = {};
        for (const w of me.departments) state.walkIns[w.id] = w;
        watchBoundary(me);
      }
      drawDepartments();
    } catch (err) {
      if (err.status !== 0) state.printerState = '';
    }
    drawPrinter();
  }

  // watchBoundary asks again when the next department opens or stops
  // issuing tickets (by the server's clock), so the first screen changes on
  // time rather than at the next minute's check.
  function watchBoundary(me) {
    clearTimeout(state.boundaryTimer);
    const serverNow = Date.parse((me.office && me.office.now) || '');
    if (Number.isNaN(serverNow)) return;
    let next = Infinity;
    for (const w of me.departments) {
      const at = Date.parse(w.issuing ? w.until : w.opens_at);
      if (!Number.isNaN(at) && at > serverNow) next = Math.min(next, at - serverNow);
    }
    if (next < ME_EVERY_MS) state.boundaryTimer = setTimeout(loadMe, next + 500);
  }

  // useScreen takes the kiosk's screen settings: its waits and its layout.
  function useScreen(k) {
    const sc = state.screen;
    if (k.idle_seconds > 0) sc.idle = k.idle_seconds;
    if (k.input_idle_seconds > 0) sc.input = k.input_idle_seconds;
    if (k.warn_seconds > 0) sc.warn = k.warn_seconds;
    sc.layout = k.layout === 'low' ? 'low' : 'standard';
    document.body.dataset.layout = sc.layout;
  }

  function drawPrinter() {
    const p = $('printer');
    const s = state.printerState;
    const bad = state.token && !PRINTER_FINE.includes(s);
    p.hidden = !bad;
    p.dataset.state = s;
    p.textContent = bad ? t(MESSAGES.pl['printer.' + s] ? 'printer.' + s : 'printer.other') : '';
  }

  // ---- Start --------------------------------------------------------------

  async function start() {
    document.documentElement.lang = state.lang;
    applyMessages();
    for (const b of document.querySelectorAll('button.lang')) {
      b.addEventListener('click', () => {
        touched();
        setLanguage(b.dataset.lang);
      });
    }
    for (const b of document.querySelectorAll('[data-back]')) {
      b.addEventListener('click', () => {
        showAlert(null);
        if (b.dataset.back === 'services' && state.department) showView('services');
        else goStart();
      });
    }
    $('checkin-open').addEventListener('click', () => {
      showAlert(null);
      setCode('', false);
      showView('checkin');
    });
    $('priority').addEventListener('click', () => {
      state.priority = !state.priority;
      drawTake();
    });
    $('sms').addEventListener('click', () => {
      state.sms = !state.sms;
      if (!state.sms) showPhoneError(null);
      drawTake();
    });
    buildPhoneKeys();
    $('take').addEventListener('click', takeTicket);
    $('done').addEventListener('click', () => {
      goStart();
      loadMe();
    });
    buildKeyboard();
    $('idle-more').addEventListener('click', moreTime);
    // Escape, or a touch beside the dialog (on its backdrop), also asks
    // for more time.
    $('idle-warning').addEventListener('cancel', (ev) => { ev.preventDefault(); moreTime(); });
    $('idle-warning').addEventListener('click', (ev) => { if (ev.target === $('idle-warning')) moreTime(); });
    for (const type of ['pointerdown', 'keydown', 'touchstart', 'input', 'wheel']) {
      document.addEventListener(type, touched, { capture: true, passive: true });
    }
    document.addEventListener('keydown', scannerKeys);
    setInterval(() => tick(false), 1000);

    takeToken();
    if (!state.token) {
      showView('setup');
      return;
    }
    loadMe();
    setInterval(loadMe, ME_EVERY_MS);
    for (;;) {
      try {
        await loadDepartments();
        break;
      } catch (err) {
        if (!state.token) return; // refused: the setup screen is shown
        showAlert('error.departments');
        $('loading').hidden = true;
        await new Promise((resolve) => setTimeout(resolve, DEPARTMENTS_RETRY_MS));
      }
    }
    if (state.token) goStart();
  }

  start();

  // For tests: idle is the idle timeout at once, check the once-a-second
  // check now (after the test moved the page's clock), screen the settings
  // in use.
  return { idle: () => tick(true), check: () => tick(false), refresh: () => loadMe(), screen: () => ({ ...state.screen }) };
}());
// A module's names are its own: the kiosk and its dictionaries are shown to
// the tests (and the console) as window globals.
window.OkienkoKiosk = OkienkoKiosk;
window.MESSAGES = MESSAGES;
