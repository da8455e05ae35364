// The live feed shared by the display, ticket and clerk pages: one websocket
// that starts with a snapshot and then carries events numbered by seq.
//
//   const feed = OkienkoLive.connect({
//     path: '/ws/display?office=1',
//     onSnapshot(msg) {},  // every (re)connection starts with one
//     onEvent(msg) {},     // each later event, in order, pings excluded
//     onState(online) {},  // false while disconnected, true again with a snapshot
//   });
//   feed.close();
//
// A gap in seq or a "resync" message closes the socket and reconnects, and a
// reconnection always begins with a fresh snapshot. The server pings every
// 20 s; 45 s of silence count as a dead connection. Reconnects back off from
// 0.5 s doubling to 15 s with full jitter, and start again at once when the
// browser comes back online or the page becomes visible.
'use strict';

(function () {
  const BASE_MS = 500;
  const MAX_MS = 15000;
  const SILENCE_MS = 45000;

  // backoff is the wait before reconnect attempt n (0, 1, …): uniformly
  // random up to 0.5 s × 2^n, capped at 15 s ("full jitter").
  function backoff(n) {
    return Math.random() * Math.min(MAX_MS, BASE_MS * 2 ** Math.min(n, 16));
  }

  function socketURL(path) {
    return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + path;
  }

  function call(fn, msg) {
    if (typeof fn !== 'function') return;
    try {
      fn(msg);
    } catch (err) {
      console.error('live feed handler', err);
    }
  }

  function connect(opts) {
    let ws = null; // the socket in use
    let last = -1; // the last seq on ws; -1 before its snapshot
    let attempts = 0; // failed attempts since the last snapshot
    let retryTimer = null;
    let silenceTimer = null;
    let closed = false;
    let online = null; // unknown until the first snapshot or failure

    function setOnline(on) {
      if (on === online) return;
      online = on;
      call(opts.onState, on);
    }

    function open() {
      retryTimer = null;
      if (closed) return;
      let sock;
      try {
        sock = new WebSocket(socketURL(opts.path));
      } catch (err) {
        setOnline(false);
        retry();
        return;
      }
      ws = sock;
      last = -1;
      watch(sock);
      sock.onmessage = (ev) => {
        if (ws === sock) receive(sock, ev.data);
      };
      sock.onclose = () => {
        if (ws !== sock) return;
        ws = null;
        clearTimeout(silenceTimer);
        if (closed) return;
        setOnline(false);
        retry();
      };
    }

    // watch treats sock as dead after a silence, the connecting time included.
    function watch(sock) {
      clearTimeout(silenceTimer);
      silenceTimer = setTimeout(() => {
        if (ws !== sock) return;
        drop(sock);
        setOnline(false);
      }, SILENCE_MS);
    }

    // drop gives up sock and reconnects after the backoff; the offline mark
    // waits for that attempt to fail.
    function drop(sock) {
      ws = null;
      clearTimeout(silenceTimer);
      try { sock.close(4000, 'resync'); } catch (e) { /* already closing */ }
      retry();
    }

    function retry() {
      if (closed || retryTimer !== null) return;
      retryTimer = setTimeout(open, backoff(attempts));
      attempts++;
    }

    function receive(sock, data) {
      let msg;
      try {
        msg = JSON.parse(data);
      } catch (err) {
        drop(sock);
        return;
      }
      if (!msg || typeof msg !== 'object') {
        drop(sock);
        return;
      }
      watch(sock);
      if (msg.type === 'resync') {
        drop(sock);
        return;
      }
      if (msg.type === 'snapshot') {
        last = typeof msg.seq === 'number' ? msg.seq : 0;
        attempts = 0;
        setOnline(true);
        call(opts.onSnapshot, msg);
        return;
      }
      if (last < 0 || msg.seq !== last + 1) {
        drop(sock); // an event before the snapshot, or a gap
        return;
      }
      last = msg.seq;
      if (msg.type !== 'ping') call(opts.onEvent, msg);
    }

    // hurry reconnects now when a retry is pending.
    function hurry() {
      if (closed || retryTimer === null) return;
      clearTimeout(retryTimer);
      attempts = 0;
      open();
    }

    const onVisible = () => {
      if (document.visibilityState === 'visible') hurry();
    };
    window.addEventListener('online', hurry);
    document.addEventListener('visibilitychange', onVisible);
    open();

    return {
      close() {
        closed = true;
        clearTimeout(retryTimer);
        clearTimeout(silenceTimer);
        retryTimer = null;
        window.removeEventListener('online', hurry);
        document.removeEventListener('visibilitychange', onVisible);
        const sock = ws;
        ws = null;
        if (sock) {
          try { sock.close(1000, 'done'); } catch (e) { /* already closing */ }
        }
      },
      get online() { return online === true; },
    };
  }

  window.OkienkoLive = { connect, backoff };
}());
