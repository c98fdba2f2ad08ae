// Node side of benchmarks/stream_objects.cpp: Readable.from(generator of N small objects)
// -> Transform (object mode) -> counting Writable, joined by pipeline(). Prints
// "objects_per_s<TAB>value" (best of 3 runs).
'use strict';
const { Readable, Transform, Writable, pipeline } = require('stream');
const n = Number(process.argv[2] || 5000000);
// The source's highWaterMark, the same as the C++ side's (stream_objects.cpp, source_hwm):
// 16, the object-mode default the Transform and Writable use (Readable.from()'s default is 1;
// both values run at the same speed here, within this machine's noise).
const sourceHighWaterMark = 16;

function* gen() {
  for (let i = 0; i < n; i++) yield { id: i, value: i * 0.5 };
}

function once() {
  return new Promise((resolve, reject) => {
    let count = 0;
    let sum = 0;
    const t0 = process.hrtime.bigint();
    pipeline(
      Readable.from(gen(), { highWaterMark: sourceHighWaterMark }),
      new Transform({ objectMode: true, transform(o, e, cb) { cb(null, { id: o.id, value: o.value * 2 }); } }),
      new Writable({ objectMode: true, write(o, e, cb) { count++; sum += o.value; cb(); } }),
      (err) => {
        if (err) return reject(err);
        if (count !== n) return reject(new Error(`count ${count}`));
        const secs = Number(process.hrtime.bigint() - t0) / 1e9;
        resolve(n / secs);
      });
  });
}

(async () => {
  let best = 0;
  for (let i = 0; i < 3; i++) best = Math.max(best, await once());
  console.log(`objects_per_s\t${best}`);
})();
