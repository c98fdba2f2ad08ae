// A file write stream with backpressure from an async function (see write_stream.cpp).
'use strict';
const fs = require('fs');
const os = require('os');
const { once } = require('events');
(async () => {
  const dir = fs.mkdtempSync(os.tmpdir() + '/');
  const file = dir + '/records.txt';
  const ws = fs.createWriteStream(file);
  ws.on('open', () => console.log('open'));
  ws.on('ready', () => console.log('ready'));
  ws.on('finish', () => console.log('finish'));
  ws.on('close', () => console.log(`close: bytesWritten=${ws.bytesWritten}`));
  for (let i = 0; i < 50000; i++) if (!ws.write(`record ${i}\n`)) await once(ws, 'drain');
  ws.end();
  await once(ws, 'close');
  console.log(`file: ${fs.statSync(file).size} bytes`);
  fs.rmSync(dir, { recursive: true });
})();
