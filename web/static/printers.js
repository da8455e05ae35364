// The kiosks' printers on the staff's pages (clerk, admin): follows
// /ws/printers (see live.js), polling GET /api/v1/printers while the socket
// is down, and lists every printer that needs a person, naming the kiosk,
// the problem and what to do, at once when it happens.
//
//   const w = OkienkoPrinters.watch({
//     section,       // shown while a printer needs a person, else hidden
//     list,          // the <ul> the notices go in
//     t,             // the page's translator: keys printers.problem,
//                    // printer.STATE and printers.hint.STATE
//     onList(list) {},  // every list received (PrinterStatus[])
//   });
//   w.stop();
'use strict';

(function () {
  const POLL_MS = 10000;

  // The printers' words, for every staff page that shows printers: the
  // pages add them to their own messages (texts) and name a job's reason
  // with reason.
  const TEXTS = {
    pl: {
      'reason.no_status': 'drukarka przyjęła bilet, ale nie potwierdziła wydruku',
      'reason.interrupted': 'połączenie z drukarką zerwane w trakcie wydruku',
      'reason.agent_lost': 'program biletomatu rozłączył się przed odpowiedzią',
      'reason.agent_stopped': 'program biletomatu został zatrzymany',
      'reason.abandoned': 'serwer lub program biletomatu zatrzymał się w trakcie wydruku',
      'printer.ok': 'gotowa',
      'printer.paper_low': 'kończy się papier',
      'printer.paper_out': 'brak papieru',
      'printer.cover_open': 'otwarta pokrywa',
      'printer.offline': 'niegotowa',
      'printer.unreachable': 'nieosiągalna',
      'printer.cutter_error': 'błąd obcinacza papieru',
      'printers.heading': 'Drukarki biletomatów',
      'printers.problem': 'Drukarka biletomatu „{kiosk}”: {problem}.',
      'printers.hint.paper_low': 'Przygotuj nową rolkę papieru.',
      'printers.hint.paper_out': 'Załóż nową rolkę papieru; do tego czasu biletomat pokazuje bilety na ekranie.',
      'printers.hint.cover_open': 'Zamknij pokrywę drukarki.',
      'printers.hint.offline': 'Sprawdź drukarkę: zasilanie i lampkę błędu.',
      'printers.hint.unreachable': 'Sprawdź, czy drukarka jest włączona i podłączona.',
      'printers.hint.cutter_error': 'Sprawdź obcinacz papieru (zacięty papier).',
      'printer.none': 'brak drukarki',
      'printer.agent_offline': 'offline — brak kontaktu z programem biletomatu',
      'printer.unknown': 'nieznany',
    },
    en: {
      'printers.heading': 'Kiosk printers',
      'printers.problem': 'Printer of kiosk "{kiosk}": {problem}.',
      'printer.paper_low': 'paper running low',
      'printer.paper_out': 'out of paper',
      'printer.cover_open': 'cover open',
      'printer.offline': 'not ready',
      'printer.unreachable': 'cannot be reached',
      'printer.cutter_error': 'paper cutter fault',
      'printers.hint.paper_low': 'Have a new paper roll ready.',
      'printers.hint.paper_out': 'Load a new paper roll; until then the kiosk shows tickets on its screen.',
      'printers.hint.cover_open': 'Close the printer\'s cover.',
      'printers.hint.offline': 'Check the printer: power and the error light.',
      'printers.hint.unreachable': 'Check that the printer is switched on and connected.',
      'printers.hint.cutter_error': 'Check the paper cutter (paper jam).',
      'printer.ok': 'ready',
      'printer.none': 'no printer',
      'printer.agent_offline': 'offline — no contact with the kiosk program',
      'printer.unknown': 'unknown',
      'reason.no_status': 'the printer took the ticket but did not confirm printing it',
      'reason.interrupted': 'the connection to the printer broke while printing',
      'reason.agent_lost': 'the kiosk program disconnected before answering',
      'reason.agent_stopped': 'the kiosk program was stopped',
      'reason.abandoned': 'the server or the kiosk program stopped while printing',
    },
    uk: {
      'printers.heading': 'Принтери терміналів',
      'printers.problem': 'Принтер термінала «{kiosk}»: {problem}.',
      'printer.paper_low': 'закінчується папір',
      'printer.paper_out': 'немає паперу',
      'printer.cover_open': 'відкрита кришка',
      'printer.offline': 'не готовий',
      'printer.unreachable': 'недоступний',
      'printer.cutter_error': 'помилка різака паперу',
      'printers.hint.paper_low': 'Підготуйте новий рулон паперу.',
      'printers.hint.paper_out': 'Вставте новий рулон паперу; доти термінал показує квитки на екрані.',
      'printers.hint.cover_open': 'Закрийте кришку принтера.',
      'printers.hint.offline': 'Перевірте принтер: живлення та індикатор помилки.',
      'printers.hint.unreachable': 'Перевірте, чи принтер увімкнений і підключений.',
      'printers.hint.cutter_error': 'Перевірте різак паперу (застряг папір).',
      'printer.ok': 'готовий',
      'printer.none': 'немає принтера',
      'printer.agent_offline': 'офлайн — немає зв’язку з програмою термінала',
      'printer.unknown': 'невідомо',
      'reason.no_status': 'принтер прийняв квиток, але не підтвердив друк',
      'reason.interrupted': 'з’єднання з принтером обірвалося під час друку',
      'reason.agent_lost': 'програма термінала від’єдналася, не відповівши',
      'reason.agent_stopped': 'програму термінала зупинено',
      'reason.abandoned': 'сервер або програма термінала зупинилися під час друку',
    },
  };

  // reason names why a print job failed, in t's language: a reason word,
  // else a printer state, else the word itself.
  function reason(t, r) {
    if (!r) return '';
    for (const key of ['reason.' + r, 'printer.' + r]) {
      const m = t(key);
      if (m !== key) return m;
    }
    return r;
  }


  function watch(opts) {
    let stopped = false;
    let key = '';
    let timer = null;
    let feed = null;

    function draw(printers) {
      printers = printers || [];
      if (typeof opts.onList === 'function') opts.onList(printers);
      const alerts = printers.filter((p) => p.alert);
      const k = JSON.stringify(alerts.map((p) => [p.kiosk_id, p.kiosk, p.state]));
      if (k === key) return; // unchanged: nothing is announced again
      key = k;
      opts.list.replaceChildren(...alerts.map((p) => {
        const li = document.createElement('li');
        li.className = 'printer-alert printer-' + p.state;
        li.dataset.kiosk = String(p.kiosk_id);
        li.dataset.state = p.state;
        const what = document.createElement('strong');
        what.textContent = opts.t('printers.problem', { kiosk: p.kiosk, problem: opts.t('printer.' + p.state) });
        li.append(what, ' ' + opts.t('printers.hint.' + p.state));
        return li;
      }));
      opts.section.hidden = alerts.length === 0;
    }

    async function poll() {
      timer = null;
      try {
        const resp = await fetch('/api/v1/printers', { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } });
        if (resp.ok && !stopped) draw(await resp.json());
      } catch (e) { /* offline: the next poll tries again */ }
      if (!stopped && timer === null) timer = setTimeout(poll, POLL_MS);
    }

    function stopPolling() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    }

    if (window.OkienkoLive) {
      feed = window.OkienkoLive.connect({
        path: '/ws/printers',
        onSnapshot: (msg) => draw(msg.printers),
        onEvent: (msg) => { if (msg.type === 'printers') draw(msg.printers); },
        onState: (online) => {
          if (stopped) return;
          if (online) stopPolling();
          else if (timer === null) poll();
        },
      });
    } else {
      poll();
    }

    return {
      stop() {
        stopped = true;
        stopPolling();
        if (feed) feed.close();
        feed = null;
        key = '';
        opts.list.replaceChildren();
        opts.section.hidden = true;
      },
    };
  }

  window.OkienkoPrinters = { watch, texts: TEXTS, reason };
})();
