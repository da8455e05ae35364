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

  window.OkienkoPrinters = { watch };
})();
