// A write stream: write lines with backpressure (wait for 'drain'), end(), 'finish', then
// 'close'; read the file back to check it.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const dir = fs.mkdtempSync(os.tmpdir() + '/');
const file = path.join(dir, 'out.txt');
const ws = fs.createWriteStream(file);
let i = 0;
let drains = 0;
function writeMore() {
  while (i < 100000) {
    const ok = ws.write(`line ${i++}\n`);
    if (!ok) { drains++; ws.once('drain', writeMore); return; }
  }
  ws.end('done\n');
}
ws.on('finish', () => console.log(`finish: ${i} lines written, waited for drain: ${drains > 0}`));
ws.on('close', () => {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  console.log(`close: file has ${text.length} bytes, last line ${lines[lines.length - 2]}`);
  fs.rmSync(dir, { recursive: true });
});
writeMore();
