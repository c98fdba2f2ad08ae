// Node side of benchmarks/zlib.cpp.
//   node zlib.js gzip <in> <out> <level> [buf]   -> gzip_mbps, lag_p99_ms (setInterval 10 ms
//                                                   lateness)
//   node zlib.js gunzip <in.gz> <out> <raw-bytes> [buf] -> gunzip_mbps
//   (buf: zlib chunkSize and write stream highWaterMark, e.g. 65536; default: Node's defaults)
//   node zlib.js oneshot <in> <bytes> <level> -> oneshot_mbps: zlib.gzip() of the file's first
//                                              <bytes>, read into memory first
//   node zlib.js rss <bytes>                -> streams <bytes> of generated log text through
//                                              createGzip({level: 1}) into /dev/null
// Prints "name<TAB>value" lines (benchmarks/bench.hpp run_node()).
'use strict';
const fs = require('fs');
const zlib = require('zlib');
const { Readable } = require('stream');
const { pipeline } = require('stream/promises');

const [mode, a, b, c, d] = process.argv.slice(2);
const zopts = d ? { chunkSize: Number(d) } : {};
const wopts = d ? { highWaterMark: Number(d) } : {};

function lagProbe() {
  const lags = [];
  let last = performance.now();
  const t = setInterval(() => {
    const now = performance.now();
    lags.push(Math.max(0, now - last - 10));
    last = now;
  }, 10);
  return {
    stop() {
      clearInterval(t);
      lags.sort((x, y) => x - y);
      return lags.length ? lags[Math.min(lags.length - 1, Math.round(0.99 * (lags.length - 1)))] : 0;
    },
  };
}

(async () => {
  if (mode === 'gzip') {
    const bytes = fs.statSync(a).size;
    const probe = lagProbe();
    const t0 = process.hrtime.bigint();
    await pipeline(fs.createReadStream(a), zlib.createGzip({ level: Number(c), ...zopts }), fs.createWriteStream(b, wopts));
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const p99 = probe.stop();
    console.log(`gzip_mbps\t${bytes / 1e6 / s}`);
    console.log(`lag_p99_ms\t${p99}`);
  } else if (mode === 'gunzip') {
    const t0 = process.hrtime.bigint();
    await pipeline(fs.createReadStream(a), zlib.createGunzip(zopts), fs.createWriteStream(b, wopts));
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(`gunzip_mbps\t${Number(c) / 1e6 / s}`);
  } else if (mode === 'oneshot') {
    const n = Number(b);
    const fd = fs.openSync(a, 'r');
    const buf = Buffer.allocUnsafe(n);
    if (fs.readSync(fd, buf, 0, n, 0) !== n) throw new Error('short read');
    fs.closeSync(fd);
    const t0 = process.hrtime.bigint();
    await new Promise((resolve, reject) =>
      zlib.gzip(buf, { level: Number(c) }, (err, out) => (err ? reject(err) : resolve(out))));
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(`oneshot_mbps\t${n / 1e6 / s}`);
  } else if (mode === 'rss') {
    const total = Number(a);
    // 1 MiB of log-like lines, sent again and again (slices: no copy).
    let text = '';
    for (let i = 0; text.length < 1 << 20; i++)
      text += `1763820${i % 1000}.123 INFO  [worker-${i % 8}] GET /api/v1/items/${(i * 7919) % 100000} 200 ${(i * 31) % 65536}B 1.${i % 10}ms req=${(i * 2654435761 >>> 0).toString(16)}\n`;
    const block = Buffer.from(text).subarray(0, 1 << 20);
    let sent = 0;
    const src = new Readable({
      read() {
        if (sent >= total) return this.push(null);
        const n = Math.min(65536, total - sent);
        const off = sent % block.length;
        this.push(block.subarray(off, Math.min(block.length, off + n)));
        sent += Math.min(n, block.length - off);
      },
    });
    await pipeline(src, zlib.createGzip({ level: 1 }), fs.createWriteStream('/dev/null'));
    console.log(`done\t1`);
  }
})();
