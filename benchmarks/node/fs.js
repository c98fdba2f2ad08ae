// Node side of benchmarks/fs.cpp: copy a file with streams.
//   node fs.js <in> <out> <bytes> [runs]   -> copy_mbps (best of `runs`, default 2)
// benchmarks/fs.cpp passes runs = 1 and calls it once per round, interleaved with the
// other sides.
'use strict';
const fs = require('fs');
const { pipeline } = require('stream/promises');
const [src, dst, bytesArg, runsArg] = process.argv.slice(2);
const runs = Number(runsArg || 2);
(async () => {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await pipeline(fs.createReadStream(src), fs.createWriteStream(dst));
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  console.log(`copy_mbps\t${Number(bytesArg) / 1e6 / best}`);
})();
