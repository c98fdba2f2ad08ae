// Encodings tour: one string through every encoding Node's Buffer knows, and back.
// Prints exactly what this Node snippet prints:
//
//   const b = Buffer.from('héllo wörld €');
//   console.log(`length=${b.length} utf8 chars=${b.toString().length}`);
//   console.log(`hex=${b.toString('hex')}`);
//   console.log(`base64=${b.toString('base64')}`);
//   console.log(`base64url=${b.toString('base64url')}`);
//   console.log(`round trip=${Buffer.from(b.toString('base64'), 'base64').toString()}`);
//   console.log(`from hex=${Buffer.from('68656c6c6f', 'hex').toString()}`);
//   console.log(`utf16le=${Buffer.from('hi €', 'utf16le').toString('hex')}`);
//   console.log(`latin1 byte of é=${Buffer.from('é', 'latin1').toString('hex')}`);
//   console.log(`byteLength('€')=${Buffer.byteLength('€')} utf16le=${Buffer.byteLength('€',
//   'utf16le')} base64('aGk=')=${Buffer.byteLength('aGk=', 'base64')}`); console.log(`invalid utf8
//   -> ${JSON.stringify(Buffer.from([0x61, 0xff, 0x62]).toString())}`);
//   console.log(`isEncoding('UTF-8')=${Buffer.isEncoding('UTF-8')}
//   isEncoding('utf16')=${Buffer.isEncoding('utf16')}`); try { Buffer.from('x', 'utf16'); } catch
//   (e) { console.log(`${e.name} [${e.code}]: ${e.message}`); }
#include <costream/buffer.hpp>

#include <iostream>

int main() {
    using costream::buffer;
    using costream::encoding;

    const auto b = buffer::from("héllo wörld €");
    // A JS string's length counts UTF-16 units: to_u16string() is that string.
    std::cout << "length=" << b.length() << " utf8 chars=" << b.to_u16string().size() << '\n';
    std::cout << "hex=" << b.to_string("hex") << '\n';
    std::cout << "base64=" << b.to_string(encoding::base64) << '\n';
    std::cout << "base64url=" << b.to_string("base64url") << '\n';
    std::cout << "round trip=" << buffer::from(b.to_string("base64"), "base64").to_string() << '\n';
    std::cout << "from hex=" << buffer::from("68656c6c6f", "hex").to_string() << '\n';
    std::cout << "utf16le=" << buffer::from("hi €", "utf16le").to_string("hex") << '\n';
    std::cout << "latin1 byte of é=" << buffer::from("é", "latin1").to_string("hex") << '\n';
    std::cout << "byteLength('€')=" << buffer::byte_length("€")
              << " utf16le=" << buffer::byte_length("€", "utf16le")
              << " base64('aGk=')=" << buffer::byte_length("aGk=", "base64") << '\n';
    std::cout << "invalid utf8 -> \"" << buffer::from({0x61, 0xff, 0x62}).to_string() << "\"\n";
    std::cout << std::boolalpha << "isEncoding('UTF-8')=" << buffer::is_encoding("UTF-8")
              << " isEncoding('utf16')=" << buffer::is_encoding("utf16") << '\n';
    try {
        (void)buffer::from("x", "utf16");
    } catch (const costream::type_error& e) {
        std::cout << e.what()
                  << '\n'; // "TypeError [ERR_UNKNOWN_ENCODING]: Unknown encoding: utf16"
    }
    return 0;
}
