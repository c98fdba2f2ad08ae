// fs errors as Node reports them (see errors.cpp); the temp dir is printed as D.
'use strict';
const fs = require('fs');
const os = require('os');
(async () => {
  const dir = fs.mkdtempSync(os.tmpdir() + '/');
  const h = (s) => s.split(dir).join('D');
  try { fs.readFileSync(`${dir}/missing`); } catch (e) { console.log(`sync: ${h(e.message)}`); }
  try { await fs.promises.mkdir(`${dir}/sub`); await fs.promises.mkdir(`${dir}/sub`); }
  catch (e) { console.log(`promise: code=${e.code} syscall=${e.syscall} errno=${e.errno} ${h(e.message)}`); }
  fs.createWriteStream(`${dir}/sub`).on('error', (e) => console.log(`stream: ${h(e.message)}`))
    .on('close', () => fs.rmSync(dir, { recursive: true }));
})();
