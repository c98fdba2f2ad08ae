// Node side of examples/demo/gzip_demo.cpp: the same work, so the demo can print the two
// side by side. node gzip_demo.js <log> <out.gz>
// gzip the file through pipeline(createReadStream, createGzip, createWriteStream), then
// verify: gunzip it back, comparing size and sha256 with the original's.
'use strict';
const fs = require('fs');
const zlib = require('zlib');
const crypto = require('crypto');
const { pipeline } = require('stream/promises');
const { Transform } = require('stream');

const [log, gz] = process.argv.slice(2);

async function sha256Of(...stages) {
  const h = crypto.createHash('sha256');
  let bytes = 0;
  const count = new Transform({ transform(chunk, enc, cb) { bytes += chunk.length; cb(null, chunk); } });
  let digest = '';
  h.on('data', (d) => { digest = d.toString('hex'); });
  await pipeline(...stages, count, h);
  return { bytes, digest };
}

(async () => {
  const t0 = process.hrtime.bigint();
  await pipeline(fs.createReadStream(log), zlib.createGzip(), fs.createWriteStream(gz));
  const t1 = process.hrtime.bigint();
  const orig = await sha256Of(fs.createReadStream(log));
  const back = await sha256Of(fs.createReadStream(gz), zlib.createGunzip());
  const t2 = process.hrtime.bigint();
  if (orig.bytes !== back.bytes || orig.digest !== back.digest) {
    console.error('node: round trip differs');
    process.exit(1);
  }
  console.log(`gzip_s\t${Number(t1 - t0) / 1e9}`);
  console.log(`total_s\t${Number(t2 - t0) / 1e9}`);
})();
