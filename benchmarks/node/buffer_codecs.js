// Node side of benchmarks/buffer_codecs.cpp: the same inputs (same generator), prints
// "name<TAB>MB/s", where MB/s counts the binary side (the Buffer's bytes) of each conversion.
'use strict';

// Same xorshift32 stream as the C++ side, so both measure identical inputs.
function makeRng(seed) {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s;
  };
}

function randomBytes(n) {
  const r = makeRng(12345);
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = r() & 0xff;
  return b;
}

// Printable ASCII only (log lines, JSON, source code).
function asciiText(n) {
  const r = makeRng(777);
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = 0x20 + (r() % 95);
  return b;
}

// Mixed text: 70% ASCII, 10% each of 2-, 3- and 4-byte characters, as in European plus CJK
// plus emoji text; padded with ASCII to exactly n bytes.
function mixedText(n) {
  const r = makeRng(4242);
  const b = Buffer.allocUnsafe(n);
  let i = 0;
  while (i < n) {
    const k = r() % 10;
    let cp;
    if (k < 7) cp = 0x20 + (r() % 95);
    else if (k === 7) cp = 0xa0 + (r() % (0x800 - 0xa0));
    else if (k === 8) { cp = 0x800 + (r() % (0x10000 - 0x800 - 0x800)); if (cp >= 0xd800) cp += 0x800; }
    else cp = 0x10000 + (r() % 0x100000);
    const s = Buffer.from(String.fromCodePoint(cp), 'utf8');
    if (i + s.length > n) { b[i++] = 0x20; continue; }
    s.copy(b, i);
    i += s.length;
  }
  return b;
}

function best(runs, fn) {
  let b = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    b = Math.min(b, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return b;
}

let sink = 0;
const total = 64 << 20; // bytes per timed run
function rate(bytesPerOp, op) {
  const iters = Math.max(1, Math.floor(total / bytesPerOp));
  op(); // warm up
  const s = best(5, () => { for (let i = 0; i < iters; i++) op(); });
  return (bytesPerOp * iters) / s / 1e6;
}

for (const [label, size] of [['64', 64], ['1m', 1 << 20]]) {
  const bin = randomBytes(size);
  const hex = bin.toString('hex');
  const b64 = bin.toString('base64');
  const mixed = mixedText(size);
  const ascii = asciiText(size);
  console.log(`hex_encode_${label}\t${rate(size, () => { sink += bin.toString('hex').length; })}`);
  console.log(`hex_decode_${label}\t${rate(size, () => { sink += Buffer.from(hex, 'hex').length; })}`);
  console.log(`base64_encode_${label}\t${rate(size, () => { sink += bin.toString('base64').length; })}`);
  console.log(`base64_decode_${label}\t${rate(size, () => { sink += Buffer.from(b64, 'base64').length; })}`);
  console.log(`utf8_mixed_${label}\t${rate(size, () => { sink += mixed.toString('utf8').length; })}`);
  console.log(`utf8_ascii_${label}\t${rate(size, () => { sink += ascii.toString('utf8').length; })}`);
}
if (sink === 42) console.log('');
