// Timers fire by due time, then creation order; 0, 1 and negative delays all mean 1 ms.
setTimeout(() => console.log('t100'), 100);
setTimeout(() => console.log('t50 a'), 50);
setTimeout(() => console.log('t0 a'), 0);
setTimeout(() => console.log('t1'), 1);
setTimeout(() => console.log('t0 b'), 0);
setTimeout(() => console.log('t-5'), -5);
setTimeout(() => console.log('t50 b'), 50);
setTimeout((a, b) => console.log(`t25 ${a} ${b}`), 25, 'x', 'y');
const never = setTimeout(() => console.log('never'), 2);
clearTimeout(never);
console.log('sync end');
