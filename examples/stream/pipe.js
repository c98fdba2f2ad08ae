// pipe(): copy a file through a read stream piped into a write stream; 'finish' on the
// destination, then compare the copy.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const dir = fs.mkdtempSync(os.tmpdir() + '/');
const src = path.join(dir, 'src.bin');
const dst = path.join(dir, 'dst.bin');
const size = 5 * 1024 * 1024 + 123;
const data = Buffer.alloc(size);
for (let i = 0; i < size; i++) data[i] = (i * 13 + (i >> 10)) & 0xff;
fs.writeFileSync(src, data);

const rs = fs.createReadStream(src);
const ws = fs.createWriteStream(dst);
ws.on('pipe', () => console.log('pipe'));
rs.on('end', () => console.log('end'));
ws.on('finish', () => console.log('finish'));
ws.on('close', () => {
  const copy = fs.readFileSync(dst);
  console.log(`close: copied ${copy.length} bytes, identical: ${copy.equals(data)}`);
  fs.rmSync(dir, { recursive: true });
});
rs.pipe(ws);
