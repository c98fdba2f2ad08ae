// fs.readFile of a file vs reading it as a stream (see read_file_vs_stream.cpp).
'use strict';
const fs = require('fs');
const os = require('os');
const dir = fs.mkdtempSync(os.tmpdir() + '/');
const file = dir + '/data.bin';
const data = Buffer.alloc(5 * 1024 * 1024 + 7);
for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 9)) & 0xff;
fs.writeFileSync(file, data);
const add = (s, b) => { for (const c of b) s = (s * 31 + c) % 1000000007; return s; };
(async () => {
  const all = await fs.promises.readFile(file);
  const whole = add(0, all);
  console.log(`readFile: ${all.length} bytes, sum ${whole}`);
  let chunks = 0, bytes = 0, s = 0, largest = 0;
  for await (const c of fs.createReadStream(file)) {
    chunks++; bytes += c.length; largest = Math.max(largest, c.length); s = add(s, c);
  }
  console.log(`stream: ${chunks} chunks, ${bytes} bytes, sum ${s}, largest chunk ${largest}`);
  console.log(`same bytes: ${s === whole}`);
  fs.rmSync(dir, { recursive: true });
})();
