// Node side of benchmarks/stream_bytes.cpp: `total` bytes as `chunk`-byte Buffers (views of
// one Buffer, as the C++ source pushes) through `stages` PassThrough streams (or, with a
// fourth argument `fn`, async generator functions passing each chunk on) to a null Writable,
// joined by pipeline(). Prints "seconds<TAB>t" and "max_rss_kib<TAB>kib".
'use strict';
const { Readable, PassThrough, Writable, pipeline } = require('stream');
const chunk = Number(process.argv[2] || 65536);
const total = Number(process.argv[3] || 2 ** 30);
const stages = Number(process.argv[4] || 0);
const functions = process.argv[5] === 'fn';

const block = Buffer.alloc(chunk, 0x5a);
let left = Math.floor(total / chunk);
const src = new Readable({
  read() {
    while (left > 0) {
      left--;
      if (!this.push(block)) return;
    }
    this.push(null);
  },
});
let bytes = 0;
const sink = new Writable({ write(c, e, cb) { bytes += c.length; cb(); } });
const chain = [src];
for (let i = 0; i < stages; i++) {
  chain.push(functions ? async function* (source) { for await (const c of source) yield c; }
                       : new PassThrough());
}
chain.push(sink);
const t0 = process.hrtime.bigint();
pipeline(...chain, (err) => {
  if (err) throw err;
  if (bytes !== Math.floor(total / chunk) * chunk) throw new Error(`bytes ${bytes}`);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`seconds\t${secs}`);
  console.log(`max_rss_kib\t${process.resourceUsage().maxRSS}`);
});
