// The classic ordering puzzle. The busy wait makes the 1 ms timer due before the loop
// starts, so 'Timeout' deterministically comes before 'Immediate'.
console.log('Start');
setTimeout(() => console.log('Timeout'), 0);
setImmediate(() => console.log('Immediate'));
Promise.resolve().then(() => console.log('Promise'));
process.nextTick(() => console.log('nextTick'));
const until = Date.now() + 20;
while (Date.now() < until) { /* busy wait */ }
console.log('End');
