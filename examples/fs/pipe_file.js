// Copy a file with pipe(), then with pipeline() (see pipe_file.cpp).
'use strict';
const fs = require('fs');
const os = require('os');
const stream = require('stream');
const dir = fs.mkdtempSync(os.tmpdir() + '/');
const src = dir + '/src.bin', dst = dir + '/dst.bin', dst2 = dir + '/dst2.bin';
const data = Buffer.alloc(5 * 1024 * 1024 + 123);
for (let i = 0; i < data.length; i++) data[i] = (i * 13 + (i >> 10)) & 0xff;
fs.writeFileSync(src, data);
const same = (p) => fs.readFileSync(p).equals(data);
const rs = fs.createReadStream(src), ws = fs.createWriteStream(dst);
ws.on('pipe', () => console.log('pipe'));
rs.on('end', () => console.log('end'));
ws.on('finish', () => console.log('finish'));
ws.on('close', () => {
  console.log(`close: copied ${fs.statSync(dst).size} bytes, identical: ${same(dst)}`);
  stream.pipeline(fs.createReadStream(dst), fs.createWriteStream(dst2), (err) => {
    console.log(`pipeline: err=${err}, identical: ${same(dst2)}`);
    fs.rmSync(dir, { recursive: true });
  });
});
rs.pipe(ws);
