// Proof of work for the site's forms (DESIGN section 12), unseen by the
// resident: as soon as a form marked data-proof is shown, a Web Worker
// (proof-worker.js) fetches an ALTCHA challenge from the form's data-proof
// address and solves it while the form is filled in (one worker per core,
// up to MAX_WORKERS, each searching its part of the range, as ALTCHA's
// widget does); the solution goes into
// the form's hidden field as base64 JSON, which the server verifies. A
// submit before the solution is ready waits for it, the form marked busy and
// its status saying so (data-proof-busy); a solution older than MAX_AGE is
// solved again first. Should anything fail, the form is sent as it is and
// the server's answer says what to do.

// MAX_AGE is how long a solution is used, in milliseconds by this page's
// own clock: well within the 15 minutes a challenge lives on the server
// (proof.DefaultTTL), whatever this computer's clock says the time is.
const MAX_AGE = 10 * 60 * 1000;

const MAX_WORKERS = 8;

// search runs workers over parts of the challenge's range; it resolves to
// the first answer with a number, or null when none has one.
function search(ch) {
  const count = Math.max(1, Math.min(navigator.hardwareConcurrency || 1, MAX_WORKERS));
  const max = Number(ch.maxnumber) || 0;
  const part = Math.ceil((max + 1) / count);
  const workers = [];
  return new Promise((resolve) => {
    let left = count;
    const done = (answer) => {
      if (answer && answer.number !== null && answer.number !== undefined) {
        workers.forEach((w) => w.terminate());
        resolve(answer);
      } else if (--left === 0) {
        resolve(null);
      }
    };
    for (let i = 0; i < count; i++) {
      const worker = new Worker(new URL('proof-worker.js', import.meta.url));
      workers.push(worker);
      worker.onmessage = (ev) => { worker.terminate(); done(ev.data); };
      worker.onerror = () => { worker.terminate(); done(null); };
      worker.postMessage({ ...ch, from: i * part, to: Math.min((i + 1) * part - 1, max) });
    }
  });
}

// solve fetches a challenge from url and solves it in a worker; it resolves
// to {payload, at, took, how, number} or null.
async function solve(url) {
  const at = performance.now();
  const r = await fetch(url, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } });
  if (!r.ok) return null;
  const ch = await r.json();
  const t0 = performance.now();
  const answer = await search(ch);
  if (!answer) return null;
  const payload = btoa(JSON.stringify({
    algorithm: ch.algorithm, challenge: ch.challenge, number: answer.number, salt: ch.salt, signature: ch.signature,
  }));
  return { payload, at, took: Math.round(performance.now() - t0), how: answer.how, number: answer.number };
}

function fresh(solution) {
  return !!solution && performance.now() - solution.at < MAX_AGE;
}

function guard(form) {
  const field = form.querySelector('[data-proof-field]');
  const status = form.querySelector('[data-proof-status]');
  if (!field) return;
  let ready = null; // the solution in the field
  let pending = null; // the solving under way
  let waiting = false; // a submit waits for it
  let sending = false; // the submit that goes

  function start() {
    ready = null;
    field.value = '';
    const p = solve(form.dataset.proof).catch(() => null).then((s) => {
      if (pending !== p) return s; // a newer one was started
      pending = null;
      if (s) {
        ready = s;
        field.value = s.payload;
        // For tests and the curious: how long the solving took, how.
        form.dataset.proofTook = String(s.took);
        form.dataset.proofHow = s.how;
      }
      return s;
    });
    pending = p;
    return p;
  }

  form.addEventListener('submit', async (ev) => {
    if (sending) return;
    if (fresh(ready)) return; // sent with the solution
    ev.preventDefault();
    if (waiting) return;
    waiting = true;
    const submitter = ev.submitter;
    form.setAttribute('aria-busy', 'true');
    if (submitter) submitter.setAttribute('aria-disabled', 'true');
    if (status) status.textContent = form.dataset.proofBusy || '';
    if (!pending) start();
    await pending;
    if (!fresh(ready)) await start(); // it expired meanwhile, or failed: once more
    waiting = false;
    form.removeAttribute('aria-busy');
    if (submitter) submitter.removeAttribute('aria-disabled');
    if (status) status.textContent = '';
    sending = true;
    if (form.requestSubmit) form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
    else form.submit();
  });

  // A page restored from the back-forward cache holds a spent solution.
  window.addEventListener('pageshow', (ev) => {
    if (ev.persisted) { sending = false; start(); }
  });
  start();
}

document.querySelectorAll('form[data-proof]').forEach(guard);
