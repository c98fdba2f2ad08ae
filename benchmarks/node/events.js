// Node side of benchmarks/events.cpp: same workloads, prints "name<TAB>ns per op".
'use strict';
const EventEmitter = require('events');
const N = 5e6;

function best(runs, fn) {
  let b = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    b = Math.min(b, Number(process.hrtime.bigint() - t0));
  }
  return b;
}

let sink = 0;
const chunk = Buffer.alloc(16);

{
  const e = new EventEmitter();
  e.on('data', (c) => { sink += c.length; });
  console.log(`emit_1\t${best(5, () => { for (let i = 0; i < N; i++) e.emit('data', chunk); }) / N}`);
}
{
  const e = new EventEmitter();
  for (let k = 0; k < 3; k++) e.on('data', (c) => { sink += c.length; });
  console.log(`emit_3\t${best(5, () => { for (let i = 0; i < N; i++) e.emit('data', chunk); }) / N}`);
}
{
  const e = new EventEmitter();
  e.on('end', () => {});
  const f = (c) => { sink += c.length; };
  console.log(`on_off\t${best(5, () => { for (let i = 0; i < N; i++) { e.on('data', f); e.off('data', f); } }) / N}`);
}
if (sink === 42) console.log('');
