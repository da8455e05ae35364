// Proof of work for the site's forms (DESIGN section 12), unseen by the
// resident: as soon as a form marked data-proof is shown, a Web Worker
// (proof-worker.js) fetches an ALTCHA challenge from the form's data-proof
// address and solves it while the form is filled in; the solution goes into
// the form's hidden field as base64 JSON, which the server verifies. A
// submit before the solution is ready waits for it, the form marked busy and
// its status saying so (data-proof-busy); a solution about to expire is
// solved again first. Should anything fail, the form is sent as it is and
// the server's answer says what to do.

const MARGIN_SECONDS = 30; // a solution that expires sooner is solved again

// expiresOf reads the Unix expiry ALTCHA puts in a challenge's salt.
function expiresOf(salt) {
  const query = String(salt).split('?')[1] || '';
  const v = Number(new URLSearchParams(query).get('expires'));
  return v > 0 ? v : Infinity;
}

// solve fetches a challenge from url and solves it in a worker; it resolves
// to {payload, expires, took} or null.
async function solve(url) {
  const r = await fetch(url, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } });
  if (!r.ok) return null;
  const ch = await r.json();
  const answer = await new Promise((resolve) => {
    const worker = new Worker(new URL('proof-worker.js', import.meta.url));
    worker.onmessage = (ev) => { worker.terminate(); resolve(ev.data); };
    worker.onerror = () => { worker.terminate(); resolve(null); };
    worker.postMessage(ch);
  });
  if (!answer || answer.number === null || answer.number === undefined) return null;
  const payload = btoa(JSON.stringify({
    algorithm: ch.algorithm, challenge: ch.challenge, number: answer.number, salt: ch.salt, signature: ch.signature,
  }));
  return { payload, expires: expiresOf(ch.salt), took: answer.took };
}

function fresh(solution) {
  return solution && solution.expires - Date.now() / 1000 > MARGIN_SECONDS;
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
        form.dataset.proofTook = String(s.took); // for tests and the curious
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
