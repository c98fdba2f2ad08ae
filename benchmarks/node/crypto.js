// Node side of benchmarks/crypto.cpp: sha256 of a file through fs.createReadStream piped into
// crypto.createHash, and pbkdf2 jobs on the libuv threadpool.
//   node crypto.js <file> <bytes> <pbkdf2-jobs> <pbkdf2-iterations>
// Prints "name<TAB>value" lines (benchmarks/bench.hpp run_node()).
'use strict';
const fs = require('fs');
const crypto = require('crypto');
const [file, bytesArg, jobsArg, itersArg] = process.argv.slice(2);
const bytes = Number(bytesArg), jobs = Number(jobsArg), iters = Number(itersArg);

function sha256Once() {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const h = crypto.createHash('sha256');
    h.on('data', (d) => resolve({ s: Number(process.hrtime.bigint() - t0) / 1e9, hex: d.toString('hex') }));
    fs.createReadStream(file).on('error', reject).pipe(h);
  });
}

function pbkdf2All() {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    let left = jobs;
    for (let i = 0; i < jobs; i++)
      crypto.pbkdf2('password', 'salt' + i, iters, 32, 'sha256', () => {
        if (--left === 0) resolve(Number(process.hrtime.bigint() - t0) / 1e9);
      });
  });
}

(async () => {
  let best = Infinity, hex = '';
  for (let i = 0; i < 2; i++) {
    const r = await sha256Once();
    best = Math.min(best, r.s);
    hex = r.hex;
  }
  console.log(`sha256_mbps\t${bytes / 1e6 / best}`);
  console.log(`sha256_prefix\t${parseInt(hex.slice(0, 12), 16)}`);
  const s = await pbkdf2All();
  console.log(`pbkdf2_per_s\t${jobs / s}`);
})();
