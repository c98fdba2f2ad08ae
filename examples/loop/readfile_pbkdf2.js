// fs.readFile and crypto.pbkdf2 both run on the thread pool; their callbacks come after all
// synchronous code, in an order that is not deterministic, so the results print sorted.
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const dir = fs.mkdtempSync(os.tmpdir() + '/');
const file = path.join(dir, 'data.txt');
fs.writeFileSync(file, 'hello costream\n');
let syncDone = false;
const results = [];
function done(line) {
  results.push(line);
  if (results.length === 2) {
    results.sort().forEach((l) => console.log(l));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
console.log('sync start');
fs.readFile(file, 'utf8', (err, data) => {
  done(`readFile: afterSync=${syncDone} data=${JSON.stringify(data)}`);
});
crypto.pbkdf2('password', 'salt', 1000, 16, 'sha256', (err, key) => {
  done(`pbkdf2: afterSync=${syncDone} key=${key.toString('hex')}`);
});
console.log('sync end');
syncDone = true;
