// pipeline(): a file read stream, an async generator that upper-cases each chunk, and a
// file write stream; awaited with stream/promises. Then a pipeline whose middle stage
// fails: every stream is destroyed and the error is reported once.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { pipeline } = require('stream/promises');

const dir = fs.mkdtempSync(os.tmpdir() + '/');
const src = path.join(dir, 'in.txt');
const dst = path.join(dir, 'out.txt');
const text = 'the quick brown fox jumps over the lazy dog\n'.repeat(50000);
fs.writeFileSync(src, text);

(async () => {
  await pipeline(
    fs.createReadStream(src),
    async function* (source) {
      for await (const chunk of source) yield Buffer.from(chunk.toString('latin1').toUpperCase(), 'latin1');
    },
    fs.createWriteStream(dst));
  const out = fs.readFileSync(dst, 'latin1');
  console.log(`pipeline done: ${out.length} bytes, upper-cased: ${out === text.toUpperCase()}`);

  const rs = fs.createReadStream(src);
  const ws = fs.createWriteStream(path.join(dir, 'partial.txt'));
  try {
    await pipeline(rs, async function* (source) {
      for await (const chunk of source) { yield chunk; throw new Error('stage failed'); }
    }, ws);
  } catch (e) {
    console.log(`pipeline failed: ${e.message}; source destroyed: ${rs.destroyed}, sink destroyed: ${ws.destroyed}`);
  }
  fs.rmSync(dir, { recursive: true });
})();
