// Node side of benchmarks/buffer_alloc.cpp: the same workloads on Node's Buffer, printing
// "name<TAB>M ops/s". Results go into a ring of 256 slots so that allocations escape (as in
// the C++ side) and V8 cannot drop them; the best of 5 runs is reported.
'use strict';

const RING = 256;

function best(runs, ops, fn) {
  let bestSec = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    const sec = Number(process.hrtime.bigint() - t0) / 1e9;
    if (sec < bestSec) bestSec = sec;
  }
  return ops / bestSec / 1e6;
}

const N = 2_000_000;
const ring = new Array(RING).fill(null);

const allocUnsafe = best(5, N, () => {
  for (let i = 0; i < N; i++) {
    const b = Buffer.allocUnsafe(64);
    b[0] = i & 0xff;
    ring[i & (RING - 1)] = b;
  }
});
console.log(`alloc_unsafe_64\t${allocUnsafe}`);

const fromShort = best(5, N, () => {
  for (let i = 0; i < N; i++) ring[i & (RING - 1)] = Buffer.from('short');
});
console.log(`from_short\t${fromShort}`);

const base = Buffer.alloc(64, 1);
const slice = best(5, N * 2, () => {
  for (let i = 0; i < N * 2; i++) ring[i & (RING - 1)] = base.subarray(1 + (i & 7), 40);
});
console.log(`subarray\t${slice}`);

const big = Buffer.alloc(1 << 20);
for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
let sink = 0;
const words = big.length / 4;
const reads = best(5, words * 8, () => {
  for (let rep = 0; rep < 8; rep++) {
    let s = 0;
    for (let off = 0; off < big.length; off += 4) s = (s + big.readUInt32BE(off)) >>> 0;
    sink ^= s;
  }
});
console.log(`read_uint32_be\t${reads}`);

const out = Buffer.alloc(1 << 20);
const writes = best(5, words * 8, () => {
  for (let rep = 0; rep < 8; rep++) {
    for (let off = 0, v = rep; off < out.length; off += 4, v++) out.writeUInt32LE(v >>> 0, off);
  }
});
console.log(`write_uint32_le\t${writes}`);
if (sink === 0.5) console.log('unreachable', out[0]);
