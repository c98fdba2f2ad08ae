// Node side of benchmarks/fs.cpp: copy a file with streams.
//   node fs.js <in> <out> <bytes>   -> copy_mbps (best of 2)
'use strict';
const fs = require('fs');
const { pipeline } = require('stream/promises');
const [src, dst, bytesArg] = process.argv.slice(2);
(async () => {
  let best = Infinity;
  for (let i = 0; i < 2; i++) {
    const t0 = process.hrtime.bigint();
    await pipeline(fs.createReadStream(src), fs.createWriteStream(dst));
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  console.log(`copy_mbps\t${Number(bytesArg) / 1e6 / best}`);
})();
