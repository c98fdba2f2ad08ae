// Node side of benchmarks/loop.cpp: the same event-loop workloads, "name<TAB>value" lines.
// Rates in M ops/s except where the name says k/s.
'use strict';
const net = require('net');
const crypto = require('crypto');

function now() { return Number(process.hrtime.bigint()) / 1e9; }

async function best(runs, fn) {
  let b = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = now();
    await fn();
    b = Math.min(b, now() - t0);
  }
  return b;
}

const immediates = (N) => new Promise((resolve) => {
  let n = 0;
  const f = () => { if (++n < N) setImmediate(f); else resolve(); };
  setImmediate(f);
});
const ticks = (N) => new Promise((resolve) => {
  let n = 0;
  const f = () => { if (++n < N) process.nextTick(f); else resolve(); };
  process.nextTick(f);
});
const microtasks = (N) => new Promise((resolve) => {
  let n = 0;
  const f = () => { if (++n < N) queueMicrotask(f); else resolve(); };
  queueMicrotask(f);
});
async function awaits(N) {
  const p = Promise.resolve(1);
  let s = 0;
  for (let i = 0; i < N; i++) s += await p;
  return s;
}
const timeouts = (N) => new Promise((resolve) => {
  let n = 0;
  const f = () => { if (++n < N) setTimeout(f, 0); else resolve(); };
  setTimeout(f, 0);
});
function timersCreateClear(N) {
  const ts = new Array(N);
  for (let i = 0; i < N; i++) ts[i] = setTimeout(() => {}, 1 + (i % 7));
  for (let i = 0; i < N; i++) clearTimeout(ts[i]);
}
const pbkdf2 = (N) => new Promise((resolve) => {
  let n = 0;
  const f = () => { if (++n < N) crypto.pbkdf2('password', 'salt', 1, 16, 'sha256', f); else resolve(); };
  crypto.pbkdf2('password', 'salt', 1, 16, 'sha256', f);
});

function print(name, value) { console.log(`${name}\t${value}`); }

(async () => {
  const NI = 300000, NT = 5000000, NA = 3000000, NTO = 200, NC = 1000000, NP = 20000;
  print('set_immediate chain', NI / (await best(3, () => immediates(NI))) / 1e6);
  // A live idle TCP connection, as in the costream run: each iteration polls the kernel.
  const server = net.createServer(() => {}).listen(0, '127.0.0.1');
  await new Promise((r) => server.on('listening', r));
  const client = net.connect(server.address().port, '127.0.0.1');
  await new Promise((r) => client.on('connect', r));
  print('set_immediate chain, idle socket open', NI / (await best(3, () => immediates(NI))) / 1e6);
  client.destroy();
  server.close();
  // Best of 5 for the two shortest runs (as in benchmarks/loop.cpp): on a shared machine a
  // run of a fraction of a second is easily descheduled.
  print('next_tick chain', NT / (await best(5, () => ticks(NT))) / 1e6);
  print('queue_microtask chain', NT / (await best(5, () => microtasks(NT))) / 1e6);
  print('co_await ready promise chain', NA / (await best(3, () => awaits(NA))) / 1e6);
  print('set_timeout(0) chain (k/s)', NTO / (await best(2, () => timeouts(NTO))) / 1e3);
  print('1M timers created and cleared', NC / (await best(3, async () => timersCreateClear(NC))) / 1e6);
  print('thread pool round trip (k/s)', NP / (await best(3, () => pbkdf2(NP))) / 1e3);
})();
