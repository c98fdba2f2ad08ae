// Read a large file in chunks with 'data' and 'end' (fs.createReadStream, 64 KiB chunks).
// Writes an 8 MiB file of a known pattern to a temp dir first, then removes it.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const dir = fs.mkdtempSync(os.tmpdir() + '/');
const file = path.join(dir, 'big.bin');
const size = 8 * 1024 * 1024;
const data = Buffer.alloc(size);
for (let i = 0; i < size; i++) data[i] = (i * 31 + (i >> 12)) & 0xff;
fs.writeFileSync(file, data);

let chunks = 0;
let bytes = 0;
let sum = 0;
const sizes = new Set();
fs.createReadStream(file, { highWaterMark: 64 * 1024 })
  .on('data', (chunk) => {
    chunks++;
    bytes += chunk.length;
    sizes.add(chunk.length);
    for (let i = 0; i < chunk.length; i++) sum = (sum + chunk[i]) % 1000000007;
  })
  .on('end', () => {
    console.log(`end: ${chunks} chunks, ${bytes} bytes, chunk sizes ${[...sizes].join(',')}, sum ${sum}`);
  })
  .on('close', () => {
    console.log('close');
    fs.rmSync(dir, { recursive: true });
  });
