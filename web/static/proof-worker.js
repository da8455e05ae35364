// The proof-of-work solver of the site's forms, run as Web Workers by
// proof.js so the page stays responsive. It gets an ALTCHA challenge
// {algorithm, challenge, salt, maxnumber} with the part of the range this
// worker searches, {from, to} (0 to maxnumber when not given), and answers
// {number, how, took}: the number n from `from` up whose SHA-256(salt + n),
// in hex, is the challenge (null when there is none in the part), which
// hashing it used, and the milliseconds it took. It hashes with
// crypto.subtle, many numbers at a time; where the page isn't a secure
// context (plain http on an office's network) crypto.subtle is missing and
// a small SHA-256 of its own does the work.
'use strict';

const BATCH = 512; // digests in flight at once

self.onmessage = async (ev) => {
  const ch = ev.data || {};
  const t0 = performance.now();
  const how = self.crypto && self.crypto.subtle ? 'subtle' : 'plain';
  let number = null;
  try {
    if (ch.algorithm === 'SHA-256' && /^[0-9a-f]{64}$/.test(ch.challenge)) {
      const target = hexBytes(ch.challenge);
      const max = Math.min(Number(ch.maxnumber) || 0, 1e8);
      const from = Math.max(Number(ch.from) || 0, 0);
      const to = Math.min(ch.to === undefined ? max : Number(ch.to), max);
      number = how === 'subtle' ? await searchSubtle(ch.salt, target, from, to) : searchPlain(ch.salt, target, from, to);
    }
  } catch (err) {
    number = null;
  }
  self.postMessage({ number, how, took: Math.round(performance.now() - t0) });
};

function hexBytes(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(2 * i, 2), 16);
  return out;
}

// Inputs builds salt + n as bytes without allocating for every n.
function inputs(salt) {
  const prefix = new TextEncoder().encode(salt);
  const buf = new Uint8Array(prefix.length + 20);
  buf.set(prefix);
  return (n) => {
    const digits = String(n);
    for (let i = 0; i < digits.length; i++) buf[prefix.length + i] = digits.charCodeAt(i);
    return buf.subarray(0, prefix.length + digits.length);
  };
}

function same(a, b) {
  if (a[0] !== b[0] || a[1] !== b[1] || a[2] !== b[2] || a[3] !== b[3]) return false;
  for (let i = 4; i < 32; i++) if (a[i] !== b[i]) return false;
  return true;
}

async function searchSubtle(salt, target, from, to) {
  const input = inputs(salt);
  const subtle = self.crypto.subtle;
  for (let first = from; first <= to; first += BATCH) {
    const last = Math.min(first + BATCH - 1, to);
    const pending = [];
    // digest copies its input when called, so one buffer serves them all.
    for (let n = first; n <= last; n++) pending.push(subtle.digest('SHA-256', input(n)));
    const sums = await Promise.all(pending);
    for (let i = 0; i < sums.length; i++) {
      if (same(new Uint8Array(sums[i]), target)) return first + i;
    }
  }
  return null;
}

function searchPlain(salt, target, from, to) {
  const input = inputs(salt);
  for (let n = from; n <= to; n++) {
    if (same(sha256(input(n)), target)) return n;
  }
  return null;
}

// sha256 is FIPS 180-4 SHA-256 of bytes, for where crypto.subtle is missing.
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const W = new Uint32Array(64);
const OUT = new Uint8Array(32);

function sha256(bytes) {
  const len = bytes.length;
  const blocks = ((len + 9 + 63) >> 6) << 6;
  const msg = new Uint8Array(blocks);
  msg.set(bytes);
  msg[len] = 0x80;
  const bits = len * 8;
  msg[blocks - 4] = bits >>> 24; msg[blocks - 3] = bits >>> 16; msg[blocks - 2] = bits >>> 8; msg[blocks - 1] = bits;
  let h0 = 0x6a09e667, h1 = 0xbb67ae85, h2 = 0x3c6ef372, h3 = 0xa54ff53a;
  let h4 = 0x510e527f, h5 = 0x9b05688c, h6 = 0x1f83d9ab, h7 = 0x5be0cd19;
  for (let off = 0; off < blocks; off += 64) {
    for (let i = 0; i < 16; i++) {
      const j = off + 4 * i;
      W[i] = (msg[j] << 24) | (msg[j + 1] << 16) | (msg[j + 2] << 8) | msg[j + 3];
    }
    for (let i = 16; i < 64; i++) {
      const a = W[i - 15], b = W[i - 2];
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + h) | 0;
  }
  const hs = [h0, h1, h2, h3, h4, h5, h6, h7];
  for (let i = 0; i < 8; i++) {
    OUT[4 * i] = hs[i] >>> 24; OUT[4 * i + 1] = hs[i] >>> 16; OUT[4 * i + 2] = hs[i] >>> 8; OUT[4 * i + 3] = hs[i];
  }
  return OUT;
}
