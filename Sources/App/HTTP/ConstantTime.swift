import Crypto
import Foundation

/// Comparisons whose time does not depend on where two secrets differ.
enum ConstantTime {
    /// Compares SHA-256 digests byte by byte without early exit, so neither the
    /// length nor the content of `expected` leaks through timing.
    static func equals(_ presented: String, _ expected: String) -> Bool {
        let a = Array(SHA256.hash(data: Data(presented.utf8)))
        let b = Array(SHA256.hash(data: Data(expected.utf8)))
        var difference: UInt8 = 0
        for index in 0..<a.count { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
