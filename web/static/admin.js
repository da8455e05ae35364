// The administrator's panel: sign in, then the office's objects section by
// section (hash routes: #wydzialy, #sprawy, …). Every text the page shows is
// in MESSAGES; a language is added by adding a dictionary with the same keys
// (the template's data-i18n attributes name them too). A value is a string
// with {placeholders}, or, for counts, an object of plural forms keyed by
// Intl.PluralRules categories. English and Ukrainian are in
// /static/i18n/admin.{en,uk}.json: the server puts the page's language's
// dictionary into the page (see okienko-ui.js).
'use strict';

import * as ui from './okienko-ui.js';

const MESSAGES = {
  pl: {
    'page.title': 'Panel administratora — Okienko',
    'page.heading': 'Panel administratora',
    'page.skip': 'Przejdź do treści',
    'page.loading': 'Wczytywanie…',
    'page.noscript': 'Ta strona wymaga JavaScriptu.',
    'who.signedInAs': 'Zalogowano jako',
    'who.signOut': 'Wyloguj',

    'nav.label': 'Sekcje panelu',
    'nav.departments': 'Wydziały',
    'nav.services': 'Sprawy',
    'nav.closures': 'Zamknięcia',
    'nav.counters': 'Stanowiska',
    'nav.users': 'Użytkownicy',
    'nav.kiosks': 'Biletomaty',
    'nav.displays': 'Tablice',
    'nav.stats': 'Statystyki',
    'nav.live': 'Na żywo',
    'nav.audit': 'Dziennik zmian',

    'signin.heading': 'Logowanie administratora',
    'signin.username': 'Nazwa użytkownika',
    'signin.password': 'Hasło',
    'signin.submit': 'Zaloguj się',
    'signin.required': 'Podaj nazwę użytkownika i hasło.',
    'signin.failed': 'Nieprawidłowa nazwa użytkownika lub hasło.',
    'signin.tooMany': 'Zbyt wiele nieudanych prób logowania. Spróbuj ponownie za {minutes} min.',
    'signin.notAdmin': 'Ten panel wymaga konta administratora. Konto „{user}” to konto urzędnika — zaloguj się jako administrator.',
    'signin.expired': 'Sesja wygasła. Zaloguj się ponownie.',
    'signin.signedOut': 'Wylogowano.',
    'signin.or': 'albo',
    'signin.oidc': 'Zaloguj przez konto urzędu',
    'oidc.expired': 'Logowanie przez konto urzędu trwało zbyt długo albo zaczęło się w innym oknie. Spróbuj ponownie.',
    'oidc.failed': 'Nie udało się zalogować przez konto urzędu. Spróbuj ponownie; jeśli to się powtarza, zgłoś to administratorowi.',
    'oidc.unavailable': 'Usługa logowania urzędu nie odpowiada. Spróbuj za chwilę albo zaloguj się hasłem.',
    'oidc.forbidden': 'Twoje konto urzędu nie ma dostępu do Okienka (nie ma roli albo zostało tu wyłączone). Poproś administratora o nadanie roli.',
    'oidc.taken': 'Nazwa użytkownika z konta urzędu należy już do innego konta w Okienku. Poproś administratora o pomoc.',

    'common.edit': 'Edytuj',
    'common.editNamed': 'Edytuj: {name}',
    'common.delete': 'Usuń',
    'common.deleteNamed': 'Usuń: {name}',
    'common.save': 'Zapisz',
    'common.cancel': 'Anuluj',
    'common.saved': 'Zapisano.',
    'common.created': 'Utworzono.',
    'common.deleted': 'Usunięto.',
    'common.none': 'Brak pozycji.',
    'common.actions': 'Czynności',
    'common.name': 'Nazwa',
    'common.yes': 'tak',
    'common.no': 'nie',
    'common.never': 'nigdy',
    'common.fixErrors': 'Popraw zaznaczone pola.',
    'confirm.heading': 'Potwierdź',
    'confirm.no': 'Anuluj',
    'confirm.delete': 'Usunąć „{name}”? Tego nie można cofnąć.',

    'departments.heading': 'Wydziały',
    'departments.new': 'Nowy wydział',
    'departments.caption': 'Wydziały urzędu',
    'departments.prefix': 'Prefiks biletów',
    'departments.lastTicket': 'Ostatni bilet przed zamknięciem (min)',
    'departments.hours': 'Godziny otwarcia',
    'departments.editHeading': 'Wydział: {name}',
    'departments.newHeading': 'Nowy wydział',
    'departments.closed': 'zamknięte',
    'departments.addInterval': 'Dodaj przedział',
    'departments.removeInterval': 'Usuń przedział {n}',
    'departments.clockPlaceholder': 'GG:MM',
    'departments.hoursHint': 'Godziny wpisz jako GG:MM, np. 07:30. Przedział otwarty do północy kończy się o 24:00.',
    'departments.from': 'Od',
    'departments.to': 'Do',
    'departments.intervalFrom': '{day}, przedział {n}: od',
    'departments.intervalTo': '{day}, przedział {n}: do',
    'departments.policy': 'Kolejność wzywania',
    'departments.policyHint': 'Bilety priorytetowe (kobiety w ciąży, osoby z niepełnosprawnością) i rezerwacje, których godzina nadeszła, wobec pozostałych.',
    'departments.mode': 'Zasada',
    'departments.modeStrict': 'Priorytet zawsze pierwszy',
    'departments.modeRatio': 'Jeden priorytet po kilku pozostałych',
    'departments.modeAging': 'Pierwszeństwo po długim czekaniu',
    'departments.every': 'Bilet priorytetowy po ilu pozostałych',
    'departments.maxWait': 'Najdłuższe czekanie bez priorytetu (min)',
    'departments.maxWaitHint': 'Im dłużej ktoś czeka, tym bardziej wyprzedza bilety priorytetowe; po tym czasie jest wzywany pierwszy.',
    'departments.bookingGrace': 'Rezerwacja wzywana najpóźniej po (min od godziny wizyty)',
    'day.mon': 'Poniedziałek', 'day.tue': 'Wtorek', 'day.wed': 'Środa', 'day.thu': 'Czwartek',
    'day.fri': 'Piątek', 'day.sat': 'Sobota', 'day.sun': 'Niedziela',

    'services.heading': 'Sprawy',
    'services.caption': 'Sprawy wydziału {name}',
    'services.slot': 'Długość wizyty (min)',
    'services.capacity': 'Liczba równoczesnych wizyt',
    'services.daysAhead': 'Rezerwacja na ile dni naprzód',
    'services.lead': 'Najpóźniej przed wizytą (min)',
    'services.early': 'Potwierdzenie obecności najwcześniej (min przed)',
    'services.grace': 'Potwierdzenie obecności najpóźniej (min po)',
    'services.maxPesel': 'Najwięcej aktywnych rezerwacji na PESEL',
    'services.confirm': 'Potwierdzenie e-mailem w ciągu (min, 0 — bez potwierdzenia)',
    'services.description': 'Opis',
    'common.namePl': 'Nazwa (po polsku)',
    'translation.en': 'Po angielsku (nieobowiązkowo; puste — pokażemy polski tekst)',
    'translation.uk': 'Po ukraińsku (nieobowiązkowo; puste — pokażemy polski tekst)',
    'services.keywords': 'Słowa, po których mieszkańcy szukają sprawy (oprócz nazw; oddzielone przecinkami)',
    'services.keywordsHint': 'Na przykład: meldunek, wymeldowanie, dowód. W dowolnym języku.',
    'services.instructions': 'Co zabrać i jak się przygotować',
    'services.proofOfWork': 'Ochrona przed automatami: przeglądarka rozwiązuje zadanie (proof of work) przed rezerwacją, odwołaniem i sprawdzeniem rezerwacji',
    'services.remotePerDay': 'Kolejka zdalna: numerów dziennie (0 — wyłączona)',
    'services.remoteArrival': 'Kolejka zdalna: wywołuj numer dopiero po potwierdzeniu przybycia w biletomacie',
    'services.letter': 'Litera numerków sprawy (literaGrupy)',
    'services.letterHint': 'Od 1 do 3 wielkich liter, np. A albo PJ; puste — litera wydziału. Sprawy z tą samą literą mają wspólną numerację. Dłuższa niż jedna litera nie może kończyć się na E ani R (tak oznaczamy kolejkę zdalną i rezerwacje).',
    'services.editHeading': 'Sprawa: {name}',
    'services.new': 'Nowa sprawa',
    'services.newHeading': 'Nowa sprawa',
    'services.department': 'Wydział',
    'services.confirmCancel': { one: 'Sprawa „{name}” ma {n} przyszłą rezerwację. Usunięcie sprawy ją odwoła, a mieszkaniec dostanie powiadomienie.', few: 'Sprawa „{name}” ma {n} przyszłe rezerwacje. Usunięcie sprawy je odwoła, a mieszkańcy dostaną powiadomienia.', many: 'Sprawa „{name}” ma {n} przyszłych rezerwacji. Usunięcie sprawy je odwoła, a mieszkańcy dostaną powiadomienia.', other: 'Sprawa „{name}” ma {n} przyszłych rezerwacji. Usunięcie sprawy je odwoła, a mieszkańcy dostaną powiadomienia.' },
    'services.cancelBookings': { one: 'Odwołaj {n} rezerwację i usuń', few: 'Odwołaj {n} rezerwacje i usuń', many: 'Odwołaj {n} rezerwacji i usuń', other: 'Odwołaj {n} rezerwacji i usuń' },
    'services.deletedCancelled': { one: 'Usunięto. Odwołano {n} rezerwację.', few: 'Usunięto. Odwołano {n} rezerwacje.', many: 'Usunięto. Odwołano {n} rezerwacji.', other: 'Usunięto. Odwołano {n} rezerwacji.' },
    'services.offGrid': { one: '{n} przyszła rezerwacja nie pasuje do nowej siatki (pozostaje ważna).', few: '{n} przyszłe rezerwacje nie pasują do nowej siatki (pozostają ważne).', many: '{n} przyszłych rezerwacji nie pasuje do nowej siatki (pozostają ważne).', other: '{n} przyszłych rezerwacji nie pasuje do nowej siatki (pozostają ważne).' },
    'services.gridOk': 'Wszystkie przyszłe rezerwacje pasują do nowej siatki.',
    'services.saveAnyway': 'Zapisz mimo to',
    'services.offer': 'Zwolnione miejsce czeka na osobę z listy oczekujących (min)',
    'waitlist.heading': 'Lista oczekujących',
    'waitlist.date': 'Dzień',
    'waitlist.show': 'Pokaż listę',
    'waitlist.caption': 'Lista oczekujących na {date}',
    'waitlist.position': 'Miejsce w kolejce',
    'waitlist.person': 'Imię i nazwisko',
    'waitlist.pesel': 'PESEL (4 ostatnie cyfry)',
    'waitlist.status': 'Stan',
    'waitlist.time': 'Termin',
    'waitlist.until': 'Propozycja ważna do',
    'waitlist.code': 'Kod rezerwacji',
    'waitlist.empty': 'Nikt nie jest zapisany na ten dzień.',
    'waitlist.state.waiting': 'czeka',
    'waitlist.state.offered': 'dostał(a) propozycję',
    'waitlist.state.booked': 'zarezerwował(a)',
    'waitlist.state.expired': 'propozycja wygasła',
    'waitlist.state.cancelled': 'zrezygnował(a)',

    'closures.heading': 'Zamknięcia',
    'closures.caption': 'Dni, w które urząd lub wydział jest zamknięty',
    'closures.scope': 'Zakres',
    'closures.office': 'Cały urząd',
    'closures.startsOn': 'Od dnia',
    'closures.days': 'Dni',
    'closures.range': '{from} – {to}',
    'closures.endsOn': 'Do dnia (włącznie)',
    'closures.reason': 'Powód',
    'closures.add': 'Dodaj zamknięcie',
    'closures.submit': 'Dodaj zamknięcie',
    'closures.created': 'Dodano zamknięcie {from} – {to}.',
    'closures.impact': { one: 'Zamknięcie obejmuje {n} rezerwację.', few: 'Zamknięcie obejmuje {n} rezerwacje.', many: 'Zamknięcie obejmuje {n} rezerwacji.', other: 'Zamknięcie obejmuje {n} rezerwacji.' },
    'closures.noImpact': 'Zamknięcie nie obejmuje żadnej rezerwacji.',
    'closures.cancelBookings': { one: 'Odwołaj {n} rezerwację', few: 'Odwołaj {n} rezerwacje', many: 'Odwołaj {n} rezerwacji', other: 'Odwołaj {n} rezerwacji' },
    'closures.confirmCancel': { one: 'Odwołać {n} rezerwację w zamkniętych dniach? Ta osoba dostanie powiadomienie. Tego nie można cofnąć.', few: 'Odwołać {n} rezerwacje w zamkniętych dniach? Każda osoba dostanie powiadomienie. Tego nie można cofnąć.', many: 'Odwołać {n} rezerwacji w zamkniętych dniach? Każda osoba dostanie powiadomienie. Tego nie można cofnąć.', other: 'Odwołać {n} rezerwacji w zamkniętych dniach? Każda osoba dostanie powiadomienie. Tego nie można cofnąć.' },
    'closures.cancelled': { one: 'Odwołano {n} rezerwację.', few: 'Odwołano {n} rezerwacje.', many: 'Odwołano {n} rezerwacji.', other: 'Odwołano {n} rezerwacji.' },
    'calendar.prev': 'Poprzedni miesiąc',
    'calendar.next': 'Następny miesiąc',
    'calendar.hint': 'Wybierz dzień, by od niego zacząć zamknięcie, a potem późniejszy dzień, by je do niego wydłużyć.',
    'calendar.open': '{date}: otwarte',
    'calendar.weekend': '{date}: weekend',
    'calendar.holiday': '{date}: święto, {name}',
    'calendar.closed': '{date}: zamknięte, {what}',
    'calendar.legendOffice': 'zamknięty cały urząd',
    'calendar.legendDepartment': 'zamknięty wydział',
    'calendar.legendHoliday': 'święto',
    'calendar.picked': 'Zamknięcie: {from} – {to}. Uzupełnij zakres i powód.',

    'counters.heading': 'Stanowiska',
    'counters.new': 'Nowe stanowisko',
    'counters.caption': 'Stanowiska i obsługiwane sprawy',
    'counters.department': 'Wydział',
    'counters.services': 'Sprawy',
    'counters.departments': 'Wydziały, których sprawy obsługuje',
    'counters.departmentsColumn': 'Wydziały',
    'counters.serviceOf': '{service} ({department})',
    'counters.noServices': 'Wybrane wydziały nie mają spraw.',
    'counters.editHeading': 'Stanowisko: {name}',
    'counters.newHeading': 'Nowe stanowisko',
    'counters.label': 'Skrót na tablicy',
    'counters.labelHint': 'Co pokazać na tablicy wywoławczej zamiast nazwy, np. „4” albo „Kasa 2” (do 16 znaków). Puste: nazwa.',

    'users.heading': 'Użytkownicy',
    'users.caption': 'Konta administratorów i urzędników',
    'users.username': 'Nazwa użytkownika',
    'users.displayName': 'Imię i nazwisko',
    'users.role': 'Rola',
    'users.password': 'Hasło',
    'users.state': 'Stan',
    'users.active': 'aktywne',
    'users.disabled': 'wyłączone',
    'users.add': 'Nowy użytkownik',
    'users.submit': 'Utwórz użytkownika',
    'users.resetPassword': 'Nowe hasło',
    'users.resetFor': 'Nowe hasło dla {name}',
    'users.setPassword': 'Ustaw hasło',
    'users.passwordSet': 'Ustawiono nowe hasło dla {name}.',
    'users.disable': 'Wyłącz',
    'users.enable': 'Włącz',
    'users.source': 'Źródło',
    'users.source.local': 'lokalny',
    'users.source.ldap': 'LDAP',
    'users.source.oidc': 'OpenID',
    'users.passwordInDirectory': 'hasło w katalogu',
    'users.passwordAtProvider': 'hasło u dostawcy logowania',
    'role.admin': 'administrator',
    'role.clerk': 'urzędnik',

    'kiosks.heading': 'Biletomaty',
    'kiosks.caption': 'Biletomaty i stan ich drukarek',
    'kiosks.name': 'Nazwa',
    'kiosks.add': 'Nowy biletomat',
    'kiosks.submit': 'Utwórz biletomat',
    'kiosks.printerState': 'Drukarka',
    'kiosks.noPrinter': 'bez drukarki',
    'kiosks.lastSeen': 'Ostatnio widziany',
    'kiosks.tokenHeading': 'Token biletomatu „{name}”',
    'kiosks.tokenOnce': 'Token jest pokazywany tylko teraz, jeden raz. Skopiuj go (zaznacz i Ctrl+C) i wpisz w biletomacie — później nie będzie go można odczytać.',
    'kiosks.tokenLabel': 'Token',
    'kiosks.tokenUrl': 'Adres strony biletomatu',
    'kiosks.tokenDone': 'Skopiowałem, ukryj token',
    'kiosks.printer': 'Biletomat: {name}',
    'kiosks.settings': 'Ustawienia biletomatu',
    'kiosks.uri': 'Adres drukarki (tcp://HOST:PORT, file:///dev/usb/lp0, agent lub none)',
    'kiosks.model': 'Model drukarki (wypełnia pola poniżej)',
    'kiosks.modelCustom': 'inny — własne ustawienia',
    'kiosks.paper': 'Szerokość papieru',
    'kiosks.columns': 'Znaków w wierszu (24–64)',
    'kiosks.dots': 'Punktów w wierszu (256–832)',
    'kiosks.codeTable': 'Strona kodowa: numer n w ESC t n',
    'kiosks.charset': 'Co drukarka ma pod tym numerem',
    'kiosks.qr': 'Kod QR',
    'kiosks.qrNative': 'drukarki',
    'kiosks.qrRaster': 'jako obraz',
    'kiosks.cut': 'Cięcie papieru',
    'kiosks.cutPartial': 'częściowe',
    'kiosks.cutFull': 'pełne',
    'kiosks.cutFeed': 'brak obcinacza (wysuw do urwania)',
    'kiosks.chineseOff': 'Wyłączaj tryb chiński (FS .) — dla klonów, które zamiast polskich liter drukują chińskie znaki',
    'kiosks.status': 'Pytaj drukarkę o stan (DLE EOT) — wyłącz dla drukarki, która nie odpowiada',
    'kiosks.maxJobAge': 'Bilet czeka na drukarkę najwyżej (minut, 1–120); starszy nie drukuje się wcale',
    'kiosks.screen': 'Ekran',
    'kiosks.idle': 'Powrót do startu bez dotyku na ekranach wyboru (sekund, 30–600)',
    'kiosks.inputIdle': 'Powrót do startu bez dotyku przy wpisywaniu kodu lub telefonu (sekund, 30–600)',
    'kiosks.warn': 'Pytanie „Potrzebujesz więcej czasu?” przed powrotem (sekund, 20–120)',
    'kiosks.layout': 'Układ ekranu',
    'kiosks.layoutStandard': 'Zwykły',
    'kiosks.layoutLow': 'Niski: przyciski w dolnej części ekranu pionowego (w zasięgu osoby na wózku)',
    'kiosks.jobs': 'Ostatnie wydruki',
    'kiosks.jobsOf': 'Ostatnie wydruki: {name}',
    'kiosks.jobsCaption': 'Ostatnie zadania drukowania, od najnowszego',
    'kiosks.noJobs': 'Brak wydruków.',
    'kiosks.kind': 'Rodzaj',
    'kiosks.jobState': 'Stan',
    'kiosks.reason': 'Przyczyna',
    'kiosks.created': 'Utworzono',
    'kiosks.reprint': 'Drukuj ponownie',
    'kiosks.reprintJob': 'Drukuj ponownie zadanie {id}',
    'kiosks.preview': 'Podgląd',
    'kiosks.previewJob': 'Podgląd wydruku {id}',
    'kiosks.reprinted': 'Ponowny wydruk: {state}.',
    'print.printed': 'wydrukowany',
    'print.queued': 'czeka na program biletomatu',
    'print.failed': 'nie wydrukował się',
    'print.unknown': 'wysłany, drukarka nie potwierdziła',
    'print.none': 'biletomat nie ma drukarki',
    'job.queued': 'czeka',
    'job.sent': 'drukuje się',
    'job.done': 'wydrukowane',
    'job.failed': 'nie wydrukowane',
    'job.unknown': 'nie wiadomo, czy wydrukowane',
    'job.expired': 'przeterminowane, nie drukowane',
    'kiosks.duplicateOf': 'duplikat #{id}',
    'kiosks.testPrint': 'Wydruk testowy',
    'kiosks.testPrintOn': 'Wydruk testowy: {name}',
    'kiosks.test.printed': 'Strona testowa wydrukowana na „{name}”.',
    'kiosks.test.queued': 'Strona testowa czeka na program biletomatu „{name}”.',
    'kiosks.test.none': 'Biletomat „{name}” nie ma drukarki (none).',
    'kiosks.test.failed': 'Strona testowa nie wydrukowała się na „{name}”: {reason}.',
    'kiosks.test.unknown': 'Strona testowa poszła do drukarki „{name}”, ale drukarka nie potwierdziła wydruku ({reason}) — sprawdź, czy wyszła.',
    'alerts.heading': 'Powiadomienia o drukarkach',
    'alerts.help': 'Gdy drukarka biletomatu zgłosi, że kończy się lub skończył papier, otwartą pokrywę albo błąd, lub przestanie odpowiadać, urzędnicy widzą to od razu, a na ten adres przychodzi jedna wiadomość o każdej takiej zmianie. Drukarki podłączone bezpośrednio są sprawdzane co 30 sekund w godzinach pracy urzędu (i 15 minut przed otwarciem).',
    'alerts.email': 'Adres e-mail do powiadomień (puste pole: bez wiadomości)',
    'alerts.save': 'Zapisz adres',
    'alerts.saved': 'Zapisano adres powiadomień: {email}.',
    'alerts.off': 'Wiadomości o drukarkach wyłączone.',

    'displays.heading': 'Tablice',
    'displays.lead': 'Każda tablica w holu otwiera swój adres. Zmiany wydziałów i języka tablica przyjmuje sama, w ciągu minuty.',
    'displays.new': 'Nowa tablica',
    'displays.caption': 'Tablice w holu',
    'displays.departments': 'Wydziały',
    'displays.allDepartments': 'wszystkie wydziały',
    'displays.departmentsHint': 'Nic nie zaznaczone: tablica pokazuje wszystkie wydziały.',
    'displays.lang': 'Język',
    'displays.address': 'Adres tablicy',
    'displays.preview': 'Podgląd',
    'displays.previewOf': 'Podgląd tablicy {name} (otwiera się w nowej karcie)',
    'displays.editHeading': 'Tablica: {name}',
    'displays.newHeading': 'Nowa tablica',
    'displays.sound': 'Dźwięk',
    'displays.soundField': 'Dźwięk włączony: sygnał i zapowiedź każdego wezwania bez dotykania ekranu',
    'displays.soundHint': 'Telewizora w holu nikt nie dotyka: z tym ustawieniem tablica gra od razu po włączeniu. Przeglądarka telewizora musi pozwalać na dźwięk bez dotknięcia (README, „Tablica w holu”); gdy nie pozwala, tablica pokaże o tym krótką informację pod numerami.',
    'displays.soundOn': 'włączony',
    'displays.soundOff': 'wyłączony do dotknięcia',
    'lang.pl': 'polski', 'lang.en': 'angielski', 'lang.uk': 'ukraiński',

    'forms.heading': 'Formularze do pobrania: {name}',
    'forms.caption': 'Formularze tej sprawy',
    'forms.title': 'Tytuł',
    'forms.file': 'Plik PDF (najwyżej 10 MB)',
    'forms.size': 'Rozmiar',
    'forms.open': 'Pobierz',
    'forms.openNamed': 'Pobierz: {name}',
    'forms.add': 'Dodaj formularz',
    'forms.added': 'Dodano formularz.',
    'forms.notPdf': 'Wybierz plik PDF.',
    'forms.tooBig': 'Plik jest większy niż 10 MB.',
    'forms.noFile': 'Wybierz plik PDF.',

    'stats.heading': 'Statystyki',
    'stats.from': 'Od dnia',
    'stats.to': 'Do dnia',
    'stats.submit': 'Pokaż',
    'stats.caption': 'Statystyki {from} – {to} według dnia, wydziału i sprawy',
    'stats.day': 'Dzień',
    'stats.department': 'Wydział',
    'stats.service': 'Sprawa',
    'stats.issued': 'Bilety',
    'stats.remote': 'W tym z kolejki zdalnej',
    'stats.served': 'Obsłużeni',
    'stats.noShow': 'Nieobecni',
    'stats.expired': 'Wygasłe',
    'stats.bookingsMade': 'Rezerwacje zrobione (wg dnia zrobienia)',
    'stats.cancelled': 'Odwołane (wg dnia odwołania)',
    'stats.cancelledLate': 'Odwołane za spóźnienie (wg dnia odwołania)',
    'stats.cancelledOn': 'Odwołane (wg dnia odwołania)',
    'stats.visitsBooked': 'Wizyty (wg dnia wizyty)',
    'stats.visitsCheckedIn': 'Zgłosili się',
    'stats.visitsMissed': 'Nie przyszli (odwołane za spóźnienie)',
    'stats.visitNoShow': 'Niestawiennictwo na wizyty',
    'stats.feedbackCount': 'Oceny mieszkańców',
    'stats.feedbackAverage': 'Średnia ocena (1–5)',
    'stats.comments': 'Opinie mieszkańców',
    'stats.commentsLead': 'Oceny (1–5) i komentarze po wizytach, bez danych osobowych.',
    'stats.commentsCaption': 'Opinie mieszkańców, {from} – {to}',
    'stats.score': 'Ocena',
    'stats.comment': 'Komentarz',
    'stats.commentsNone': 'Brak opinii w tym okresie.',
    'stats.feedbackInvite': 'Po wizycie wysyłaj SMS lub e-mail z prośbą o ocenę (gdy bilet ma telefon lub e-mail)',
    'stats.feedbackInviteOn': 'Prośby o ocenę będą wysyłane po wizytach.',
    'stats.feedbackInviteOff': 'Prośby o ocenę nie będą wysyłane.',
    'stats.target': 'Docelowy czas oczekiwania (min, 1–240)',
    'stats.withinTarget': 'Wywołani w ciągu {n} min',
    'stats.percent': '{n}%',
    'stats.print': 'Drukuj',
    'stats.csvOf': 'Pobierz CSV: {what}',
    'stats.table.rows': 'dni i sprawy',
    'stats.table.services': 'sprawy',
    'stats.table.counters': 'stanowiska',
    'stats.table.days': 'dni',
    'stats.table.weekday_hours': 'dni tygodnia i godziny',
    'stats.byService': 'Według spraw',
    'stats.byServiceCaption': 'Sprawy, {from} – {to}',
    'stats.targetLead': 'Cel: bilet wywołany najpóźniej {n} min po wydaniu. Udział liczony wśród biletów wywołanych lub wygasłych. Niestawiennictwo: wizyty odwołane za spóźnienie wśród wizyt, na które ktoś się zgłosił lub nie przyszedł.',
    'stats.byCounter': 'Według stanowisk',
    'stats.byCounterCaption': 'Stanowiska, {from} – {to}',
    'stats.counterLead': 'Bilety wywołane przy danym stanowisku.',
    'stats.counter': 'Stanowisko',
    'stats.called': 'Wywołane',
    'stats.byDay': 'Według dni',
    'stats.byDayCaption': 'Dni, {from} – {to}',
    'stats.dayLead': 'Bilety liczone są w dniu wydania, rezerwacje zrobione w dniu zrobienia, odwołania w dniu odwołania, a wizyty w dniu wizyty.',
    'stats.heatHeading': 'Najbardziej obciążone godziny',
    'stats.heatLead': 'Bilety wydane w każdej godzinie, według dnia tygodnia; im ciemniejsze pole, tym więcej biletów.',
    'stats.heatCaption': 'Bilety według dnia tygodnia i godziny wydania, {from} – {to}',
    'stats.weekday': 'Dzień tygodnia',
    'stats.chartAlt': 'Wykres słupkowy: bilety według godziny wydania, {from} – {to}, razem {n}.',
    'stats.detail': 'Według dni i spraw',
    'stats.detailLead': 'Rezerwacja zrobiona 2 grudnia na wizytę 3 grudnia jest w wierszu 2 grudnia w kolumnie „Rezerwacje zrobione” i w wierszu 3 grudnia w kolumnie „Wizyty”.',
    'stats.waitP50': 'Oczekiwanie p50 (min)',
    'stats.waitP90': 'Oczekiwanie p90 (min)',
    'stats.serviceP50': 'Obsługa p50 (min)',
    'stats.serviceP90': 'Obsługa p90 (min)',
    'stats.total': 'Razem',
    'stats.empty': 'Brak danych w tym okresie.',
    'stats.chart': 'Bilety według godziny wydania, {from} – {to}',
    'stats.csv': 'Pobierz CSV',

    'live.heading': 'Na żywo',
    'live.refreshed': 'Odświeżono o {time}. Odświeżanie co 10 s.',
    'live.unavailable': 'Dane na żywo nie są jeszcze dostępne.',
    'live.waiting': 'Oczekujący',
    'live.longestWait': 'Najdłuższe oczekiwanie',
    'live.minutes': '{n} min',
    'live.countersOf': 'Otwarte stanowiska: {name}',
    'live.noCounters': 'Żadne stanowisko nie jest otwarte.',
    'live.counter': 'Stanowisko',
    'live.status': 'Stan',
    'live.clerk': 'Urzędnik',
    'live.current': 'Obecny bilet',
    'live.status.open': 'otwarte',
    'live.status.paused': 'przerwa',
    'live.pausedFor': 'przerwa: {reason}, od {minutes}',
    'live.pausedFor.none': 'przerwa od {minutes}',

    'audit.heading': 'Dziennik zmian',
    'audit.user': 'Kto zmieniał',
    'audit.anyUser': 'każdy',
    'audit.objectId': 'Numer obiektu',
    'audit.history': 'Historia: {what}',
    'audit.objectType': 'Rodzaj obiektu',
    'audit.anyType': 'dowolny',
    'audit.submit': 'Filtruj',
    'audit.caption': 'Zmiany, od najnowszej',
    'audit.at': 'Kiedy',
    'audit.actor': 'Kto',
    'audit.action': 'Zmiana',
    'audit.object': 'Obiekt',
    'audit.details': 'Szczegóły',
    'audit.objectNamed': '{kind} „{name}”',
    'audit.to': 'zmienione na',
    'audit.fields': { one: '{n} pole', few: '{n} pola', many: '{n} pól', other: '{n} pola' },
    'action.create': 'utworzenie', 'action.update': 'zmiana', 'action.delete': 'usunięcie',
    'action.sign_in': 'logowanie', 'action.sign_in_failed': 'nieudane logowanie',
    'action.cancel': 'odwołanie rezerwacji', 'action.cancel_bookings': 'odwołanie rezerwacji w zamknięte dni',
    'field.proofOfWork': 'Ochrona przed automatami (proof of work)', 'field.disabled': 'Konto wyłączone',
    'field.passwordChanged': 'Zmiana hasła', 'field.tokenRotated': 'Nowy token', 'field.printerUri': 'Adres drukarki',
    'field.chineseOff': 'Wyłączanie trybu chińskiego', 'field.printerStatus': 'Pytanie drukarki o stan',
    'field.maxJobAge': 'Bilet czeka na drukarkę najwyżej (min)',
    'field.idleSeconds': 'Powrót do startu (s)', 'field.inputIdleSeconds': 'Powrót do startu przy wpisywaniu (s)',
    'field.warnSeconds': 'Pytanie o więcej czasu (s)', 'field.layout': 'Układ ekranu', 'field.filename': 'Nazwa pliku', 'field.contentType': 'Typ pliku',
    'field.alertsEmail': 'Adres powiadomień o drukarkach', 'field.status': 'Stan', 'field.note': 'Wyjaśnienie',
    'field.cancelled': 'Odwołane', 'field.bookings': 'Rezerwacje',
    'object.department': 'wydział', 'object.service': 'sprawa', 'object.closure': 'zamknięcie',
    'object.counter': 'stanowisko', 'object.user': 'użytkownik', 'object.kiosk': 'biletomat', 'object.office': 'urząd',
    'object.display': 'tablica', 'object.attachment': 'formularz',

    'nav.webhooks': 'Webhooki',
    'webhooks.heading': 'Webhooki',
    'webhooks.lead': 'Adresy systemu obiegu dokumentów, do których Okienko wysyła zdarzenia podpisane HMAC-SHA256. Nieudane wysyłki są ponawiane.',
    'webhooks.caption': 'Odbiorcy zdarzeń',
    'webhooks.url': 'Adres odbiorcy (http:// lub https://)',
    'webhooks.address': 'Adres',
    'webhooks.events': 'Zdarzenia',
    'webhooks.active': 'Wysyłaj zdarzenia (webhook włączony)',
    'webhooks.state': 'Stan',
    'webhooks.on': 'włączony',
    'webhooks.off': 'wyłączony',
    'webhooks.secretNew': 'Sekret podpisu, 16–200 znaków (puste pole: Okienko go wygeneruje)',
    'webhooks.secretEdit': 'Nowy sekret podpisu (puste pole: bez zmiany)',
    'webhooks.new': 'Nowy webhook',
    'webhooks.newHeading': 'Nowy webhook',
    'webhooks.editHeading': 'Webhook {url}',
    'webhooks.secretHeading': 'Sekret webhooka {url}',
    'webhooks.secretOnce': 'Sekret jest pokazywany tylko teraz, jeden raz. Skopiuj go i wpisz u odbiorcy — później nie będzie go można odczytać.',
    'webhooks.secretLabel': 'Sekret',
    'webhooks.secretDone': 'Skopiowałem, ukryj sekret',
    'webhooks.goneHeading': 'Wyłączone webhooki',
    'webhooks.gone': 'Webhook {url} wyłączony {at}: odbiorca odpowiedział 410 Gone (adres już nie istnieje). Sprawdź adres i włącz go ponownie.',
    'webhooks.deliveries': 'Wysyłki',
    'webhooks.deliveriesNamed': 'Wysyłki: {url}',
    'webhooks.deliveriesCaption': 'Ostatnie wysyłki, od najnowszej, z odpowiedziami odbiorcy',
    'webhooks.noDeliveries': 'Brak wysyłek.',
    'webhooks.event': 'Zdarzenie',
    'webhooks.object': 'Obiekt',
    'webhooks.deliveryState': 'Stan',
    'webhooks.answers': 'Odpowiedzi',
    'webhooks.noAnswer': 'brak odpowiedzi',
    'webhooks.redeliver': 'Wyślij ponownie',
    'webhooks.redeliverOf': 'Wyślij ponownie zdarzenie {id}',
    'webhooks.redelivered': 'Zdarzenie czeka na ponowną wysyłkę.',
    'delivery.queued': 'czeka',
    'delivery.sending': 'w trakcie',
    'delivery.sent': 'dostarczone',
    'delivery.failed': 'nieudane',
    'event.booking.created': 'rezerwacja utworzona',
    'event.booking.cancelled': 'rezerwacja odwołana',
    'event.booking.checked_in': 'zgłoszenie na rezerwację',
    'event.ticket.issued': 'bilet wydany',
    'event.ticket.called': 'bilet wywołany',
    'event.ticket.finished': 'obsługa zakończona',
    'event.pickup.ready': 'dokument do odbioru',
    'object.webhook': 'webhook',
    'action.disable': 'wyłączenie',
    'action.redeliver': 'ponowna wysyłka',
    'error.network': 'Brak połączenia z serwerem. Spróbuj ponownie.',
    'error.status': 'Serwer odpowiedział błędem {status}.',
    'nav.suspicious': 'Podejrzane rezerwacje',
    'suspicious.heading': 'Podejrzane rezerwacje',
    'suspicious.lead': 'Grupy rezerwacji, które rzadko zdarzają się mieszkańcom: wiele w krótkim czasie z jednego adresu lub sieci /64, wiele z adresami e-mail jednej domeny, wiele numerów PESEL z jedną datą urodzenia. Sprawdź, zanim odwołasz.',
    'suspicious.from': 'Wizyty od dnia',
    'suspicious.to': 'do dnia',
    'suspicious.submit': 'Szukaj',
    'suspicious.none': 'W tych dniach nie ma podejrzanych grup rezerwacji.',
    'suspicious.address': 'Seria rezerwacji z adresu {key}',
    'suspicious.net': 'Seria rezerwacji z sieci {key}',
    'suspicious.domain': 'Adresy e-mail w domenie {key}',
    'suspicious.public': '(popularna bezpłatna poczta)',
    'suspicious.birth': 'Numery PESEL z jedną datą urodzenia (znak {key})',
    'suspicious.summary': { one: '{n} rezerwacja, utworzona {first}', few: '{n} rezerwacje, utworzone {first} – {last}', many: '{n} rezerwacji, utworzonych {first} – {last}', other: '{n} rezerwacji, utworzonych {first} – {last}' },
    'suspicious.selectGroup': 'Zaznacz całą grupę',
    'suspicious.select': 'Zaznacz {code} ({name})',
    'suspicious.code': 'Kod',
    'suspicious.matter': 'Sprawa',
    'suspicious.visit': 'Wizyta',
    'suspicious.name': 'Imię i nazwisko',
    'suspicious.email': 'E-mail',
    'suspicious.clientAddr': 'Adres IP',
    'suspicious.created': 'Utworzona',
    'suspicious.note': 'Wyjaśnienie dla mieszkańców (trafi do wiadomości o odwołaniu)',
    'suspicious.cancelSelected': 'Odwołaj zaznaczone',
    'suspicious.selected': { one: 'Zaznaczono {n} rezerwację.', few: 'Zaznaczono {n} rezerwacje.', many: 'Zaznaczono {n} rezerwacji.', other: 'Zaznaczono {n} rezerwacji.' },
    'suspicious.nothingSelected': 'Zaznacz rezerwacje do odwołania.',
    'suspicious.confirm': 'Odwołać zaznaczone rezerwacje ({n})? Każda osoba dostanie wiadomość z wyjaśnieniem. Tego nie można cofnąć.',
    'suspicious.confirmYes': 'Odwołaj ({n})',
    'suspicious.done': 'Odwołano: {n}. Bez zmian: {m} (już odwołane, rozpoczęte lub po zgłoszeniu się).',
    'object.booking': 'rezerwacja',
    'nav.staff': 'Praca stanowisk',
    'staff.heading': 'Praca stanowisk',
    'staff.lead': 'Obsłużeni, nieobecni, czas obsługi i przerwy każdego urzędnika i stanowiska, dzień po dniu (najwyżej 92 dni).',
    'staff.byClerk': 'Urzędnicy',
    'staff.byClerkCaption': 'Urzędnicy według dni, {from} – {to}',
    'staff.byCounter': 'Stanowiska',
    'staff.byCounterCaption': 'Stanowiska według dni, {from} – {to}',
    'staff.dayClerk': 'Dzień · urzędnik',
    'staff.dayCounter': 'Dzień · stanowisko',
    'staff.served': 'Obsłużeni',
    'staff.noShow': 'Nieobecni',
    'staff.mean': 'Obsługa średnio (min)',
    'staff.p90': 'Obsługa p90 (min)',
    'staff.pauses': 'Przerwy',
    'staff.paused': 'Przerwy razem (min)',
    'staff.pausedFor': '{reason} (min)',
    'staff.p90Lead': 'p90: 9 na 10 obsług trwało najwyżej tyle (metoda najbliższej rangi).',
    'staff.csv': 'Pobierz CSV ({from} – {to})',
    'staff.archived': '{name} (wycofany)',
    'reasons.heading': 'Powody przerw',
    'reasons.lead': 'Urzędnik wybiera powód, gdy zaczyna przerwę. Powód już użyty nie znika z raportów: usunięcie tylko chowa go z listy.',
    'reasons.caption': 'Powody przerw w kolejności na liście urzędnika',
    'reasons.new': 'Nowy powód przerwy',
    'reasons.newHeading': 'Nowy powód przerwy',
    'reasons.editHeading': 'Powód przerwy: {name}',
    'reasons.position': 'Miejsce na liście',
    'reasons.translations': 'Tłumaczenia',
    'object.pause_reason': 'powód przerwy',
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
  const LIVE_MS = 10000;
  const lang = pickLanguage();
  // Times are shown on the office's clock, whatever the browser's zone.
  const zone = document.body.dataset.zone || undefined;
  const timeFormat = new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', second: '2-digit', timeZone: zone });
  const dateTimeFormat = new Intl.DateTimeFormat(lang, { dateStyle: 'short', timeStyle: 'short', timeZone: zone });
  const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
  const ROUTES = {
    wydzialy: 'departments', sprawy: 'services', zamkniecia: 'closures', stanowiska: 'counters',
    uzytkownicy: 'users', biletomaty: 'kiosks', tablice: 'displays', statystyki: 'stats', pracownicy: 'staff', 'na-zywo': 'live', podejrzane: 'suspicious', webhooki: 'webhooks', dziennik: 'audit',
  };
  const SECTIONS = Object.values(ROUTES);

  // The language the server rendered the page in (?lang=, the cookie,
  // Accept-Language).
  function pickLanguage() {
    return ui.pageLanguage(MESSAGES);
  }

  // t returns the message key with {placeholders} filled from params.
  const t = ui.translator(MESSAGES, lang);

  const $ = ui.$;
  const el = ui.el;

  const state = { user: null, csrf: '', section: '', departments: [], services: [], users: [], liveTimer: null, liveGen: 0, suspects: new Set() };

  // ---- HTTP ---------------------------------------------------------------

  const ApiError = ui.ApiError;

  // api sends a JSON request (or a FormData upload) with the session cookie and CSRF token and
  // answers the decoded body (null for 204). Failures throw ApiError; a 401
  // while signed in ends the session on the page.
  const api = ui.apiClient({
    headers: (method) => (method !== 'GET' && state.csrf ? { 'X-CSRF-Token': state.csrf } : {}),
    networkMessage: () => t('error.network'),
    message: (status, data) => (data && (data.detail || data.title)) || t('error.status', { status }),
    failed: (status) => { if (status === 401 && state.user) sessionEnded(t('signin.expired')); },
  });

  // optional answers the GET, or null where the endpoint does not exist yet.
  async function optional(path) {
    try {
      return await api('GET', path);
    } catch (err) {
      if (err.status === 404 || err.status === 405) return null;
      throw err;
    }
  }

  // ---- Messages -----------------------------------------------------------

  // SERVER_PL gives the server's (English) messages in Polish; a message
  // not listed is shown as the server wrote it.
  const SERVER_PL = [
    [/^a name is required$/, 'Podaj nazwę.'],
    [/^a department is required$/, 'Wybierz wydział.'],
    [/^(is )?required$/, 'To pole jest wymagane.'],
    [/^must be at most (\d+) characters, got (\d+)$/, 'Najwyżej $1 znaków (jest $2).'],
    [/^must be at most (\d+) characters$/, 'Najwyżej $1 znaków.'],
    [/^must be at least (\d+) characters$/, 'Co najmniej $1 znaków.'],
    [/^must be (\d+) to (\d+) characters$/, 'Od $1 do $2 znaków.'],
    [/^must be between (\d+) and (\d+) minutes(, got -?\d+)?$/, 'Od $1 do $2 minut.'],
    [/^must be between (\d+) and (\d+) days(, got -?\d+)?$/, 'Od $1 do $2 dni.'],
    [/^must be between (\d+) and (\d+) seconds$/, 'Od $1 do $2 sekund.'],
    [/^must be less than idle_seconds and input_idle_seconds$/, 'Musi być krótszy od obu czasów powrotu do startu.'],
    [/^must be standard or low$/, 'Zwykły albo niski.'],
    [/^must be between (\d+) and (\d+) (\w+), got (-?\d+)$/, 'Od $1 do $2 (jest $4).'],
    [/^must be a whole number of minutes between (\d+) and (\d+)$/, 'Pełne minuty, od $1 do $2.'],
    [/^must be a single letter A-Z, got .*$/, 'Jedna litera od A do Z.'],
    [/^must be 1 to (\d+) letters A-Z, got .*$/, 'Od 1 do $1 wielkich liter od A do Z.'],
    [/^"(.*)" ends in ([ER]), which marks remote tickets \(E\) and bookings \(R\) of the letter before it; choose another$/, '„$1” kończy się na $2, a tak oznaczamy kolejkę zdalną (E) i rezerwacje (R) litery przed nią; wybierz inną.'],
    [/^must be admin or clerk$/, 'Administrator albo urzędnik.'],
    [/^must be one of department_ids$/, 'Wydział główny musi być wśród wybranych wydziałów.'],
    [/^must be one of (.*)$/, 'Dozwolone: $1.'],
    [/^service (\d+) has been withdrawn$/, 'Sprawa $1 została usunięta.'],
    [/^a counter serves the matters of its own departments; services? ([\d, ]+) (is|are) another's$/, 'Stanowisko obsługuje tylko sprawy swoich wydziałów ($1 — innego wydziału).'],
    [/^department (\d+) has (\d+) withdrawn matters whose bookings and tickets are kept; it can't be deleted$/, 'Wydziału nie można usunąć: historia jego usuniętych spraw (rezerwacje, bilety) jest zachowana.'],
    [/^department (\d+) still has (\d+) services and (\d+) counters; delete or move them first$/, 'Wydział ma jeszcze sprawy ($2) i stanowiska ($3): najpierw je usuń albo przenieś.'],
    [/^must be a positive whole number$/, 'Liczba całkowita, dodatnia.'],
    [/^contains invalid characters$/, 'Zawiera niedozwolone znaki.'],
    [/^department (\d+) does not exist$/, 'Wydział $1 nie istnieje.'],
    [/^departments ([\d, ]+) do not exist$/, 'Wydziały $1 nie istnieją.'],
    [/^service (\d+) does not exist$/, 'Sprawa $1 nie istnieje.'],
    [/^services ([\d, ]+) do not exist$/, 'Sprawy $1 nie istnieją.'],
    [/^a display named "(.*)" already exists$/, 'Tablica o nazwie „$1” już istnieje.'],
    [/^only PDF files can be added$/, 'Można dodać tylko pliki PDF.'],
    [/^the file is empty$/, 'Plik jest pusty.'],
    [/^the file is larger than the (\d+) MB allowed$/, 'Plik jest większy niż dozwolone $1 MB.'],
    [/^a matter can have at most (\d+) form templates$/, 'Sprawa może mieć najwyżej $1 formularzy.'],
    [/^the first day of the closure is required$/, 'Podaj pierwszy dzień zamknięcia.'],
    [/^"(.*)" is not a time HH:MM between 00:00 and 24:00$/, '„$1” to nie godzina GG:MM od 00:00 do 24:00.'],
    [/^24:00 can only end an interval, not start it$/, '24:00 może tylko kończyć przedział.'],
    [/^an interval must end after it starts: (.*)$/, 'Przedział musi kończyć się po początku: $1.'],
    [/^intervals overlap: (.*) and (.*)$/, 'Przedziały zachodzą na siebie: $1 i $2.'],
    [/^must not be before starts_on \((.*)\)$/, 'Nie może być przed pierwszym dniem ($1).'],
    [/^a closure can last at most (\d+) days, this one lasts (\d+)$/, 'Zamknięcie może trwać najwyżej $1 dni (to trwa $2).'],
    [/^you can't delete your own account$/, 'Nie można usunąć własnego konta.'],
    [/^the last enabled administrator can't be deleted$/, 'Nie można usunąć ostatniego aktywnego administratora.'],
    [/^the user is still referenced; disable it instead$/, 'Konto jest jeszcze używane: zamiast usuwać, wyłącz je.'],
    [/^invalid username or password$/, 'Nieprawidłowa nazwa użytkownika lub hasło.'],
    [/^port must be between 1 and 65535$/, 'Port musi być liczbą od 1 do 65535.'],
    [/^tcp:\/\/ needs a printer host$/, 'Adres tcp:// wymaga nazwy lub adresu drukarki.'],
    [/^.*(like name@example\.com|like example\.com|before the @|must not contain spaces).*$/, 'Podaj sam adres e-mail, np. sekretariat@urzad.gov.pl.'],
    [/^tcp:\/\/ takes a host and port only$/, 'Adres tcp:// to tylko host i port.'],
    [/^must be tcp:\/\/HOST:PORT, file:\/\/\/dev\/\.\.\., agent or none$/, 'Adres drukarki: tcp://HOST:PORT, file:///dev/…, agent albo none.'],
    [/^a local printer is file:\/\/\/dev\/…, e\.g\. file:\/\/\/dev\/usb\/lp0$/, 'Drukarka lokalna to file:///dev/…, np. file:///dev/usb/lp0.'],
    [/^file:\/\/ needs an absolute path, as in file:\/\/\/dev\/usb\/lp0$/, 'Drukarka lokalna to file:///dev/…, np. file:///dev/usb/lp0.'],
    [/^must be 58 or 80$/, 'Papier 58 albo 80 mm.'],
    [/^must be from (\d+) to (\d+)$/, 'Od $1 do $2.'],
    [/^(\d+) columns do not fit in (\d+) dots \(at most (\d+)\)$/, '$1 znaków nie zmieści się w $2 punktach (najwyżej $3).'],
    [/^must be a multiple of 8 from (\d+) to (\d+)$/, 'Wielokrotność 8, od $1 do $2.'],
    [/^(\d+) dots do not fit on (\d+) mm paper \(at most (\d+)\)$/, '$1 punktów nie zmieści się na papierze $2 mm (najwyżej $3).'],
    [/^must be from 0 to 255 \(the n of ESC t n\)$/, 'Od 0 do 255 (numer n w ESC t n).'],
    [/^must be given for code table (\d+): pc852 or wpc1250$/, 'Podaj, co drukarka ma pod numerem $1: PC852 albo WPC1250.'],
    [/^must be pc852 or wpc1250$/, 'PC852 albo WPC1250.'],
    [/^must be native or raster$/, 'Drukarki albo jako obraz.'],
    [/^must be partial, full or feed$/, 'Częściowe, pełne albo brak obcinacza.'],
    [/^contradicts cut "(.*)": give cut alone$/, 'Sprzeczne z cięciem „$1”.'],
    [/^(\w+): must be (.*), not (.*)$/, '$1: zły typ wartości.'],
    [/^an address is required$/, 'Podaj adres.'],
    [/^must be an http:\/\/ or https:\/\/ address$/, 'Adres musi zaczynać się od http:// albo https://.'],
    [/^must be an address without spaces or #fragment$/, 'Adres bez spacji i bez #fragmentu.'],
    [/^choose at least one event$/, 'Wybierz co najmniej jedno zdarzenie.'],
    [/^must be printable characters without spaces$/, 'Tylko znaki drukowalne, bez spacji.'],
    [/^webhook (\d+) is switched off; switch it on to send again$/, 'Webhook jest wyłączony: włącz go, aby wysłać ponownie.'],
    [/^a pause reason named "(.*)" exists already$/, 'Powód przerwy „$1” już istnieje.'],
    [/^the range may span at most (\d+) days$/, 'Zakres może obejmować najwyżej $1 dni.'],
    [/^must not be before from$/, 'Nie może być przed pierwszym dniem.'],
    [/^must be between 0 and 1000$/, 'Od 0 do 1000.'],
  ];
  function inPolish(message) {
    const m = String(message || '');
    if (lang !== 'pl') return m; // the server's own words are English
    for (const [re, pl] of SERVER_PL) if (re.test(m)) return m.replace(re, pl);
    return m;
  }

  function showAlert(message) {
    const a = $('alert');
    a.textContent = message || '';
    a.classList.toggle('shown', Boolean(message));
  }
  function showNotice(message) { $('notice').textContent = message || ''; }

  function failed(err) {
    if (err instanceof ApiError) {
      if (err.status === 401 && !state.user) return;
      showAlert(inPolish(err.message));
    } else {
      showAlert(String(err && err.message ? err.message : err));
      console.error(err);
    }
  }

  // clearErrors removes the field errors shown in form.
  function clearErrors(form) {
    for (const p of form.querySelectorAll('.field-error')) p.remove();
    for (const i of form.querySelectorAll('[aria-invalid]')) {
      i.removeAttribute('aria-invalid');
      i.removeAttribute('aria-describedby');
    }
  }

  // showErrors puts the problem's field errors next to the fields of form
  // (a field is found by data-field, else by name) and focuses the first;
  // errors without a field go to the alert with the problem's detail.
  function showErrors(form, err) {
    clearErrors(form);
    const errors = (err.problem && err.problem.errors) || {};
    const loose = [];
    let first = null;
    for (const [field, msg] of Object.entries(errors)) {
      const target = form.querySelector(`[data-field="${CSS.escape(field)}"]`) || form.querySelector(`[name="${CSS.escape(field)}"]`);
      if (!target) {
        loose.push(field + ': ' + inPolish(msg));
        continue;
      }
      const id = 'err-' + (form.id || 'f') + '-' + field.replace(/[^a-z0-9]/gi, '-');
      const p = el('p', { class: 'field-error', id, text: inPolish(msg) });
      const input = target.matches('input, select, textarea') ? target : target.querySelector('input, select, textarea');
      if (input) {
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', id);
        if (!first) first = input;
      }
      (target.matches('input, select, textarea') ? target.closest('.field') || target.parentNode : target).append(p);
    }
    showAlert(Object.keys(errors).length ? [t('common.fixErrors'), ...loose].join(' ') : inPolish(err.message));
    if (first) first.focus();
  }

  // submitting runs work with the form's submit buttons disabled and shows
  // its failure next to the fields.
  async function submitting(form, work) {
    const buttons = form.querySelectorAll('button[type=submit]');
    for (const b of buttons) b.disabled = true;
    showAlert('');
    clearErrors(form);
    try {
      await work();
    } catch (err) {
      if (err instanceof ApiError && err.status !== 401) showErrors(form, err);
      else failed(err);
    } finally {
      for (const b of buttons) b.disabled = false;
    }
  }

  // confirmAction asks in the confirmation dialog; it answers true for yes.
  function confirmAction(text, yes) {
    const d = $('confirm-dialog');
    const back = document.activeElement;
    $('confirm-text').textContent = text;
    $('confirm-yes').textContent = yes;
    return new Promise((resolve) => {
      const done = (answer) => {
        $('confirm-yes').onclick = null;
        $('confirm-no').onclick = null;
        d.onclose = null;
        if (d.open) d.close();
        if (back && back.isConnected) back.focus();
        resolve(answer);
      };
      $('confirm-yes').onclick = () => done(true);
      $('confirm-no').onclick = () => done(false);
      // A close event is delivered after the fact: one left over from the
      // previous question must not answer this one.
      d.onclose = () => { if (!d.open) done(false); };
      d.showModal();
      $('confirm-no').focus();
    });
  }

  // ---- Building blocks ----------------------------------------------------

  // table builds a table with a caption, column headers and rows of cells;
  // the first cell of each row is its header.
  function table(caption, headers, rows) {
    if (!rows.length) return el('p', { class: 'muted', text: t('common.none') });
    return el('div', { class: 'table-wrap' }, el('table', null,
      el('caption', { text: caption }),
      el('thead', null, el('tr', null, ...headers.map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', null, ...rows.map((cells) => el('tr', null, ...cells.map((c, i) => {
        const cell = el(i === 0 ? 'th' : 'td', i === 0 ? { scope: 'row' } : null);
        if (c instanceof Node) cell.append(c); else cell.textContent = c === null || c === undefined ? '' : String(c);
        return cell;
      }))))));
  }

  let fieldSeq = 0;
  // field is a labelled input; opts: type, value, name, min, max, rows,
  // options [[value, label]], checked, required, autocomplete.
  function field(label, opts) {
    const id = opts.id || 'fld-' + (++fieldSeq);
    let input;
    if (opts.options) {
      input = el('select', { id, name: opts.name });
      for (const [v, l] of opts.options) input.append(el('option', { value: String(v), text: l, selected: String(v) === String(opts.value) }));
    } else if (opts.rows) {
      input = el('textarea', { id, name: opts.name, rows: opts.rows, value: opts.value || '' });
    } else {
      input = el('input', { id, name: opts.name, type: opts.type || 'text', value: opts.value === undefined ? '' : String(opts.value), autocomplete: opts.autocomplete || 'off' });
      if (opts.maxLength) input.maxLength = opts.maxLength;
      if (opts.type === 'number') { input.min = opts.min === undefined ? '0' : opts.min; input.step = '1'; }
      if (opts.type === 'checkbox') input.checked = Boolean(opts.checked);
      if (opts.required) input.required = true;
    }
    if (opts.type === 'checkbox') return el('div', { class: 'field check' }, input, el('label', { for: id, text: label }));
    if (opts.hint) {
      input.setAttribute('aria-describedby', id + '-hint');
      return el('div', { class: 'field' }, el('label', { for: id, text: label }), input, el('p', { id: id + '-hint', class: 'small muted', text: opts.hint }));
    }
    return el('div', { class: 'field' }, el('label', { for: id, text: label }), input);
  }

  // translations returns a fieldset per other language of the catalog
  // (English, Ukrainian) with obj's texts of fields in it: each field's name
  // gets _en or _uk, its label is the Polish field's.
  function translations(obj, fields) {
    return ['en', 'uk'].map((code) => {
      const fs = el('fieldset', { class: 'translation', 'data-lang': code }, el('legend', { text: t('translation.' + code) }));
      for (const f of fields) {
        const name = f.name + '_' + code;
        const box = field(f.label, { name, rows: f.rows, value: obj ? obj[name] || '' : '' });
        box.querySelector('input, textarea').lang = code;
        fs.append(box);
      }
      return fs;
    });
  }

  function button(text, onClick, cls, label) {
    return el('button', { type: 'button', class: 'btn btn-small ' + (cls || ''), text, 'aria-label': label, on: { click: onClick } });
  }

  function formValues(form) {
    const out = {};
    for (const i of form.querySelectorAll('input[name], select[name], textarea[name]')) {
      if (i.type === 'checkbox') out[i.name] = i.checked;
      else if (i.type === 'number') out[i.name] = i.value === '' ? null : Number(i.value);
      else out[i.name] = i.value;
    }
    return out;
  }

  function fmtTime(s) { return s ? dateTimeFormat.format(new Date(s)) : t('common.never'); }
  function fmtNum(v) { return v === null || v === undefined ? '—' : (Math.round(v * 10) / 10).toLocaleString(lang); }

  async function loadDepartments() {
    const [deps, svcs] = await Promise.all([api('GET', '/api/v1/admin/departments'), api('GET', '/api/v1/admin/services')]);
    state.departments = deps || [];
    state.services = svcs || [];
  }
  const departmentName = (id) => (state.departments.find((d) => d.id === id) || { name: '#' + id }).name;
  const serviceName = (id) => (state.services.find((s) => s.id === id) || { name: '#' + id }).name;

  // ---- Views and routing --------------------------------------------------

  function showSignin(message) {
    $('loading').hidden = true;
    $('nav').hidden = true;
    $('who').hidden = true;
    for (const s of SECTIONS) $('sec-' + s).hidden = true;
    $('view-signin').hidden = false;
    showAlert(message || '');
    $('username').focus();
  }

  function sessionEnded(message) {
    state.user = null;
    state.csrf = '';
    stopLive();
    followPrinters(false);
    showSignin(message);
  }

  // followPrinters shows, while an administrator is signed in, every kiosk
  // printer that needs a person (printers.js), live, and keeps the printer
  // states of the kiosks section up to date with it.
  let printers = null;
  function followPrinters(on) {
    if (on && !printers && window.OkienkoPrinters) {
      printers = window.OkienkoPrinters.watch({
        section: $('printers'), list: $('printers-list'), t,
        onList: (list) => {
          for (const p of list) {
            const st = document.querySelector(`[data-printer-of="${p.kiosk_id}"]`);
            if (st) st.textContent = printerState(p.state);
          }
        },
      });
    } else if (!on && printers) {
      printers.stop();
      printers = null;
    }
  }

  function sectionFromHash() {
    return ROUTES[decodeURIComponent(location.hash.replace(/^#/, ''))] || 'departments';
  }

  // route shows the section named by the location's hash and loads it.
  async function route(focus) {
    if (!state.user) return;
    const name = sectionFromHash();
    state.section = name;
    $('loading').hidden = true;
    $('view-signin').hidden = true;
    $('nav').hidden = false;
    $('who').hidden = false;
    $('who-name').textContent = state.user.display_name || state.user.username;
    for (const s of SECTIONS) $('sec-' + s).hidden = s !== name;
    for (const a of $('nav').querySelectorAll('a')) {
      if (a.dataset.section === name) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    stopLive();
    showAlert('');
    showNotice(''); // a notice belongs to the section it was given in
    if (focus) $(name + '-heading').focus();
    try {
      await LOADERS[name]();
    } catch (err) {
      failed(err);
    }
  }

  // ---- Sign-in ------------------------------------------------------------

  async function signIn(ev) {
    ev.preventDefault();
    const user = $('username');
    const pass = $('password');
    showAlert('');
    if (!user.value.trim() || !pass.value) {
      showAlert(t('signin.required'));
      (user.value.trim() ? pass : user).focus();
      return;
    }
    $('signin-submit').disabled = true;
    try {
      const login = await api('POST', '/api/v1/auth/login', { username: user.value.trim(), password: pass.value });
      state.csrf = login.csrf_token;
      const me = await api('GET', '/api/v1/auth/me');
      pass.value = '';
      await enter(me);
    } catch (err) {
      pass.value = '';
      if (err.status === 401) showAlert(t('signin.failed'));
      else if (err.status === 429) {
        const seconds = parseInt(err.retryAfter, 10) || 60;
        showAlert(t('signin.tooMany', { minutes: Math.max(1, Math.ceil(seconds / 60)) }));
      } else failed(err);
      pass.focus();
    } finally {
      $('signin-submit').disabled = false;
    }
  }

  // enter takes a session to the panel: an administrator to the section of
  // the hash; anyone else back to the sign-in form, told why.
  async function enter(me) {
    if (!me.user || me.user.role !== 'admin') {
      const name = me.user ? me.user.username : '';
      try { await api('POST', '/api/v1/auth/logout'); } catch (e) { /* signed out either way */ }
      state.user = null;
      state.csrf = '';
      showSignin(t('signin.notAdmin', { user: name }));
      return;
    }
    state.user = me.user;
    state.csrf = me.csrf_token;
    followPrinters(true);
    webhooksGone().catch(() => {}); // a notice only
    await route(true);
  }

  async function signOut() {
    try { await api('POST', '/api/v1/auth/logout'); } catch (e) { /* the cookie is cleared either way */ }
    sessionEnded('');
    showNotice(t('signin.signedOut'));
  }

  // ---- Departments --------------------------------------------------------

  async function loadDepartmentsSection() {
    await loadDepartments();
    const rows = state.departments.map((d) => [d.name, d.ticket_prefix, d.last_ticket_minutes,
      DAYS.map((k) => t('day.' + k).slice(0, 3) + ' ' + (((d.hours || {})[k] || []).map((iv) => iv.join('–')).join(', ') || t('departments.closed'))).join('; '),
      el('span', { class: 'actions' },
        button(t('common.edit'), () => editDepartment(d), '', t('common.editNamed', { name: d.name })),
        button(t('common.delete'), () => remove('/api/v1/admin/departments/' + d.id, d.name, loadDepartmentsSection), 'btn-danger', t('common.deleteNamed', { name: d.name })))]);
    $('departments-list').replaceChildren(table(t('departments.caption'),
      [t('common.name'), t('departments.prefix'), t('departments.lastTicket'), t('departments.hours'), t('common.actions')], rows));
  }

  function intervalRow(day, list, iv) {
    const li = el('li', { class: 'interval' });
    // Text, not type=time: a browser's time input can't say 24:00, the
    // end of a day open until midnight.
    const clock = (role, value, pattern) => el('input', { type: 'text', inputmode: 'numeric', value: value || '', required: true, 'data-role': role,
      pattern, placeholder: t('departments.clockPlaceholder'), maxLength: 5, size: 5, autocomplete: 'off', class: 'clock' });
    const from = clock('from', iv[0], '([01][0-9]|2[0-3]):[0-5][0-9]');
    const to = clock('to', iv[1], '([01][0-9]|2[0-3]):[0-5][0-9]|24:00');
    const rm = el('button', { type: 'button', class: 'btn btn-small', text: '×' });
    li.append(from, el('span', { 'aria-hidden': 'true', text: '–' }), to, rm);
    rm.addEventListener('click', () => {
      const next = li.nextElementSibling || li.previousElementSibling;
      li.remove();
      numberIntervals(day, list);
      (next ? next.querySelector('input') : list.parentNode.querySelector('.add-interval')).focus();
    });
    list.append(li);
    numberIntervals(day, list);
    return from;
  }

  // clockValue writes a typed time as HH:MM: "8:00" and "8.00" are
  // "08:00", "24" is "24:00"; anything else is sent as typed, for the
  // server to name.
  function clockValue(v) {
    const m = /^\s*(\d{1,2})(?:[:.](\d{2}))?\s*$/.exec(v);
    return m ? m[1].padStart(2, '0') + ':' + (m[2] || '00') : v.trim();
  }

  function numberIntervals(day, list) {
    [...list.children].forEach((li, i) => {
      const n = i + 1;
      const [from, to] = li.querySelectorAll('input');
      from.setAttribute('aria-label', t('departments.intervalFrom', { day: t('day.' + day), n }));
      to.setAttribute('aria-label', t('departments.intervalTo', { day: t('day.' + day), n }));
      li.querySelector('button').setAttribute('aria-label', t('departments.removeInterval', { n }) + ' (' + t('day.' + day) + ')');
    });
  }

  // policyFieldset chooses the department's call order (priority_policy)
  // with the number its mode takes, and the booking grace; the number of a
  // mode not chosen is hidden.
  function policyFieldset(d) {
    const p = (d && d.priority_policy) || { mode: 'strict' };
    const mode = field(t('departments.mode'), { name: 'priority_policy.mode', value: p.mode,
      options: [['strict', t('departments.modeStrict')], ['ratio', t('departments.modeRatio')], ['aging', t('departments.modeAging')]] });
    const every = field(t('departments.every'), { name: 'priority_policy.every', type: 'number', min: '1', value: p.every || 2 });
    const maxWait = field(t('departments.maxWait'), { name: 'priority_policy.max_wait_minutes', type: 'number', min: '5', value: p.max_wait_minutes || 45, hint: t('departments.maxWaitHint') });
    const select = mode.querySelector('select');
    const show = () => { every.hidden = select.value !== 'ratio'; maxWait.hidden = select.value !== 'aging'; };
    select.addEventListener('change', show);
    show();
    return el('fieldset', { class: 'policy', 'data-field': 'priority_policy', 'aria-describedby': 'policy-hint' },
      el('legend', { text: t('departments.policy') }),
      el('p', { class: 'muted small', id: 'policy-hint', text: t('departments.policyHint') }),
      el('div', { class: 'row' }, mode, every, maxWait,
        field(t('departments.bookingGrace'), { name: 'booking_grace_minutes', type: 'number', value: d ? d.booking_grace_minutes : 10 })));
  }

  // policyValue is the priority_policy of the department form's values:
  // the mode with its own number only.
  function policyValue(v) {
    const mode = v['priority_policy.mode'];
    if (mode === 'ratio') return { mode, every: v['priority_policy.every'] };
    if (mode === 'aging') return { mode, max_wait_minutes: v['priority_policy.max_wait_minutes'] };
    return { mode };
  }

  function editDepartment(d) {
    const form = el('form', { class: 'card', id: 'department-form', noValidate: true });
    const heading = el('h3', { tabIndex: -1, text: d ? t('departments.editHeading', { name: d.name }) : t('departments.newHeading') });
    form.append(heading,
      el('div', { class: 'row' },
        field(t('common.namePl'), { name: 'name', value: d ? d.name : '', required: true }),
        field(t('departments.prefix'), { name: 'ticket_prefix', value: d ? d.ticket_prefix : '' }),
        field(t('departments.lastTicket'), { name: 'last_ticket_minutes', type: 'number', value: d ? d.last_ticket_minutes : 15 })),
      ...translations(d, [{ name: 'name', label: t('common.name') }]), policyFieldset(d));
    const hours = el('fieldset', { 'aria-describedby': 'hours-hint' }, el('legend', { text: t('departments.hours') }),
      el('p', { class: 'muted small', id: 'hours-hint', text: t('departments.hoursHint') }));
    for (const day of DAYS) {
      const list = el('ul', { class: 'intervals' });
      const fs = el('fieldset', { class: 'day', 'data-field': 'hours.' + day, 'data-day': day }, el('legend', { text: t('day.' + day) }), list);
      for (const iv of ((d && d.hours) || {})[day] || []) intervalRow(day, list, iv);
      fs.append(button(t('departments.addInterval'), () => intervalRow(day, list, []).focus(), 'add-interval', t('departments.addInterval') + ' (' + t('day.' + day) + ')'));
      hours.append(fs);
    }
    form.append(hours, el('div', { class: 'buttons' },
      el('button', { type: 'submit', class: 'btn btn-primary', text: t('common.save') }),
      button(t('common.cancel'), () => { $('department-editor').replaceChildren(); $('department-new').focus(); })));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      submitting(form, async () => {
        const v = formValues(form);
        const body = { name: v.name, name_en: v.name_en, name_uk: v.name_uk, ticket_prefix: v.ticket_prefix, last_ticket_minutes: v.last_ticket_minutes,
          booking_grace_minutes: v.booking_grace_minutes, priority_policy: policyValue(v), hours: {} };
        for (const fs of form.querySelectorAll('fieldset.day')) {
          body.hours[fs.dataset.day] = [...fs.querySelectorAll('li.interval')].map((li) => [clockValue(li.querySelector('[data-role=from]').value), clockValue(li.querySelector('[data-role=to]').value)]);
        }
        if (d) await api('PATCH', '/api/v1/admin/departments/' + d.id, body);
        else await api('POST', '/api/v1/admin/departments', body);
        $('department-editor').replaceChildren();
        showNotice(d ? t('common.saved') : t('common.created'));
        await loadDepartmentsSection();
        $('departments-heading').focus();
      });
    });
    $('department-editor').replaceChildren(form);
    heading.focus();
  }

  async function remove(path, name, reload) {
    if (!(await confirmAction(t('confirm.delete', { name }), t('common.delete')))) return;
    try {
      await api('DELETE', path);
      showNotice(t('common.deleted'));
      await reload();
    } catch (err) {
      failed(err);
    }
  }

  // ---- Services -----------------------------------------------------------

  async function loadServicesSection() {
    await loadDepartments();
    const parts = [];
    for (const d of state.departments) {
      const rows = state.services.filter((s) => s.department_id === d.id).map((s) => [s.name, s.slot_minutes, s.capacity, s.booking_days_ahead,
        el('span', { class: 'actions' },
          button(t('common.edit'), () => editService(s), 'edit-service', t('common.editNamed', { name: s.name })),
          button(t('common.delete'), () => deleteService(s), 'btn-danger delete-service', t('common.deleteNamed', { name: s.name })))]);
      parts.push(el('h3', { text: d.name }), table(t('services.caption', { name: d.name }),
        [t('common.name'), t('services.slot'), t('services.capacity'), t('services.daysAhead'), t('common.actions')], rows));
    }
    $('services-list').replaceChildren(...parts);
  }

  // deleteService asks, then withdraws matter s; when it still has
  // bookings to come (409 with their count) it says how many will be
  // cancelled with notice and asks again before cancelling them.
  async function deleteService(s) {
    if (!(await confirmAction(t('confirm.delete', { name: s.name }), t('common.delete')))) return;
    const path = '/api/v1/admin/services/' + s.id;
    try {
      try {
        await api('DELETE', path);
        showNotice(t('common.deleted'));
      } catch (err) {
        const n = err instanceof ApiError && err.status === 409 && err.problem && err.problem.bookings;
        if (!n) throw err;
        if (!(await confirmAction(t('services.confirmCancel', { n, name: s.name }), t('services.cancelBookings', { n })))) return;
        await api('DELETE', path + '?cancel_bookings=true');
        showNotice(t('services.deletedCancelled', { n }));
      }
      $('service-editor').replaceChildren();
      await loadServicesSection();
      $('services-heading').focus();
    } catch (err) {
      failed(err);
    }
  }

  // editService edits matter s, or creates one when s is null (in the
  // department chosen, with the defaults of a new matter).
  function editService(s) {
    const creating = !s;
    if (creating) {
      s = { name: '', department_id: state.departments.length ? state.departments[0].id : '', slot_minutes: 15, capacity: 1, booking_days_ahead: 30,
        lead_minutes: 60, checkin_early_minutes: 30, checkin_grace_minutes: 10, max_active_per_pesel: 3, confirm_minutes: 0,
        description: '', instructions: '', keywords: '', proof_of_work: false };
    }
    const form = el('form', { class: 'card', id: 'service-form', noValidate: true, 'data-service': creating ? 'new' : s.id });
    const heading = el('h3', { tabIndex: -1, text: creating ? t('services.newHeading') : t('services.editHeading', { name: s.name }) });
    const impact = el('p', { class: 'impact-note', id: 'service-grid-impact', role: 'status', 'aria-live': 'polite' });
    const submit = el('button', { type: 'submit', class: 'btn btn-primary', id: 'service-save', text: t('common.save') });
    let confirmedSlot = null;
    form.append(heading,
      creating ? field(t('services.department'), { name: 'department_id', id: 'service-department', options: state.departments.map((d) => [d.id, d.name]), value: s.department_id }) : null,
      field(t('common.namePl'), { name: 'name', id: 'service-name', value: s.name, required: true }),
      field(t('services.letter'), { name: 'ticket_prefix', id: 'service-letter', value: s.ticket_prefix || '', maxLength: 3, hint: t('services.letterHint') }),
      el('div', { class: 'row' },
        field(t('services.slot'), { name: 'slot_minutes', id: 'service-slot', type: 'number', min: '1', value: s.slot_minutes }),
        field(t('services.capacity'), { name: 'capacity', type: 'number', min: '1', value: s.capacity }),
        field(t('services.daysAhead'), { name: 'booking_days_ahead', type: 'number', value: s.booking_days_ahead })),
      impact,
      el('div', { class: 'row' },
        field(t('services.lead'), { name: 'lead_minutes', type: 'number', value: s.lead_minutes }),
        field(t('services.early'), { name: 'checkin_early_minutes', type: 'number', value: s.checkin_early_minutes }),
        field(t('services.grace'), { name: 'checkin_grace_minutes', type: 'number', value: s.checkin_grace_minutes }),
        field(t('services.maxPesel'), { name: 'max_active_per_pesel', type: 'number', value: s.max_active_per_pesel }),
        field(t('services.confirm'), { name: 'confirm_minutes', type: 'number', min: '0', max: '1440', value: s.confirm_minutes || 0 }),
        field(t('services.remotePerDay'), { name: 'remote_tickets_per_day', id: 'service-remote', type: 'number', min: '0', max: '999', value: s.remote_tickets_per_day || 0 }),
        field(t('services.offer'), { name: 'offer_minutes', type: 'number', min: '1', max: '1440', value: s.offer_minutes || 30 })),
      field(t('services.description'), { name: 'description', rows: 3, value: s.description }),
      field(t('services.instructions'), { name: 'instructions', rows: 3, value: s.instructions }),
      ...translations(s, [{ name: 'name', label: t('common.name') }, { name: 'description', label: t('services.description'), rows: 3 },
        { name: 'instructions', label: t('services.instructions'), rows: 3 }]),
      keywordsField(s),
      field(t('services.proofOfWork'), { name: 'proof_of_work', id: 'service-proof', type: 'checkbox', checked: s.proof_of_work }),
      field(t('services.remoteArrival'), { name: 'remote_arrival_required', id: 'service-remote-arrival', type: 'checkbox', checked: s.remote_arrival_required }),
      el('div', { class: 'buttons' }, submit,
        button(t('common.cancel'), () => { $('service-editor').replaceChildren(); (creating ? $('service-new') : $('services-heading')).focus(); })));

    // gridImpact shows how many future bookings the slot length would leave
    // off the grid; it answers that number (0 where it is unknown).
    async function gridImpact(slot) {
      const r = await optional('/api/v1/admin/services/' + s.id + '/grid-impact?slot_minutes=' + encodeURIComponent(slot));
      if (!r) { impact.textContent = ''; return 0; }
      const n = r.off_grid || 0;
      impact.textContent = n > 0 ? t('services.offGrid', { n }) : t('services.gridOk');
      impact.classList.toggle('warn', n > 0);
      return n;
    }
    const slotInput = form.querySelector('[name=slot_minutes]');
    slotInput.addEventListener('change', () => {
      confirmedSlot = null;
      submit.textContent = t('common.save');
      if (!creating && slotInput.value && Number(slotInput.value) !== s.slot_minutes) gridImpact(slotInput.value).catch(failed);
      else impact.textContent = '';
    });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      submitting(form, async () => {
        const v = formValues(form);
        if (creating) {
          v.department_id = Number(v.department_id);
          await api('POST', '/api/v1/admin/services', v);
          $('service-editor').replaceChildren();
          showNotice(t('common.created'));
          await loadServicesSection();
          $('services-heading').focus();
          return;
        }
        if (v.slot_minutes !== s.slot_minutes && confirmedSlot !== v.slot_minutes) {
          const n = await gridImpact(v.slot_minutes);
          if (n > 0) {
            confirmedSlot = v.slot_minutes;
            submit.textContent = t('services.saveAnyway');
            submit.focus();
            return;
          }
        }
        await api('PATCH', '/api/v1/admin/services/' + s.id, v);
        $('service-editor').replaceChildren();
        showNotice(t('common.saved'));
        await loadServicesSection();
        $('services-heading').focus();
      });
    });
    if (creating) {
      $('service-editor').replaceChildren(form);
      heading.focus();
      return;
    }
    const forms = el('section', { class: 'card', id: 'service-forms', 'aria-labelledby': 'service-forms-heading' });
    $('service-editor').replaceChildren(form, waitlistCard(s), forms);
    heading.focus();
    loadServiceForms(s, forms).catch(failed);
  }

  // waitlistCard shows the waiting list of one day of the matter: who
  // waits in which order, who has an offer until when, who booked.
  function waitlistCard(s) {
    const out = el('div', { id: 'waitlist-table', 'aria-live': 'polite' });
    const form = el('form', { id: 'waitlist-form', noValidate: true },
      el('div', { class: 'row' },
        field(t('waitlist.date'), { name: 'date', id: 'waitlist-date', type: 'date', required: true, value: new Date().toISOString().slice(0, 10) })),
      el('button', { type: 'submit', class: 'btn', id: 'waitlist-show', text: t('waitlist.show') }));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      submitting(form, async () => {
        const date = form.querySelector('[name=date]').value;
        const r = await api('GET', '/api/v1/admin/services/' + s.id + '/waitlist?date=' + encodeURIComponent(date));
        const entries = (r && r.entries) || [];
        if (!entries.length) {
          out.replaceChildren(el('p', { id: 'waitlist-empty', text: t('waitlist.empty') }));
          return;
        }
        const rows = entries.map((w) => [w.position ? String(w.position) : '—', w.name || '—', w.pesel_last4 || '—',
          t('waitlist.state.' + w.status), w.start ? fmtTime(w.start) : '—', w.offer_until ? fmtTime(w.offer_until) : '—', w.code || '—']);
        out.replaceChildren(table(t('waitlist.caption', { date }),
          [t('waitlist.position'), t('waitlist.person'), t('waitlist.pesel'), t('waitlist.status'), t('waitlist.time'), t('waitlist.until'), t('waitlist.code')], rows));
      });
    });
    return el('section', { class: 'card', id: 'service-waitlist', 'aria-labelledby': 'service-waitlist-heading' },
      el('h3', { id: 'service-waitlist-heading', text: t('waitlist.heading') }), form, out);
  }

  // keywordsField is the matter's search keywords with an example.
  function keywordsField(s) {
    const box = field(t('services.keywords'), { name: 'keywords', value: s.keywords || '' });
    const hint = el('p', { class: 'hint', id: 'service-keywords-hint', text: t('services.keywordsHint') });
    box.querySelector('input').setAttribute('aria-describedby', hint.id);
    box.append(hint);
    return box;
  }

  // loadServiceForms shows a service's form templates with a way to add and
  // delete them.
  async function loadServiceForms(s, box) {
    const atts = (await api('GET', '/api/v1/admin/services/' + s.id + '/attachments')) || [];
    const rows = atts.map((a) => [a.title, a.filename, sizeText(a.size),
      el('span', { class: 'actions' },
        el('a', { href: a.url, class: 'btn btn-small', text: t('forms.open'), 'aria-label': t('forms.openNamed', { name: a.title }) }),
        button(t('common.delete'), () => remove('/api/v1/admin/attachments/' + a.id, a.title, () => loadServiceForms(s, box)), 'btn-danger', t('common.deleteNamed', { name: a.title })))]);
    const upload = el('form', { id: 'form-upload', noValidate: true, class: 'upload' },
      el('div', { class: 'row' },
        field(t('forms.file'), { name: 'file', id: 'form-file', type: 'file' }),
        field(t('forms.title'), { name: 'title', id: 'form-title' })),
      el('button', { type: 'submit', class: 'btn', id: 'form-submit', text: t('forms.add') }));
    const input = upload.querySelector('#form-file');
    input.accept = 'application/pdf,.pdf';
    input.closest('.field').dataset.field = 'file';
    upload.addEventListener('submit', (ev) => {
      ev.preventDefault();
      submitting(upload, async () => {
        const file = input.files[0];
        const complaint = !file ? t('forms.noFile') : file.size > MAX_FORM_BYTES ? t('forms.tooBig')
          : !/\.pdf$/i.test(file.name) && file.type !== 'application/pdf' ? t('forms.notPdf') : '';
        if (complaint) throw new ApiError(422, complaint, { errors: { file: complaint } }, null);
        const data = new FormData();
        data.append('file', file);
        data.append('title', upload.elements.title.value);
        await api('POST', '/api/v1/admin/services/' + s.id + '/attachments', data);
        showNotice(t('forms.added'));
        await loadServiceForms(s, box);
        $('form-file').focus();
      });
    });
    box.replaceChildren(el('h3', { id: 'service-forms-heading', text: t('forms.heading', { name: s.name }) }),
      table(t('forms.caption'), [t('forms.title'), t('forms.file'), t('forms.size'), t('common.actions')], rows), upload);
  }

  const MAX_FORM_BYTES = 10 * 1024 * 1024;
  function sizeText(n) {
    if (n < 1000) return n + ' B';
    if (n < 1e6) return Math.round(n / 1000) + ' kB';
    return (n / 1e6).toLocaleString(lang, { maximumFractionDigits: 1 }) + ' MB';
  }

  // ---- Closures -----------------------------------------------------------

  // ---- Closures calendar --------------------------------------------------

  const monthFormat = new Intl.DateTimeFormat(lang, { month: 'long', year: 'numeric', timeZone: 'UTC' });
  const weekdayFormat = new Intl.DateTimeFormat(lang, { weekday: 'short', timeZone: 'UTC' });
  const longDateFormat = new Intl.DateTimeFormat(lang, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
  const isoDate = (y, m, d) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  const utcDate = (s) => new Date(s + 'T00:00:00Z');
  const holidayCache = new Map(); // year → Map(date → name)

  async function holidaysOf(year) {
    if (!holidayCache.has(year)) {
      const list = (await optional('/api/v1/admin/holidays?year=' + year)) || [];
      holidayCache.set(year, new Map(list.map((h) => [h.date, h.name])));
    }
    return holidayCache.get(year);
  }

  // drawCalendar shows one month of closures and holidays; a day's button
  // starts a new closure on it or, after a start, stretches it to that day.
  async function drawCalendar(closures) {
    if (!state.calMonth) {
      const today = document.body.dataset.today || new Date().toISOString().slice(0, 10);
      state.calMonth = { y: Number(today.slice(0, 4)), m: Number(today.slice(5, 7)) };
    }
    const { y, m } = state.calMonth;
    const holidays = await holidaysOf(y);
    const first = new Date(Date.UTC(y, m - 1, 1));
    const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
    const lead = (first.getUTCDay() + 6) % 7; // Monday first
    const form = $('closure-form');
    const from = form.elements.starts_on.value;
    const to = form.elements.ends_on.value || from;
    const cells = [];
    for (let i = 0; i < lead; i++) cells.push(el('td', { class: 'pad' }));
    for (let d = 1; d <= days; d++) {
      const ds = isoDate(y, m, d);
      const dow = (lead + d - 1) % 7;
      const covering = closures.filter((c) => c.starts_on <= ds && ds <= c.ends_on);
      const office = covering.some((c) => !c.department_id);
      const holiday = holidays.get(ds);
      const date = longDateFormat.format(utcDate(ds));
      let label = t(dow >= 5 ? 'calendar.weekend' : 'calendar.open', { date });
      if (holiday) label = t('calendar.holiday', { date, name: holiday });
      if (covering.length) {
        const what = covering.map((c) => (c.department_id ? departmentName(c.department_id) : t('closures.office')) + (c.reason ? ' (' + c.reason + ')' : '')).join('; ');
        label = t('calendar.closed', { date, what });
      }
      const cls = ['day', dow >= 5 ? 'weekend' : '', holiday ? 'holiday' : '', office ? 'closed-office' : covering.length ? 'closed-department' : '',
        from && from <= ds && ds <= to ? 'picked' : ''].filter(Boolean).join(' ');
      cells.push(el('td', null, el('button', { type: 'button', class: cls, 'data-date': ds, 'aria-label': label, title: label, on: { click: () => pickDay(ds) } },
        el('span', { class: 'num', text: String(d), 'aria-hidden': 'true' }))));
    }
    while (cells.length % 7) cells.push(el('td', { class: 'pad' }));
    const weeks = [];
    for (let i = 0; i < cells.length; i += 7) weeks.push(el('tr', null, ...cells.slice(i, i + 7)));
    const heads = [...Array(7)].map((_, i) => el('th', { scope: 'col', text: weekdayFormat.format(new Date(Date.UTC(2024, 0, 1 + i))) }));
    const shift = (n) => {
      const d = new Date(Date.UTC(y, m - 1 + n, 1));
      state.calMonth = { y: d.getUTCFullYear(), m: d.getUTCMonth() + 1 };
      drawCalendar(closures).then(() => $(n < 0 ? 'calendar-prev' : 'calendar-next').focus()).catch(failed);
    };
    $('closures-calendar').replaceChildren(
      el('div', { class: 'calendar-head' },
        button('‹', () => shift(-1), 'calendar-nav', t('calendar.prev')),
        el('h3', { id: 'calendar-month', text: monthFormat.format(first) }),
        button('›', () => shift(1), 'calendar-nav', t('calendar.next'))),
      el('p', { class: 'small muted', text: t('calendar.hint') }),
      el('table', { class: 'month', 'aria-labelledby': 'calendar-month' }, el('thead', null, el('tr', null, ...heads)), el('tbody', null, ...weeks)),
      el('ul', { class: 'legend small' },
        el('li', null, el('span', { class: 'swatch closed-office', 'aria-hidden': 'true' }), t('calendar.legendOffice')),
        el('li', null, el('span', { class: 'swatch closed-department', 'aria-hidden': 'true' }), t('calendar.legendDepartment')),
        el('li', null, el('span', { class: 'swatch holiday', 'aria-hidden': 'true' }), t('calendar.legendHoliday'))));
    const navs = $('closures-calendar').querySelectorAll('.calendar-nav');
    navs[0].id = 'calendar-prev';
    navs[1].id = 'calendar-next';
  }

  // pickDay puts a day into the closure form: the first day of a new
  // closure, or, after a first day, the last day of it.
  function pickDay(ds) {
    const f = $('closure-form').elements;
    const from = f.starts_on.value;
    if (from && ds > from && (!f.ends_on.value || f.ends_on.value === from)) f.ends_on.value = ds;
    else { f.starts_on.value = ds; f.ends_on.value = ds; }
    showNotice(t('calendar.picked', { from: f.starts_on.value, to: f.ends_on.value }));
    for (const b of $('closures-calendar').querySelectorAll('button.day')) {
      b.classList.toggle('picked', f.starts_on.value <= b.dataset.date && b.dataset.date <= f.ends_on.value);
    }
  }

  async function loadClosuresSection() {
    await loadDepartments();
    const sel = $('closure-department');
    const keep = sel.value;
    sel.replaceChildren(el('option', { value: '', text: t('closures.office') }), ...state.departments.map((d) => el('option', { value: String(d.id), text: d.name })));
    sel.value = keep;
    const closures = (await api('GET', '/api/v1/admin/closures')) || [];
    const days = (c) => (c.starts_on === c.ends_on ? c.starts_on : t('closures.range', { from: c.starts_on, to: c.ends_on }));
    const rows = closures.map((c) => [days(c),
      c.department_id ? departmentName(c.department_id) : t('closures.office'), c.reason || '—',
      button(t('common.delete'), () => remove('/api/v1/admin/closures/' + c.id, days(c), loadClosuresSection), 'btn-danger', t('common.deleteNamed', { name: days(c) }))]);
    $('closures-list').replaceChildren(table(t('closures.caption'), [t('closures.days'), t('closures.scope'), t('closures.reason'), t('common.actions')], rows));
    await drawCalendar(closures);
  }

  function addClosure(ev) {
    ev.preventDefault();
    const form = $('closure-form');
    submitting(form, async () => {
      const v = formValues(form);
      const body = { department_id: v.department_id ? Number(v.department_id) : null, starts_on: v.starts_on, ends_on: v.ends_on || v.starts_on, reason: v.reason };
      const c = await api('POST', '/api/v1/admin/closures', body);
      form.reset();
      showNotice(t('closures.created', { from: c.starts_on, to: c.ends_on }));
      await loadClosuresSection();
      await showClosureImpact(c);
    });
  }

  // showClosureImpact tells how many bookings the new closure covers and
  // offers to cancel them, only after confirmation.
  async function showClosureImpact(c) {
    const box = $('closure-impact');
    box.hidden = true;
    const q = new URLSearchParams({ starts_on: c.starts_on, ends_on: c.ends_on });
    if (c.department_id) q.set('department_id', String(c.department_id));
    const r = await optional('/api/v1/admin/closures/impact?' + q);
    if (!r) return;
    const n = r.bookings || 0;
    $('closure-impact-text').textContent = n > 0 ? t('closures.impact', { n }) : t('closures.noImpact');
    const btn = $('closure-cancel-bookings');
    btn.hidden = n === 0;
    btn.textContent = t('closures.cancelBookings', { n });
    btn.onclick = async () => {
      if (!(await confirmAction(t('closures.confirmCancel', { n }), t('closures.cancelBookings', { n })))) return;
      btn.disabled = true;
      try {
        const res = await api('POST', '/api/v1/admin/closures/' + c.id + '/cancel-bookings');
        box.hidden = true;
        showNotice(t('closures.cancelled', { n: res ? res.cancelled : n }));
        $('closures-heading').focus();
      } catch (err) {
        failed(err);
      } finally {
        btn.disabled = false;
      }
    };
    box.hidden = false;
  }

  // ---- Counters -----------------------------------------------------------

  async function loadCountersSection() {
    await loadDepartments();
    const counters = (await api('GET', '/api/v1/admin/counters')) || [];
    const svcName = (id) => (state.services.find((s) => s.id === id) || { name: '#' + id }).name;
    const rows = counters.map((c) => [c.label ? c.name + ' (' + c.label + ')' : c.name, (c.department_ids || [c.department_id]).map(departmentName).join(', '), (c.service_ids || []).map(svcName).join(', '),
      el('span', { class: 'actions' },
        button(t('common.edit'), () => editCounter(c), '', t('common.editNamed', { name: c.name })),
        button(t('common.delete'), () => remove('/api/v1/admin/counters/' + c.id, c.name, loadCountersSection), 'btn-danger', t('common.deleteNamed', { name: c.name })))]);
    $('counters-list').replaceChildren(table(t('counters.caption'), [t('common.name'), t('counters.departmentsColumn'), t('counters.services'), t('common.actions')], rows));
  }

  function editCounter(c) {
    const form = el('form', { class: 'card', id: 'counter-form', noValidate: true });
    const heading = el('h3', { tabIndex: -1, text: c ? t('counters.editHeading', { name: c.name }) : t('counters.newHeading') });
    // The departments whose matters the counter serves (at least one; the
    // first chosen is its primary department unless the primary is kept).
    const depIDs = new Set(c ? c.department_ids || [c.department_id] : state.departments.slice(0, 1).map((d) => d.id));
    const depBox = el('fieldset', { 'data-field': 'department_ids', id: 'counter-departments' }, el('legend', { text: t('counters.departments') }),
      ...state.departments.map((d) => field(d.name, { type: 'checkbox', checked: depIDs.has(d.id), name: 'dep-' + d.id, id: 'counter-dep-' + d.id })));
    const svcBox = el('fieldset', { 'data-field': 'service_ids', id: 'counter-services' }, el('legend', { text: t('counters.services') }));
    const chosenDeps = () => state.departments.filter((d) => { const i = depBox.querySelector('[name="dep-' + d.id + '"]'); return i && i.checked; }).map((d) => d.id);
    const drawServices = () => {
      const deps = chosenDeps();
      const was = new Map([...svcBox.querySelectorAll('input')].map((i) => [i.name, i.checked]));
      const chosen = new Set(c ? c.service_ids || [] : []);
      const boxes = [];
      for (const s of state.services.filter((x) => deps.includes(x.department_id))) {
        const name = 'svc-' + s.id;
        const label = deps.length > 1 ? t('counters.serviceOf', { service: s.name, department: departmentName(s.department_id) }) : s.name;
        boxes.push(field(label, { type: 'checkbox', checked: was.has(name) ? was.get(name) : chosen.has(s.id), name, id: 'counter-svc-' + s.id }));
      }
      svcBox.replaceChildren(svcBox.firstChild, ...(boxes.length ? boxes : [el('p', { class: 'muted', text: t('counters.noServices') })]));
    };
    depBox.addEventListener('change', drawServices);
    drawServices();
    form.append(heading, field(t('common.name'), { name: 'name', value: c ? c.name : '' }),
      field(t('counters.label'), { name: 'label', value: c ? c.label || '' : '', hint: t('counters.labelHint'), maxLength: 16 }), depBox, svcBox,
      el('div', { class: 'buttons' }, el('button', { type: 'submit', class: 'btn btn-primary', text: t('common.save') }),
        button(t('common.cancel'), () => { $('counter-editor').replaceChildren(); $('counter-new').focus(); })));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      submitting(form, async () => {
        const v = formValues(form);
        const deps = chosenDeps();
        const body = { name: v.name, label: v.label, department_ids: deps, service_ids: Object.keys(v).filter((k) => k.startsWith('svc-') && v[k]).map((k) => Number(k.slice(4))) };
        // The primary department stays while it is chosen, else the first chosen.
        body.department_id = c && deps.includes(c.department_id) ? c.department_id : deps.length ? deps[0] : 0;
        try {
          if (c) await api('PATCH', '/api/v1/admin/counters/' + c.id, body);
          else await api('POST', '/api/v1/admin/counters', body);
        } catch (err) {
          // No department chosen is said at the departments' checkboxes.
          const errs = err instanceof ApiError && err.problem && err.problem.errors;
          if (errs && errs.department_id && !errs.department_ids) { errs.department_ids = errs.department_id; delete errs.department_id; }
          throw err;
        }
        $('counter-editor').replaceChildren();
        showNotice(c ? t('common.saved') : t('common.created'));
        await loadCountersSection();
        $('counters-heading').focus();
      });
    });
    $('counter-editor').replaceChildren(form);
    heading.focus();
  }

  // ---- Users --------------------------------------------------------------

  async function loadUsersSection() {
    const users = (await api('GET', '/api/v1/admin/users')) || [];
    state.users = users;
    const rows = users.map((u) => [u.username, u.display_name, t('role.' + u.role), u.disabled ? t('users.disabled') : t('users.active'), sourceName(u.source),
      el('span', { class: 'actions' },
        // The password of a user from the directory or the OpenID provider
        // is kept there: no field here to set it, a note instead.
        isLocal(u) ? button(t('users.resetPassword'), () => resetPassword(u), '', t('users.resetFor', { name: u.username }))
          : el('span', { class: 'small muted', text: t(u.source === 'ldap' ? 'users.passwordInDirectory' : 'users.passwordAtProvider') }),
        button(u.disabled ? t('users.enable') : t('users.disable'), () => setDisabled(u, !u.disabled), '', (u.disabled ? t('users.enable') : t('users.disable')) + ': ' + u.username),
        button(t('common.delete'), () => remove('/api/v1/admin/users/' + u.id, u.username, loadUsersSection), 'btn-danger', t('common.deleteNamed', { name: u.username })))]);
    $('users-list').replaceChildren(table(t('users.caption'), [t('users.username'), t('users.displayName'), t('users.role'), t('users.state'), t('users.source'), t('common.actions')], rows));
  }

  // isLocal says whether u's password is kept here (users listed before
  // sources existed have none: local).
  function isLocal(u) { return !u.source || u.source === 'local'; }

  // sourceName is where a user comes from, in words: lokalny, LDAP, OpenID,
  // or the source's own name for one this page doesn't know.
  function sourceName(source) {
    const key = 'users.source.' + (source || 'local');
    return key in MESSAGES.pl ? t(key) : source;
  }

  async function setDisabled(u, disabled) {
    try {
      await api('PATCH', '/api/v1/admin/users/' + u.id, { disabled });
      showNotice(t('common.saved'));
      await loadUsersSection();
      // The list was drawn anew: back to the same user's switch.
      focusLabelled((disabled ? t('users.enable') : t('users.disable')) + ': ' + u.username);
    } catch (err) {
      failed(err);
    }
  }

  function resetPassword(u) {
    const form = el('form', { class: 'card inline-form', id: 'password-form', noValidate: true });
    const heading = el('h3', { text: t('users.resetFor', { name: u.username }) });
    const f = field(t('users.password'), { name: 'password', type: 'password', autocomplete: 'new-password' });
    form.append(heading, f, el('div', { class: 'buttons' }, el('button', { type: 'submit', class: 'btn btn-primary', text: t('users.setPassword') }),
      button(t('common.cancel'), () => { form.remove(); focusLabelled(t('users.resetFor', { name: u.username })); })));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      submitting(form, async () => {
        await api('PATCH', '/api/v1/admin/users/' + u.id, { password: form.querySelector('[name=password]').value });
        form.remove();
        showNotice(t('users.passwordSet', { name: u.username }));
        focusLabelled(t('users.resetFor', { name: u.username }));
      });
    });
    const old = $('password-form');
    if (old) old.remove();
    $('users-list').after(form);
    f.querySelector('input').focus();
  }

  // focusLabelled moves the focus to the button named label, if there is one.
  function focusLabelled(label) {
    const b = [...document.querySelectorAll('button[aria-label]')].find((x) => x.getAttribute('aria-label') === label);
    if (b) b.focus();
  }

  function addUser(ev) {
    ev.preventDefault();
    const form = $('user-form');
    submitting(form, async () => {
      await api('POST', '/api/v1/admin/users', formValues(form));
      form.reset();
      showNotice(t('common.created'));
      await loadUsersSection();
    });
  }

  // ---- Kiosks -------------------------------------------------------------

  async function loadKiosksSection() {
    // The token of a new kiosk is shown once: reloading the section drops it.
    $('kiosk-token').hidden = true;
    $('kiosk-token').replaceChildren();
    const kiosks = (await api('GET', '/api/v1/admin/kiosks')) || [];
    const rows = kiosks.map((k) => [k.name, el('span', { 'data-printer-of': String(k.id), text: kioskPrinter(k) }),
      el('span', { 'data-seen-of': String(k.id), text: fmtTime(k.last_seen_at) }),
      el('span', { class: 'actions' },
        button(t('kiosks.settings'), () => editKiosk(k), '', t('kiosks.settings') + ': ' + k.name),
        button(t('kiosks.testPrint'), () => testPrint(k), 'test-print', t('kiosks.testPrintOn', { name: k.name })),
        button(t('kiosks.jobs'), () => showJobs(k), '', t('kiosks.jobsOf', { name: k.name })),
        button(t('common.delete'), () => remove('/api/v1/admin/kiosks/' + k.id, k.name, loadKiosksSection), 'btn-danger', t('common.deleteNamed', { name: k.name })))]);
    $('kiosks-list').replaceChildren(table(t('kiosks.caption'), [t('kiosks.name'), t('kiosks.printerState'), t('kiosks.lastSeen'), t('common.actions')], rows));
    const off = await api('GET', '/api/v1/admin/office');
    $('alerts-email').value = (off && off.alerts_email) || '';
    every('kiosks', refreshPrinters, false);
  }

  // saveAlerts sets the address told of printer problems ("" for nobody).
  function saveAlerts(ev) {
    ev.preventDefault();
    const form = $('alerts-form');
    submitting(form, async () => {
      const off = await api('PATCH', '/api/v1/admin/office', { alerts_email: $('alerts-email').value.trim() });
      $('alerts-email').value = off.alerts_email;
      showNotice(off.alerts_email ? t('alerts.saved', { email: off.alerts_email }) : t('alerts.off'));
    });
  }

  // refreshPrinters brings the printer states and last-seen times of the
  // listed kiosks up to date, leaving the rest of the list (and the focus)
  // alone.
  async function refreshPrinters() {
    const kiosks = (await api('GET', '/api/v1/admin/kiosks')) || [];
    for (const k of kiosks) {
      const st = document.querySelector(`[data-printer-of="${k.id}"]`);
      const seen = document.querySelector(`[data-seen-of="${k.id}"]`);
      if (st) st.textContent = kioskPrinter(k);
      if (seen) seen.textContent = fmtTime(k.last_seen_at);
    }
  }

  // known translates key, or gives fallback for words the page doesn't know.
  const known = (key, fallback) => (MESSAGES.pl[key] ? t(key) : fallback);
  const jobState = (st) => known('job.' + st, st);
  const jobReason = (r) => window.OkienkoPrinters.reason(t, r);
  const printerState = (st) => (MESSAGES.pl['printer.' + st] ? t('printer.' + st) : st || t('printer.unknown'));
  // kioskPrinter is a kiosk's printer state; an agent kiosk is offline when
  // its program has not been heard for 90 s.
  const kioskPrinter = (k) => {
    if (k.printer && k.printer.uri === 'none') return t('kiosks.noPrinter');
    if (k.printer && k.printer.uri === 'agent' && !k.agent_online) return t('printer.agent_offline');
    return printerState(k.printer_state);
  };

  // testPrint prints the test page on a kiosk's printer and says how it went.
  async function testPrint(k) {
    try {
      const r = await api('POST', '/api/v1/admin/kiosks/' + k.id + '/test-print');
      const key = 'kiosks.test.' + (MESSAGES.pl['kiosks.test.' + r.state] ? r.state : 'failed');
      const message = t(key, { name: k.name, reason: jobReason(r.reason) || printerState(r.reason) });
      if (r.state === 'failed' || r.state === 'unknown') showAlert(message); else { showAlert(''); showNotice(message); }
      // The states in place: the list (and the focus on its buttons) stays.
      await refreshPrinters();
    } catch (err) {
      failed(err);
    }
  }

  function addKiosk(ev) {
    ev.preventDefault();
    const form = $('kiosk-form');
    submitting(form, async () => {
      const k = await api('POST', '/api/v1/admin/kiosks', { name: formValues(form).name });
      form.reset();
      await loadKiosksSection();
      const url = location.origin + '/kiosk?token=' + encodeURIComponent(k.token);
      const box = $('kiosk-token');
      const heading = el('h3', { tabIndex: -1, text: t('kiosks.tokenHeading', { name: k.name }) });
      box.replaceChildren(heading,
        el('p', { class: 'warn-text', text: t('kiosks.tokenOnce') }),
        el('div', { class: 'field' }, el('label', { for: 'kiosk-token-value', text: t('kiosks.tokenLabel') }),
          el('input', { id: 'kiosk-token-value', type: 'text', readOnly: true, value: k.token, class: 'mono', on: { focus: (e) => e.target.select() } })),
        el('div', { class: 'field' }, el('label', { for: 'kiosk-token-url', text: t('kiosks.tokenUrl') }),
          el('input', { id: 'kiosk-token-url', type: 'text', readOnly: true, value: url, class: 'mono', on: { focus: (e) => e.target.select() } })),
        button(t('kiosks.tokenDone'), () => { box.hidden = true; box.replaceChildren(); $('kiosks-heading').focus(); }));
      box.hidden = false;
      showNotice(t('common.created'));
      heading.focus();
    });
  }

  // printerFields are the printer settings the kiosk form edits, as the
  // API names them; the numbers are sent as numbers.
  const printerFields = ['uri', 'paper_mm', 'columns', 'dots', 'code_table', 'charset', 'qr', 'cut', 'chinese_off', 'status'];
  const printerNumbers = ['paper_mm', 'columns', 'dots', 'code_table'];

  async function printerPresets() {
    if (!state.printerPresets) state.printerPresets = (await api('GET', '/api/v1/admin/printer-presets')) || [];
    return state.printerPresets;
  }

  async function editKiosk(k) {
    let presets;
    try {
      presets = await printerPresets();
    } catch (err) {
      failed(err);
      return;
    }
    const p = k.printer || {};
    const form = el('form', { class: 'card', id: 'kiosk-settings', noValidate: true });
    const heading = el('h3', { tabIndex: -1, text: t('kiosks.printer', { name: k.name }) });
    const num = (name, label, min, max, step) => {
      const f = field(t(label), { name, type: 'number', value: p[name], min: String(min) });
      const input = f.querySelector('input');
      input.max = String(max);
      input.step = String(step);
      return f;
    };
    form.append(heading,
      field(t('kiosks.name'), { name: 'name', value: k.name }),
      field(t('kiosks.uri'), { name: 'uri', value: p.uri }),
      field(t('kiosks.model'), { name: 'model', options: [['', t('kiosks.modelCustom')], ...presets.map((pr) => [pr.id, pr.name])], value: '' }),
      el('div', { class: 'row' },
        field(t('kiosks.paper'), { name: 'paper_mm', options: [[80, '80 mm'], [58, '58 mm']], value: p.paper_mm }),
        num('columns', 'kiosks.columns', 24, 64, 1),
        num('dots', 'kiosks.dots', 256, 832, 8)),
      el('div', { class: 'row' },
        num('code_table', 'kiosks.codeTable', 0, 255, 1),
        field(t('kiosks.charset'), { name: 'charset', options: [['pc852', 'PC852 (Latin 2)'], ['wpc1250', 'WPC1250 (Windows-1250)']], value: p.charset })),
      el('div', { class: 'row' },
        field(t('kiosks.qr'), { name: 'qr', options: [['native', t('kiosks.qrNative')], ['raster', t('kiosks.qrRaster')]], value: p.qr }),
        field(t('kiosks.cut'), { name: 'cut', options: [['partial', t('kiosks.cutPartial')], ['full', t('kiosks.cutFull')], ['feed', t('kiosks.cutFeed')]], value: p.cut })),
      field(t('kiosks.chineseOff'), { name: 'chinese_off', type: 'checkbox', checked: p.chinese_off }),
      field(t('kiosks.status'), { name: 'status', type: 'checkbox', checked: p.status }),
      field(t('kiosks.maxJobAge'), { name: 'max_job_age_minutes', type: 'number', min: '1', value: k.max_job_age_minutes || 10 }),
      el('fieldset', { class: 'kiosk-screen' }, el('legend', { text: t('kiosks.screen') }),
        field(t('kiosks.idle'), { name: 'idle_seconds', type: 'number', min: '30', value: k.idle_seconds || 45 }),
        field(t('kiosks.inputIdle'), { name: 'input_idle_seconds', type: 'number', min: '30', value: k.input_idle_seconds || 90 }),
        field(t('kiosks.warn'), { name: 'warn_seconds', type: 'number', min: '20', value: k.warn_seconds || 20 }),
        field(t('kiosks.layout'), { name: 'layout', options: [['standard', t('kiosks.layoutStandard')], ['low', t('kiosks.layoutLow')]], value: k.layout || 'standard' })),
      el('div', { class: 'buttons' }, el('button', { type: 'submit', class: 'btn btn-primary', text: t('common.save') }),
        button(t('common.cancel'), () => { $('kiosk-editor').replaceChildren(); $('kiosks-heading').focus(); })));
    // The server names printer fields "printer.uri" etc.
    for (const n of printerFields) form.querySelector(`[name=${n}]`).closest('.field').dataset.field = 'printer.' + n;
    const input = (n) => form.querySelector(`[name=${n}]`);
    const model = input('model');
    // The model shown is the preset the fields match, else "other".
    const matching = () => {
      const v = formValues(form);
      const same = (pr) => printerFields.every((n) => n === 'uri' || String(pr.printer[n]) === String(v[n]));
      const pr = presets.find(same);
      model.value = pr ? pr.id : '';
    };
    model.addEventListener('change', () => {
      const pr = presets.find((x) => x.id === model.value);
      if (!pr) return;
      for (const n of printerFields) {
        if (n === 'uri') continue;
        const i = input(n);
        if (i.type === 'checkbox') i.checked = Boolean(pr.printer[n]);
        else i.value = String(pr.printer[n]);
      }
    });
    // Columns and dots that were the old paper's follow a new paper.
    const paperDefaults = { 80: [48, 576], 58: [32, 384] };
    let paper = input('paper_mm').value;
    input('paper_mm').addEventListener('change', () => {
      const [oc, od] = paperDefaults[paper] || [];
      const [nc, nd] = paperDefaults[input('paper_mm').value] || [];
      if (String(oc) === input('columns').value && String(od) === input('dots').value && nc) {
        input('columns').value = String(nc);
        input('dots').value = String(nd);
      }
      paper = input('paper_mm').value;
    });
    model.addEventListener('change', () => { paper = input('paper_mm').value; });
    for (const n of printerFields) if (n !== 'uri') input(n).addEventListener('change', matching);
    matching();
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      submitting(form, async () => {
        const v = formValues(form);
        const printer = {};
        for (const n of printerFields) printer[n] = printerNumbers.includes(n) ? (v[n] === null || v[n] === '' ? 0 : Number(v[n])) : v[n];
        await api('PATCH', '/api/v1/admin/kiosks/' + k.id, {
          name: v.name, printer, max_job_age_minutes: Number(v.max_job_age_minutes),
          idle_seconds: Number(v.idle_seconds), input_idle_seconds: Number(v.input_idle_seconds), warn_seconds: Number(v.warn_seconds), layout: v.layout,
        });
        $('kiosk-editor').replaceChildren();
        showNotice(t('common.saved'));
        await loadKiosksSection();
        $('kiosks-heading').focus();
      });
    });
    $('kiosk-editor').replaceChildren(form);
    heading.focus();
  }

  async function showJobs(k) {
    try {
      const jobs = (await api('GET', '/api/v1/admin/kiosks/' + k.id + '/jobs')) || [];
      const heading = el('h3', { tabIndex: -1, text: t('kiosks.jobsOf', { name: k.name }) });
      const rows = jobs.slice(0, 20).map((j) => [j.reprint_of ? String(j.id) + ' (' + t('kiosks.duplicateOf', { id: j.reprint_of }) + ')' : String(j.id),
        j.kind, jobState(j.state), jobReason(j.reason), fmtTime(j.created_at),
        el('span', { class: 'actions' },
          button(t('kiosks.reprint'), async () => {
            try {
              const r = await api('POST', '/api/v1/admin/print-jobs/' + j.id + '/reprint');
              showNotice(t('kiosks.reprinted', { state: known('print.' + r.state, r.state) + (r.reason ? ' (' + jobReason(r.reason) + ')' : '') }));
              await showJobs(k);
            } catch (err) { failed(err); }
          }, '', t('kiosks.reprintJob', { id: j.id })),
          el('a', { href: '/api/v1/admin/print-jobs/' + j.id + '/preview.png', target: '_blank', rel: 'noopener', text: t('kiosks.preview'), 'aria-label': t('kiosks.previewJob', { id: j.id }) }))]);
      $('kiosk-jobs').replaceChildren(el('div', { class: 'card' }, heading, jobs.length ? table(t('kiosks.jobsCaption'),
        ['#', t('kiosks.kind'), t('kiosks.jobState'), t('kiosks.reason'), t('kiosks.created'), t('common.actions')], rows) : el('p', { class: 'muted', text: t('kiosks.noJobs') })));
      heading.focus();
    } catch (err) {
      failed(err);
    }
  }

  // ---- Displays -----------------------------------------------------------

  async function loadDisplaysSection() {
    await loadDepartments();
    const displays = (await api('GET', '/api/v1/admin/displays')) || [];
    const rows = displays.map((d) => [d.name,
      d.department_ids.length ? d.department_ids.map(departmentName).join(', ') : t('displays.allDepartments'),
      t('lang.' + d.lang),
      d.sound ? t('displays.soundOn') : t('displays.soundOff'),
      el('span', { class: 'actions' },
        el('a', { href: d.path, target: '_blank', rel: 'noopener', class: 'btn btn-small preview', text: t('displays.preview'), 'aria-label': t('displays.previewOf', { name: d.name }) }),
        el('input', { type: 'text', readOnly: true, class: 'mono url', value: location.origin + d.path, 'aria-label': t('displays.address') + ': ' + d.name, on: { focus: (e) => e.target.select() } })),
      el('span', { class: 'actions' },
        button(t('common.edit'), () => editDisplay(d), '', t('common.editNamed', { name: d.name })),
        button(t('common.delete'), () => remove('/api/v1/admin/displays/' + d.id, d.name, loadDisplaysSection), 'btn-danger', t('common.deleteNamed', { name: d.name })))]);
    $('displays-list').replaceChildren(table(t('displays.caption'),
      [t('common.name'), t('displays.departments'), t('displays.lang'), t('displays.sound'), t('displays.address'), t('common.actions')], rows));
  }

  function editDisplay(d) {
    const form = el('form', { class: 'card', id: 'display-form', noValidate: true });
    const heading = el('h3', { tabIndex: -1, text: d ? t('displays.editHeading', { name: d.name }) : t('displays.newHeading') });
    const chosen = new Set(d ? d.department_ids : []);
    const box = el('fieldset', { 'data-field': 'department_ids' }, el('legend', { text: t('displays.departments') }),
      el('p', { class: 'small muted', text: t('displays.departmentsHint') }),
      ...state.departments.map((dep) => field(dep.name + ' (' + dep.ticket_prefix + ')', { type: 'checkbox', checked: chosen.has(dep.id), name: 'dep-' + dep.id })));
    form.append(heading, field(t('common.name'), { name: 'name', value: d ? d.name : '' }), box,
      field(t('displays.lang'), { name: 'lang', options: ['pl', 'en', 'uk'].map((l) => [l, t('lang.' + l)]), value: d ? d.lang : 'pl' }),
      soundField(d),
      el('div', { class: 'buttons' }, el('button', { type: 'submit', class: 'btn btn-primary', id: 'display-save', text: t('common.save') }),
        button(t('common.cancel'), () => { $('display-editor').replaceChildren(); $('display-new').focus(); })));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      submitting(form, async () => {
        const v = formValues(form);
        const body = { name: v.name, lang: v.lang, sound: Boolean(v.sound), department_ids: Object.keys(v).filter((k) => k.startsWith('dep-') && v[k]).map((k) => Number(k.slice(4))) };
        if (d) await api('PATCH', '/api/v1/admin/displays/' + d.id, body);
        else await api('POST', '/api/v1/admin/displays', body);
        $('display-editor').replaceChildren();
        showNotice(d ? t('common.saved') : t('common.created'));
        await loadDisplaysSection();
        $('displays-heading').focus();
      });
    });
    $('display-editor').replaceChildren(form);
    heading.focus();
  }

  // soundField is the display's sound switch with what it needs from the
  // TV's browser.
  function soundField(d) {
    const f = field(t('displays.soundField'), { name: 'sound', id: 'display-sound', type: 'checkbox', checked: d ? d.sound : false });
    f.querySelector('input').setAttribute('aria-describedby', 'display-sound-hint');
    f.append(el('p', { id: 'display-sound-hint', class: 'small muted', text: t('displays.soundHint') }));
    return f;
  }

  // ---- Webhooks -----------------------------------------------------------

  const HOOK_EVENTS = ['booking.created', 'booking.cancelled', 'booking.checked_in', 'ticket.issued', 'ticket.called', 'ticket.finished', 'pickup.ready'];

  // webhooksGone tells the administrator, above every section, which
  // endpoints the system switched off because their receiver answered 410.
  async function webhooksGone(list) {
    const hooks = list || (await optional('/api/v1/admin/webhooks')) || [];
    const gone = hooks.filter((h) => !h.active && h.disabled_reason);
    $('webhooks-gone-list').replaceChildren(...gone.map((h) => el('li', { class: 'warn-text', text: t('webhooks.gone', { url: h.url, at: fmtTime(h.disabled_at) }) })));
    $('webhooks-gone').hidden = !gone.length;
  }

  async function loadWebhooksSection() {
    const hooks = (await api('GET', '/api/v1/admin/webhooks')) || [];
    const rows = hooks.map((h) => [el('span', { class: 'mono', text: h.url }),
      h.events.map((e) => t('event.' + e)).join(', '),
      h.active ? t('webhooks.on') : t('webhooks.off'),
      el('span', { class: 'actions' },
        button(t('common.edit'), () => editWebhook(h), '', t('common.editNamed', { name: h.url })),
        button(t('webhooks.deliveries'), () => showDeliveries(h), '', t('webhooks.deliveriesNamed', { url: h.url })),
        button(t('common.delete'), () => remove('/api/v1/admin/webhooks/' + h.id, h.url, loadWebhooksSection), 'btn-danger', t('common.deleteNamed', { name: h.url })))]);
    $('webhooks-list').replaceChildren(table(t('webhooks.caption'),
      [t('webhooks.address'), t('webhooks.events'), t('webhooks.state'), t('common.actions')], rows));
    await webhooksGone(hooks);
  }

  function editWebhook(h) {
    const form = el('form', { class: 'card', id: 'webhook-form', noValidate: true });
    const heading = el('h3', { tabIndex: -1, text: h ? t('webhooks.editHeading', { url: h.url }) : t('webhooks.newHeading') });
    const chosen = new Set(h ? h.events : []);
    const events = el('fieldset', { 'data-field': 'events' }, el('legend', { text: t('webhooks.events') }),
      ...HOOK_EVENTS.map((e) => field(t('event.' + e) + ' (' + e + ')', { type: 'checkbox', checked: chosen.has(e), name: 'ev:' + e })));
    form.append(heading,
      field(t('webhooks.url'), { name: 'url', type: 'url', value: h ? h.url : 'https://', required: true }),
      events,
      field(h ? t('webhooks.secretEdit') : t('webhooks.secretNew'), { name: 'secret', type: 'password', autocomplete: 'new-password' }),
      field(t('webhooks.active'), { name: 'active', type: 'checkbox', checked: h ? h.active : true }),
      el('div', { class: 'buttons' }, el('button', { type: 'submit', class: 'btn btn-primary', id: 'webhook-save', text: t('common.save') }),
        button(t('common.cancel'), () => { $('webhook-editor').replaceChildren(); $('webhook-new').focus(); })));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      submitting(form, async () => {
        const v = formValues(form);
        const body = { url: v.url.trim(), events: HOOK_EVENTS.filter((e) => v['ev:' + e]), active: v.active };
        if (v.secret) body.secret = v.secret;
        const saved = h ? await api('PATCH', '/api/v1/admin/webhooks/' + h.id, body) : await api('POST', '/api/v1/admin/webhooks', body);
        $('webhook-editor').replaceChildren();
        await loadWebhooksSection();
        if (saved && saved.secret) showSecret(saved);
        else { showNotice(h ? t('common.saved') : t('common.created')); $('webhooks-heading').focus(); }
      });
    });
    $('webhook-editor').replaceChildren(form);
    heading.focus();
  }

  // showSecret shows a generated secret, the only time it can be read.
  function showSecret(h) {
    const box = $('webhook-secret');
    const heading = el('h3', { tabIndex: -1, text: t('webhooks.secretHeading', { url: h.url }) });
    box.replaceChildren(heading,
      el('p', { class: 'warn-text', text: t('webhooks.secretOnce') }),
      el('div', { class: 'field' }, el('label', { for: 'webhook-secret-value', text: t('webhooks.secretLabel') }),
        el('input', { id: 'webhook-secret-value', type: 'text', readOnly: true, value: h.secret, class: 'mono', on: { focus: (e) => e.target.select() } })),
      button(t('webhooks.secretDone'), () => { box.hidden = true; box.replaceChildren(); $('webhooks-heading').focus(); }));
    box.hidden = false;
    showNotice(t('common.created'));
    heading.focus();
  }

  async function showDeliveries(h) {
    try {
      const ds = (await api('GET', '/api/v1/admin/webhooks/' + h.id + '/deliveries')) || [];
      const heading = el('h3', { tabIndex: -1, text: t('webhooks.deliveriesNamed', { url: h.url }) });
      const answers = (d) => (d.log.length ? el('ul', { class: 'plain' }, ...d.log.map((a) => el('li', {
        text: fmtTime(a.at) + ': ' + (a.status_code ? String(a.status_code) : t('webhooks.noAnswer')) + (a.error ? ' — ' + a.error : '') + (a.response ? ' — ' + a.response : ''),
      }))) : '—');
      const rows = ds.map((d) => [d.event_id, t('event.' + d.type), d.object, t('delivery.' + d.state), answers(d),
        button(t('webhooks.redeliver'), async () => {
          try {
            await api('POST', '/api/v1/admin/webhooks/' + h.id + '/deliveries/' + d.id + '/redeliver');
            showNotice(t('webhooks.redelivered'));
            await showDeliveries(h);
          } catch (err) { failed(err); }
        }, 'redeliver', t('webhooks.redeliverOf', { id: d.event_id }))]);
      $('webhook-deliveries').replaceChildren(el('div', { class: 'card' }, heading, ds.length ? table(t('webhooks.deliveriesCaption'),
        ['#', t('webhooks.event'), t('webhooks.object'), t('webhooks.deliveryState'), t('webhooks.answers'), t('common.actions')], rows)
        : el('p', { class: 'muted', text: t('webhooks.noDeliveries') })));
      heading.focus();
    } catch (err) {
      failed(err);
    }
  }

  // ---- Statistics ---------------------------------------------------------

  // statsTable is a table in its own scrolling region: a wide table scrolls
  // inside it, by keyboard too (the region takes focus), never the page.
  function statsTable(id, caption, headers, rows, cls) {
    if (!rows.length) return el('p', { class: 'muted', text: t('stats.empty') });
    const capId = id + '-caption';
    return el('div', { class: 'table-wrap scroll-region', id, role: 'region', tabIndex: 0, 'aria-labelledby': capId },
      el('table', { class: cls || 'stats-table' },
        el('caption', { id: capId, text: caption }),
        el('thead', null, el('tr', null, ...headers.map((h) => el('th', { scope: 'col', text: h })))),
        el('tbody', null, ...rows.map((cells) => el('tr', null, ...cells.map((c, i) => {
          const cell = el(i === 0 ? 'th' : 'td', i === 0 ? { scope: 'row' } : null);
          if (c instanceof Node) cell.append(c); else cell.textContent = c === null || c === undefined ? '' : String(c);
          return cell;
        }))))));
  }

  const fmtPct = (v) => (v === null || v === undefined ? '—' : t('stats.percent', { n: fmtNum(v) }));
  const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

  // heatMap draws tickets issued per weekday × hour as a table whose cells
  // darken with the count (the number is always written in the cell).
  function heatMap(rep) {
    const wh = rep.weekday_hours || [];
    let lo = 24, hi = -1, max = 0;
    wh.forEach((hours) => hours.forEach((n, h) => { if (n > 0) { lo = Math.min(lo, h); hi = Math.max(hi, h); max = Math.max(max, n); } }));
    if (hi < 0) return el('p', { class: 'muted', text: t('stats.empty') });
    const hours = [];
    for (let h = lo; h <= hi; h++) hours.push(h);
    const level = (n) => (n === 0 ? 0 : Math.min(4, 1 + Math.floor((n / max) * 3.999)));
    const rows = WEEKDAYS.map((d, i) => [t('day.' + d), ...hours.map((h) => {
      const n = (wh[i] || [])[h] || 0;
      return el('span', { class: 'heat heat-' + level(n), text: String(n) });
    })]);
    return statsTable('stats-heatmap', t('stats.heatCaption', { from: rep.from, to: rep.to }),
      [t('stats.weekday'), ...hours.map((h) => String(h).padStart(2, '0') + ':00')], rows, 'stats-table heatmap');
  }

  async function loadStatsSection() {
    const form = $('stats-form');
    const q = new URLSearchParams();
    for (const n of ['from', 'to', 'target_minutes']) if (form.elements[n].value) q.set(n, form.elements[n].value);
    clearErrors(form);
    let rep;
    try {
      rep = await api('GET', '/api/v1/admin/stats?' + q);
    } catch (err) {
      if (err instanceof ApiError && err.status !== 401) showErrors(form, err); else failed(err);
      return;
    }
    form.elements.from.value = rep.from;
    form.elements.to.value = rep.to;
    form.elements.target_minutes.value = rep.target_minutes;
    const range = { from: rep.from, to: rep.to };
    const target = rep.target_minutes;
    const query = (extra) => new URLSearchParams({ from: rep.from, to: rep.to, target_minutes: String(target), ...extra });
    const tot = rep.total;
    const parts = [];
    parts.push(el('dl', { class: 'facts stats-summary', id: 'stats-summary' },
      ...[[t('stats.issued'), tot.tickets_issued], [t('stats.remote'), tot.remote_tickets || 0], [t('stats.served'), tot.served],
        [t('stats.withinTarget', { n: target }), fmtPct(tot.within_target_percent)],
        [t('stats.visitNoShow'), fmtPct(tot.visit_no_show_percent)]].map(([k, v]) => el('div', null, el('dt', { text: k }), el('dd', { text: String(v) })))));
    const csv = (table) => el('a', { class: 'btn btn-small', href: '/api/v1/admin/stats.csv?' + query({ table }), download: '', id: 'stats-csv-' + table, text: t('stats.csvOf', { what: t('stats.table.' + table) }) });
    const section = (id, heading, lead, body, table) => el('section', { class: 'stats-part', 'aria-labelledby': id + '-h' },
      el('h3', { id: id + '-h', text: heading }), lead ? el('p', { class: 'muted small', text: lead }) : null, body,
      table ? el('p', { class: 'stats-download' }, csv(table)) : null);

    const wait = (f) => [fmtNum(f.wait_p50_minutes), fmtNum(f.wait_p90_minutes), fmtPct(f.within_target_percent)];
    const waitHeads = [t('stats.waitP50'), t('stats.waitP90'), t('stats.withinTarget', { n: target })];
    const visits = (f) => [f.visits_booked, f.visits_checked_in, f.visits_missed, fmtPct(f.visit_no_show_percent)];
    const visitHeads = [t('stats.visitsBooked'), t('stats.visitsCheckedIn'), t('stats.visitsMissed'), t('stats.visitNoShow')];
    const feedback = (f) => [f.feedback_count || 0, f.feedback_average == null ? '—' : f.feedback_average.toLocaleString(lang)];
    const feedbackHeads = [t('stats.feedbackCount'), t('stats.feedbackAverage')];

    parts.push(section('stats-services', t('stats.byService'), t('stats.targetLead', { n: target }),
      statsTable('stats-services-table', t('stats.byServiceCaption', range),
        [t('stats.service'), t('stats.issued'), t('stats.served'), t('stats.noShow'), t('stats.expired'), ...waitHeads, t('stats.serviceP50'), ...visitHeads, ...feedbackHeads],
        (rep.services || []).map((r) => [r.service_name + ' (' + r.department_name + ')', r.tickets_issued, r.served, r.no_show, r.expired, ...wait(r), fmtNum(r.service_p50_minutes), ...visits(r), ...feedback(r)])),
      'services'));
    parts.push(section('stats-counters', t('stats.byCounter'), t('stats.counterLead'),
      statsTable('stats-counters-table', t('stats.byCounterCaption', range),
        [t('stats.counter'), t('stats.called'), t('stats.served'), t('stats.noShow'), ...waitHeads, t('stats.serviceP50'), t('stats.serviceP90'), ...feedbackHeads],
        (rep.counters || []).map((r) => [r.counter_name, r.called, r.served, r.no_show, ...wait(r), fmtNum(r.service_p50_minutes), fmtNum(r.service_p90_minutes), ...feedback(r)])),
      'counters'));
    parts.push(await commentsPart(rep, range));
    parts.push(section('stats-days', t('stats.byDay'), t('stats.dayLead'),
      statsTable('stats-days-table', t('stats.byDayCaption', range),
        [t('stats.day'), t('stats.issued'), t('stats.served'), t('stats.withinTarget', { n: target }), t('stats.bookingsMade'), t('stats.cancelledOn'), ...visitHeads],
        (rep.days || []).map((r) => [r.day, r.tickets_issued, r.served, fmtPct(r.within_target_percent), r.bookings_made, r.bookings_cancelled + r.bookings_cancelled_late, ...visits(r)])),
      'days'));
    parts.push(section('stats-heat', t('stats.heatHeading'), t('stats.heatLead'), heatMap(rep), 'weekday_hours'));
    const chartTitle = t('stats.chart', range);
    parts.push(el('figure', { class: 'chart', 'aria-labelledby': 'stats-chart-title' },
      el('figcaption', { id: 'stats-chart-title', class: 'chart-title', text: chartTitle }),
      el('img', { id: 'stats-chart', src: '/api/v1/admin/stats/hours.svg?' + new URLSearchParams(range), alt: t('stats.chartAlt', { from: rep.from, to: rep.to, n: tot.tickets_issued }) })));

    const figures = (f) => [f.tickets_issued, f.served, f.no_show, f.expired, f.bookings_made, f.bookings_cancelled, f.bookings_cancelled_late, f.visits_booked,
      fmtNum(f.wait_p50_minutes), fmtNum(f.wait_p90_minutes), fmtNum(f.service_p50_minutes), fmtNum(f.service_p90_minutes)];
    const rows = (rep.rows || []).map((r) => [r.day + ' · ' + r.department_name + ' · ' + r.service_name, ...figures(r)]);
    if (rows.length) rows.push([t('stats.total'), ...figures(tot)]);
    parts.push(section('stats-detail', t('stats.detail'), t('stats.detailLead'),
      statsTable('stats-detail-table', t('stats.caption', range),
        [t('stats.day') + ' · ' + t('stats.department') + ' · ' + t('stats.service'), t('stats.issued'), t('stats.served'), t('stats.noShow'), t('stats.expired'),
          t('stats.bookingsMade'), t('stats.cancelled'), t('stats.cancelledLate'), t('stats.visitsBooked'),
          t('stats.waitP50'), t('stats.waitP90'), t('stats.serviceP50'), t('stats.serviceP90')], rows),
      'rows'));
    $('stats-report').replaceChildren(...parts);
    $('stats-print').hidden = false;
  }

  // ---- Staff: per-clerk and per-counter report, pause reasons -------------

  // reasonName is a pause reason's name in the page's language.
  function reasonName(r) { return (lang === 'en' && r.name_en) || (lang === 'uk' && r.name_uk) || r.name; }

  async function loadStaffSection() {
    const form = $('staff-form');
    const q = new URLSearchParams();
    for (const n of ['from', 'to']) if (form.elements[n].value) q.set(n, form.elements[n].value);
    clearErrors(form);
    let rep;
    try {
      rep = await api('GET', '/api/v1/admin/reports/staff?' + q);
    } catch (err) {
      if (err instanceof ApiError && err.status !== 401) showErrors(form, err); else failed(err);
      return;
    }
    form.elements.from.value = rep.from;
    form.elements.to.value = rep.to;
    const range = { from: rep.from, to: rep.to };
    const reasons = rep.reasons || [];
    const reasonHeads = reasons.map((r) => t('staff.pausedFor', { reason: r.archived ? t('staff.archived', { name: reasonName(r) }) : reasonName(r) }));
    const heads = [t('staff.served'), t('staff.noShow'), t('staff.mean'), t('staff.p90'), t('staff.pauses'), t('staff.paused'), ...reasonHeads];
    const figures = (f) => [f.served, f.no_show, fmtNum(f.service_mean_minutes), fmtNum(f.service_p90_minutes), f.pauses, fmtNum(f.paused_minutes),
      ...reasons.map((r) => { const m = (f.paused_by_reason || []).find((x) => x.reason_id === r.id); return fmtNum(m ? m.minutes : 0); })];
    const part = (id, heading, body) => el('section', { class: 'stats-part', 'aria-labelledby': id + '-h' }, el('h3', { id: id + '-h', text: heading }), body);
    $('staff-report').replaceChildren(
      el('p', { class: 'muted small', text: t('staff.p90Lead') }),
      part('staff-clerks', t('staff.byClerk'), statsTable('staff-clerks-table', t('staff.byClerkCaption', range), [t('staff.dayClerk'), ...heads],
        (rep.clerks || []).map((r) => [r.day + ' · ' + r.name, ...figures(r)]))),
      part('staff-counters', t('staff.byCounter'), statsTable('staff-counters-table', t('staff.byCounterCaption', range), [t('staff.dayCounter'), ...heads],
        (rep.counters || []).map((r) => [r.day + ' · ' + r.counter_name, ...figures(r)]))),
      el('p', { class: 'stats-download' }, el('a', { class: 'btn btn-small', id: 'staff-csv', download: '',
        href: '/api/v1/admin/reports/staff?' + new URLSearchParams({ ...range, format: 'csv' }), text: t('staff.csv', range) })));
    await loadReasons();
  }

  async function loadReasons() {
    const reasons = (await api('GET', '/api/v1/admin/pause-reasons')) || [];
    const rows = reasons.map((r) => [r.name, [r.name_en, r.name_uk].filter(Boolean).join(' · '), r.position,
      el('span', { class: 'actions' },
        button(t('common.edit'), () => editReason(r), '', t('common.editNamed', { name: r.name })),
        button(t('common.delete'), () => remove('/api/v1/admin/pause-reasons/' + r.id, r.name, loadReasons), 'btn-danger', t('common.deleteNamed', { name: r.name })))]);
    $('reasons-list').replaceChildren(table(t('reasons.caption'), [t('common.name'), t('reasons.translations'), t('reasons.position'), t('common.actions')], rows));
  }

  function editReason(r) {
    const form = el('form', { class: 'card', id: 'reason-form', noValidate: true });
    const heading = el('h4', { tabIndex: -1, text: r ? t('reasons.editHeading', { name: r.name }) : t('reasons.newHeading') });
    form.append(heading,
      field(t('common.namePl'), { name: 'name', value: r ? r.name : '', required: true, maxLength: 60 }),
      field(t('reasons.position'), { name: 'position', type: 'number', value: r ? r.position : 0 }),
      ...translations(r, [{ name: 'name', label: t('common.name') }]),
      el('div', { class: 'buttons' }, el('button', { type: 'submit', class: 'btn btn-primary', id: 'reason-save', text: t('common.save') }),
        button(t('common.cancel'), () => { $('reason-editor').replaceChildren(); $('reason-new').focus(); })));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      submitting(form, async () => {
        const v = formValues(form);
        const body = { name: v.name.trim(), name_en: v.name_en.trim(), name_uk: v.name_uk.trim(), position: v.position || 0 };
        if (r) await api('PATCH', '/api/v1/admin/pause-reasons/' + r.id, body);
        else await api('POST', '/api/v1/admin/pause-reasons', body);
        $('reason-editor').replaceChildren();
        showNotice(r ? t('common.saved') : t('common.created'));
        await loadReasons();
        $('reasons-heading').focus();
      });
    });
    $('reason-editor').replaceChildren(form);
    heading.focus();
  }

  // commentsPart is the residents' answers of the report's days with their
  // comments (GET /api/v1/admin/feedback) and the switch of the feedback
  // invitation by SMS or e-mail (the office's feedback_invite).
  async function commentsPart(rep, range) {
    const [answers, off] = await Promise.all([
      api('GET', '/api/v1/admin/feedback?' + new URLSearchParams(range)),
      api('GET', '/api/v1/admin/office')]);
    const invite = field(t('stats.feedbackInvite'), { name: 'feedback_invite', id: 'feedback-invite', type: 'checkbox', checked: Boolean(off && off.feedback_invite) });
    invite.querySelector('input').addEventListener('change', async (ev) => {
      const on = ev.target.checked;
      try {
        await api('PATCH', '/api/v1/admin/office', { feedback_invite: on });
        showNotice(t(on ? 'stats.feedbackInviteOn' : 'stats.feedbackInviteOff'));
      } catch (err) {
        ev.target.checked = !on;
        failed(err);
      }
    });
    const rows = (answers || []).map((a) => [a.day, a.score, a.comment || '—', a.service, a.counter || '—']);
    const table = rows.length
      ? statsTable('stats-comments-table', t('stats.commentsCaption', range),
        [t('stats.day'), t('stats.score'), t('stats.comment'), t('stats.service'), t('stats.counter')], rows)
      : el('p', { class: 'muted', id: 'stats-comments-none', text: t('stats.commentsNone') });
    return el('section', { class: 'stats-part', id: 'stats-comments', 'aria-labelledby': 'stats-comments-h' },
      el('h3', { id: 'stats-comments-h', text: t('stats.comments') }),
      el('p', { class: 'muted small', text: t('stats.commentsLead') }), invite, table);
  }

  // ---- Suspicious bookings ------------------------------------------------

  // plusDays is the ISO date n days after the ISO date iso.
  function plusDays(iso, n) {
    const d = new Date(iso + 'T12:00:00Z');
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  }

  // loadSuspiciousSection lists the suspicious groups of the form's days
  // (today and 30 days on at first), nothing selected.
  async function loadSuspiciousSection() {
    const form = $('suspicious-form');
    const today = document.body.dataset.today || new Date().toISOString().slice(0, 10);
    if (!form.elements.from.value) form.elements.from.value = today;
    if (!form.elements.to.value) form.elements.to.value = plusDays(form.elements.from.value, 30);
    clearErrors(form);
    let rep;
    try {
      rep = await api('GET', '/api/v1/admin/suspicious-bookings?' + new URLSearchParams({ from: form.elements.from.value, to: form.elements.to.value }));
    } catch (err) {
      if (err instanceof ApiError && err.status !== 401) showErrors(form, err); else failed(err);
      return;
    }
    state.suspects = new Set();
    const groups = rep.groups || [];
    $('suspicious-cancel').hidden = groups.length === 0;
    if (!groups.length) {
      $('suspicious-groups').replaceChildren(el('p', { class: 'muted', id: 'suspicious-none', text: t('suspicious.none') }));
      return;
    }
    $('suspicious-groups').replaceChildren(...groups.map(suspectGroup));
    showSuspects();
  }

  function suspectTitle(g) {
    if (g.kind === 'burst') return t(g.key.includes('/') ? 'suspicious.net' : 'suspicious.address', { key: g.key });
    if (g.kind === 'email_domain') return t('suspicious.domain', { key: g.key }) + (g.public_provider ? ' ' + t('suspicious.public') : '');
    return t('suspicious.birth', { key: g.key.slice(0, 8) });
  }

  // suspectGroup draws group number i: its bookings with a checkbox each
  // and one for the whole group. A booking in several groups has a box in
  // each, all showing one choice.
  function suspectGroup(g, i) {
    const title = suspectTitle(g);
    const all = el('input', { type: 'checkbox', id: 'suspect-all-' + i, class: 'suspect-all' });
    const codes = [];
    const rows = (g.bookings || []).map((b) => {
      const cb = el('input', { type: 'checkbox', class: 'suspect-pick', value: b.code, 'aria-label': t('suspicious.select', { code: b.code, name: b.name }) });
      cb.addEventListener('change', () => pickSuspects([b.code], cb.checked));
      codes.push(b.code);
      return [el('span', { class: 'pick' }, cb, ' ' + b.code), b.service, fmtTime(b.start), b.name, b.email, b.client_addr || '—', fmtTime(b.created_at)];
    });
    all.addEventListener('change', () => pickSuspects(codes, all.checked));
    return el('section', { class: 'card suspect-group', id: 'suspect-group-' + i, 'data-kind': g.kind, 'aria-labelledby': 'suspect-h-' + i },
      el('h3', { id: 'suspect-h-' + i, text: title }),
      el('p', { class: 'muted', text: t('suspicious.summary', { n: g.count, first: fmtTime(g.first_created), last: fmtTime(g.last_created) }) }),
      el('div', { class: 'field check' }, all, el('label', { for: all.id, text: t('suspicious.selectGroup') })),
      table(title, [t('suspicious.code'), t('suspicious.matter'), t('suspicious.visit'), t('suspicious.name'), t('suspicious.email'), t('suspicious.clientAddr'), t('suspicious.created')], rows));
  }

  function pickSuspects(codes, on) {
    for (const c of codes) if (on) state.suspects.add(c); else state.suspects.delete(c);
    showSuspects();
  }

  // showSuspects makes every box show the choice, and says how many.
  function showSuspects() {
    for (const cb of $('suspicious-groups').querySelectorAll('.suspect-pick')) cb.checked = state.suspects.has(cb.value);
    for (const g of $('suspicious-groups').querySelectorAll('.suspect-group')) {
      const picks = [...g.querySelectorAll('.suspect-pick')];
      const n = picks.filter((c) => c.checked).length;
      const all = g.querySelector('.suspect-all');
      all.checked = n > 0 && n === picks.length;
      all.indeterminate = n > 0 && n < picks.length;
    }
    const n = state.suspects.size;
    $('suspicious-selected').textContent = n ? t('suspicious.selected', { n }) : t('suspicious.nothingSelected');
  }

  // cancelSuspects cancels the selected bookings, after confirmation, with
  // the note for their residents, and lists the groups again.
  async function cancelSuspects(ev) {
    ev.preventDefault();
    const form = $('suspicious-cancel');
    const codes = [...state.suspects];
    if (!codes.length) {
      showAlert(t('suspicious.nothingSelected'));
      return;
    }
    const n = codes.length;
    if (!(await confirmAction(t('suspicious.confirm', { n }), t('suspicious.confirmYes', { n })))) return;
    await submitting(form, async () => {
      const res = await api('POST', '/api/v1/admin/bookings/cancel', { codes, note: form.elements.note.value });
      form.elements.note.value = '';
      await loadSuspiciousSection();
      showNotice(t('suspicious.done', { n: res.cancelled.length, m: res.not_cancelled.length }));
      $('suspicious-heading').focus();
    });
  }

  // ---- Live ---------------------------------------------------------------

  // generic draws any JSON answer: objects as definition lists, lists of
  // objects as tables.
  function generic(v, caption) {
    if (Array.isArray(v)) {
      if (!v.length) return el('p', { class: 'muted', text: t('common.none') });
      if (typeof v[0] !== 'object' || v[0] === null) return el('span', { text: v.join(', ') });
      const keys = [...new Set(v.flatMap((o) => Object.keys(o)))].filter((k) => !k.endsWith('_id') && k !== 'id');
      return table(caption, keys.map(label), v.map((o) => keys.map((k) => (typeof o[k] === 'object' && o[k] !== null ? generic(o[k], k) : scalar(o[k])))));
    }
    if (typeof v === 'object' && v !== null) {
      const dl = el('dl', { class: 'facts' });
      for (const [k, val] of Object.entries(v)) {
        dl.append(el('div', null, el('dt', { text: label(k) }), el('dd', null, typeof val === 'object' && val !== null ? generic(val, label(k)) : scalar(val))));
      }
      return dl;
    }
    return document.createTextNode(scalar(v));
  }
  function label(k) { return k.replace(/_/g, ' '); }
  function scalar(v) {
    if (v === null || v === undefined) return '—';
    if (typeof v === 'boolean') return v ? t('common.yes') : t('common.no');
    if (typeof v === 'number') return fmtNum(v);
    return String(v);
  }

  // liveStatus is a counter's state in the live view: open, or on a break
  // with its reason and how long it has lasted.
  function liveStatus(c) {
    const status = MESSAGES.pl['live.status.' + c.status] ? t('live.status.' + c.status) : c.status;
    if (c.status !== 'paused' || !c.pause) return status;
    const minutes = t('live.minutes', { n: c.pause.minutes });
    return c.pause.reason ? t('live.pausedFor', { reason: reasonName(c.pause.reason), minutes }) : t('live.pausedFor.none', { minutes });
  }

  // liveDepartment draws one department of GET /api/v1/admin/live.
  function liveDepartment(d) {
    const rows = (d.counters || []).map((c) => [c.name, liveStatus(c), c.username || '', c.current_ticket || '—']);
    return el('section', { class: 'card live-department', 'aria-label': d.name },
      el('h3', { text: d.name }),
      el('dl', { class: 'facts' },
        el('div', null, el('dt', { text: t('live.waiting') }), el('dd', { text: String(d.waiting) })),
        el('div', null, el('dt', { text: t('live.longestWait') }), el('dd', { text: t('live.minutes', { n: d.longest_wait_minutes }) }))),
      rows.length ? table(t('live.countersOf', { name: d.name }), [t('live.counter'), t('live.status'), t('live.clerk'), t('live.current')], rows)
        : el('p', { class: 'muted', text: t('live.noCounters') }));
  }

  async function refreshLive() {
    const data = await optional('/api/v1/admin/live');
    if (state.section !== 'live') return;
    let body;
    if (!data) body = [el('p', { class: 'muted', text: t('live.unavailable') })];
    else if (Array.isArray(data.departments)) body = data.departments.map(liveDepartment);
    else body = [generic(data, t('live.heading'))];
    $('live-body').replaceChildren(...body);
    $('live-refreshed').textContent = t('live.refreshed', { time: timeFormat.format(new Date()) });
  }

  function loadLiveSection() { return every('live', refreshLive, true); }

  // liveMs is how often live figures refresh; a test may shorten it with
  // window.OKIENKO_LIVE_MS.
  const liveMs = () => Number(window.OKIENKO_LIVE_MS) || LIVE_MS;

  // every runs fn every LIVE_MS (and at once when now) while section is
  // shown; a later every or stopLive ends it.
  function every(section, fn, now) {
    stopLive();
    const gen = state.liveGen;
    const tick = async () => {
      try { await fn(); } catch (err) { failed(err); }
      if (state.section === section && gen === state.liveGen) state.liveTimer = setTimeout(tick, liveMs());
    };
    if (now) return tick();
    state.liveTimer = setTimeout(tick, liveMs());
    return Promise.resolve();
  }
  function stopLive() {
    if (state.liveTimer) clearTimeout(state.liveTimer);
    state.liveTimer = null;
    state.liveGen++;
  }

  // ---- Audit --------------------------------------------------------------

  async function loadAuditSection() {
    const form = $('audit-form');
    const q = new URLSearchParams({ limit: '200' });
    await Promise.all([fillAuditUsers(), loadDepartments()]);
    const v = formValues(form);
    if (v.user_id) q.set('user_id', v.user_id);
    if (v.object_type) q.set('object_type', v.object_type);
    if (v.object_id.trim()) q.set('object_id', v.object_id.trim());
    clearErrors(form);
    let entries;
    try {
      entries = (await api('GET', '/api/v1/admin/audit?' + q)) || [];
    } catch (err) {
      if (err instanceof ApiError) showErrors(form, err); else failed(err);
      return;
    }
    // An object's cell names it and shows the whole history of that object.
    const object = (e) => {
      const kind = MESSAGES.pl['object.' + e.object_type] ? t('object.' + e.object_type) : e.object_type;
      const what = e.object_name ? t('audit.objectNamed', { kind, name: e.object_name }) : kind + ' #' + e.object_id;
      return button(what, () => {
        form.elements.object_type.value = e.object_type;
        form.elements.object_id.value = String(e.object_id);
        form.elements.user_id.value = '';
        loadAuditSection().then(() => form.elements.object_id.focus()).catch(failed);
      }, 'link', t('audit.history', { what }));
    };
    const action = (a) => (MESSAGES.pl['action.' + a] ? t('action.' + a) : a);
    const rows = entries.map((e) => [fmtTime(e.at), e.actor, action(e.action), object(e), auditChanges(e)]);
    $('audit-list').replaceChildren(table(t('audit.caption'), [t('audit.at'), t('audit.actor'), t('audit.action'), t('audit.object'), t('audit.details')], rows));
  }

  // FIELD_LABELS name an object's fields in the audit log by the labels
  // their forms use: a message key, or [key, key] joined ("Godziny
  // otwarcia: Poniedziałek"). A field not listed shows its own name.
  const FIELD_LABELS = {
    name: 'common.name', ticket_prefix: 'departments.prefix', last_ticket_minutes: 'departments.lastTicket',
    priority_policy: 'departments.policy', booking_grace_minutes: 'departments.bookingGrace',
    slot_minutes: 'services.slot', capacity: 'services.capacity', booking_days_ahead: 'services.daysAhead',
    lead_minutes: 'services.lead', checkin_early_minutes: 'services.early', checkin_grace_minutes: 'services.grace',
    max_active_per_pesel: 'services.maxPesel', confirm_minutes: 'services.confirm', offer_minutes: 'services.offer', description: 'services.description',
    instructions: 'services.instructions', proof_of_work: 'field.proofOfWork',
    remote_tickets_per_day: 'services.remotePerDay', remote_arrival_required: 'services.remoteArrival',
    starts_on: 'closures.startsOn', ends_on: 'closures.endsOn', reason: 'closures.reason',
    department_id: 'counters.department', service_ids: 'counters.services', service_id: 'suspicious.matter',
    username: 'users.username', display_name: 'users.displayName', role: 'users.role', disabled: 'field.disabled',
    password_changed: 'field.passwordChanged', token_rotated: 'field.tokenRotated',
    'printer.uri': 'field.printerUri', 'printer.paper_mm': 'kiosks.paper', 'printer.columns': 'kiosks.columns', 'printer.dots': 'kiosks.dots',
    'printer.code_table': 'kiosks.codeTable', 'printer.charset': 'kiosks.charset', 'printer.qr': 'kiosks.qr', 'printer.cut': 'kiosks.cut',
    'printer.cutter': 'kiosks.cut', 'printer.chinese_off': 'field.chineseOff', 'printer.status': 'field.printerStatus',
    max_job_age_minutes: 'field.maxJobAge', printer_state: 'kiosks.printerState',
    idle_seconds: 'field.idleSeconds', input_idle_seconds: 'field.inputIdleSeconds', warn_seconds: 'field.warnSeconds', layout: 'field.layout',
    department_ids: 'displays.departments', lang: 'displays.lang', sound: 'displays.sound', title: 'forms.title', filename: 'field.filename',
    size: 'forms.size', content_type: 'field.contentType', alerts_email: 'field.alertsEmail',
    code: 'suspicious.code', status: 'field.status', note: 'field.note', ip: 'suspicious.clientAddr',
    cancelled: 'field.cancelled', bookings: 'field.bookings',
  };
  function fieldLabel(type, f) {
    const day = /^hours\.(mon|tue|wed|thu|fri|sat|sun)$/.exec(f);
    if (day) return t('departments.hours') + ': ' + t('day.' + day[1]);
    if (type === 'closure' && f === 'department_id') return t('closures.scope');
    if (type === 'counter' && f === 'department_ids') return t('counters.departmentsColumn');
    const key = FIELD_LABELS[f];
    return key ? t(key) : f.replace(/_/g, ' ');
  }
  // fieldValue shows a field's value in words: hours as spans, ids as
  // names, yes/no, roles and languages in the page's language.
  function fieldValue(type, f, v) {
    if (v === null || v === undefined || v === '') return '—';
    if (/^hours\./.test(f) && Array.isArray(v)) return v.length ? v.map((iv) => iv.join('–')).join(', ') : t('departments.closed');
    if (f === 'department_id') return departmentName(v);
    if (f === 'department_ids' && Array.isArray(v)) return v.length ? v.map(departmentName).join(', ') : t('displays.allDepartments');
    if (f === 'service_id') return serviceName(v);
    if (f === 'service_ids' && Array.isArray(v)) return v.map(serviceName).join(', ') || '—';
    if (f === 'role' && MESSAGES.pl['role.' + v]) return t('role.' + v);
    if (f === 'lang' && MESSAGES.pl['lang.' + v]) return t('lang.' + v);
    if (f === 'printer_state') return printerState(v);
    if (typeof v === 'boolean') return v ? t('common.yes') : t('common.no');
    if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ');
    if (typeof v === 'object') return JSON.stringify(v);
    const text = String(v);
    return text.length > 160 ? text.slice(0, 159) + '…' : text;
  }
  // auditChanges lists the fields an entry changed, "label: old → new"; a
  // create or delete lists the object's fields under a disclosure.
  function auditChanges(e) {
    const changes = e.changes || [];
    if (!changes.length) return '';
    const list = el('ul', { class: 'changes' }, ...changes.map((c) => {
      const li = el('li', null, el('span', { class: 'change-field', text: fieldLabel(e.object_type, c.field) + ': ' }));
      if (e.action === 'create' || c.before === null) li.append(el('span', { class: 'change-after', text: fieldValue(e.object_type, c.field, c.after) }));
      else if (e.action === 'delete' || c.after === null) li.append(el('span', { class: 'change-before', text: fieldValue(e.object_type, c.field, c.before) }));
      else {
        li.append(el('del', { class: 'change-before', text: fieldValue(e.object_type, c.field, c.before) }),
          el('span', { class: 'arrow', 'aria-hidden': 'true', text: ' → ' }), el('span', { class: 'visually-hidden', text: t('audit.to') + ' ' }),
          el('ins', { class: 'change-after', text: fieldValue(e.object_type, c.field, c.after) }));
      }
      return li;
    }));
    if (e.action !== 'create' && e.action !== 'delete') return list;
    return el('details', null, el('summary', { text: t('audit.fields', { n: changes.length }) }), list);
  }

  // fillAuditUsers lists the users in the audit filter, keeping the choice.
  async function fillAuditUsers() {
    const sel = $('audit-user');
    const keep = sel.value;
    const users = (await api('GET', '/api/v1/admin/users')) || [];
    sel.replaceChildren(el('option', { value: '', text: t('audit.anyUser') }),
      ...users.map((u) => el('option', { value: String(u.id), text: u.display_name ? u.display_name + ' (' + u.username + ')' : u.username })));
    sel.value = keep;
  }

  const LOADERS = {
    departments: loadDepartmentsSection, services: loadServicesSection, closures: loadClosuresSection,
    counters: loadCountersSection, users: loadUsersSection, kiosks: loadKiosksSection, displays: loadDisplaysSection,
    stats: loadStatsSection, staff: loadStaffSection, live: loadLiveSection, suspicious: loadSuspiciousSection, webhooks: loadWebhooksSection, audit: loadAuditSection,
  };

  // ---- Start --------------------------------------------------------------

  async function start() {
    document.title = t('page.title');
    for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
    for (const node of document.querySelectorAll('[data-i18n-label]')) node.setAttribute('aria-label', t(node.dataset.i18nLabel));
    $('signin-form').addEventListener('submit', signIn);
    $('sign-out').addEventListener('click', signOut);
    $('department-new').addEventListener('click', () => editDepartment(null));
    $('counter-new').addEventListener('click', () => editCounter(null));
    $('service-new').addEventListener('click', () => editService(null));
    $('display-new').addEventListener('click', () => editDisplay(null));
    $('webhook-new').addEventListener('click', () => editWebhook(null));
    $('closure-form').addEventListener('submit', addClosure);
    $('user-form').addEventListener('submit', addUser);
    $('kiosk-form').addEventListener('submit', addKiosk);
    $('alerts-form').addEventListener('submit', saveAlerts);
    $('stats-form').addEventListener('submit', (ev) => { ev.preventDefault(); showAlert(''); loadStatsSection().catch(failed); });
    $('stats-print').addEventListener('click', () => window.print());
    $('staff-form').addEventListener('submit', (ev) => { ev.preventDefault(); showAlert(''); loadStaffSection().catch(failed); });
    $('reason-new').addEventListener('click', () => editReason(null));
    $('audit-form').addEventListener('submit', (ev) => { ev.preventDefault(); showAlert(''); loadAuditSection().catch(failed); });
    $('suspicious-form').addEventListener('submit', (ev) => { ev.preventDefault(); showAlert(''); loadSuspiciousSection().catch(failed); });
    $('suspicious-cancel').addEventListener('submit', cancelSuspects);
    window.addEventListener('hashchange', () => route(true));
    // Switching the language reloads the page in it, on the same section.
    ui.keepPlaceOnLanguageSwitch($('langs'));
    // A sign-in through the office's provider that failed comes back here
    // told why.
    const providerError = ui.signInError();
    try {
      const me = await api('GET', '/api/v1/auth/me');
      await enter(me);
    } catch (err) {
      if (err.status === 401 || err.status === 403) showSignin(providerError ? t(providerError) : '');
      else { showSignin(''); failed(err); }
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
