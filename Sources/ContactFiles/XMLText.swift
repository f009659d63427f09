/// Character data of a worksheet or shared-strings part, decoded: XML's entity
/// and character references, and Excel's own `_xHHHH_` escapes for characters
/// XML cannot carry (`_x000D_` is a carriage return).
enum XMLText {
    /// Appends the decoded text of `bytes[range]` to `output`.
    static func append(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, to output: inout [UInt8], excelEscapes: Bool) {
        var index = range.lowerBound
        var runStart = index
        while index < range.upperBound {
            let byte = bytes[index]
            if byte == UInt8(ascii: "&"), let (scalar, length) = reference(bytes, at: index, end: range.upperBound) {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                output.append(contentsOf: String(scalar).utf8)
                index += length
                runStart = index
            } else if excelEscapes, byte == UInt8(ascii: "_"), let scalar = excelEscape(bytes, at: index, end: range.upperBound) {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                output.append(contentsOf: String(scalar).utf8)
                index += 7
                runStart = index
            } else {
                index += 1
            }
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<range.upperBound]))
    }

    /// `&amp;`, `&#10;`, `&#x1F600;`: the character and the reference's length.
    private static func reference(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int, end: Int) -> (Unicode.Scalar, Int)? {
        var index = start + 1
        while index < end, index - start < 12, bytes[index] != UInt8(ascii: ";") { index += 1 }
        guard index < end, bytes[index] == UInt8(ascii: ";") else { return nil }
        let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[(start + 1)..<index]), as: UTF8.self)
        let length = index - start + 1
        switch name {
        case "amp": return ("&", length)
        case "lt": return ("<", length)
        case "gt": return (">", length)
        case "quot": return ("\"", length)
        case "apos": return ("'", length)
        default:
            let value: UInt32?
            if name.hasPrefix("#x") || name.hasPrefix("#X") {
                value = UInt32(name.dropFirst(2), radix: 16)
            } else if name.hasPrefix("#") {
                value = UInt32(name.dropFirst(), radix: 10)
            } else {
                value = nil
            }
            return value.flatMap(Unicode.Scalar.init).map { ($0, length) }
        }
    }

    /// `_x000D_`: the character it stands for.
    private static func excelEscape(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int, end: Int) -> Unicode.Scalar? {
        guard start + 7 <= end, bytes[start + 1] == UInt8(ascii: "x"), bytes[start + 6] == UInt8(ascii: "_") else { return nil }
        let hex = String(decoding: UnsafeBufferPointer(rebasing: bytes[(start + 2)..<(start + 6)]), as: UTF8.self)
        return UInt32(hex, radix: 16).flatMap(Unicode.Scalar.init)
    }
}
