// Slices are views: writing through one is visible through the other, and nothing is
// copied until you ask (buffer::from, concat). Prints exactly what this Node snippet prints:
//
//   const buf = Buffer.from('hello world');
//   const hello = buf.subarray(0, 5);
//   hello[0] = 0x4a; // 'J'
//   console.log(buf.toString());
//   const copy = Buffer.from(hello);
//   copy[1] = 0x61; // 'a'
//   console.log(`${hello} ${copy}`);
//   console.log(buf.subarray(-5).toString());
//   const joined = Buffer.concat([hello, Buffer.from(', '), buf.subarray(6)]);
//   console.log(`${joined} (${joined.length} bytes)`);
//   console.log(buf.slice(3, 100).toString(), buf.slice(8, 2).length);
//   console.log(require('util').inspect(buf.subarray(0, 4)));
//   console.log(buf.indexOf('o'), buf.lastIndexOf('o'), buf.includes('world'));
#include <costream/buffer.hpp>

#include <iostream>

int main() {
    using costream::buffer;

    auto buf = buffer::from("hello world");
    auto hello = buf.subarray(0, 5); // shares buf's bytes
    hello[0] = 0x4a;                 // 'J'
    std::cout << buf.to_string() << '\n';
    auto copy = buffer::from(hello); // an independent copy
    copy[1] = 0x61;                  // 'a'
    std::cout << hello.to_string() << ' ' << copy.to_string() << '\n';
    std::cout << buf.subarray(-5).to_string() << '\n';
    const auto joined = buffer::concat({hello, buffer::from(", "), buf.subarray(6)});
    std::cout << joined.to_string() << " (" << joined.length() << " bytes)\n";
    std::cout << buf.slice(3, 100).to_string() << ' ' << buf.slice(8, 2).length() << '\n';
    std::cout << buf.subarray(0, 4).inspect() << '\n';
    std::cout << buf.index_of("o") << ' ' << buf.last_index_of("o") << ' ' << std::boolalpha
              << buf.includes("world") << '\n';
    return 0;
}
