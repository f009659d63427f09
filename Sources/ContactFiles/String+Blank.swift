extension Unicode.Scalar {
    /// Whitespace, and the invisible characters that ride along when text is
    /// pasted from web pages and chat apps (zero-width spaces, byte-order marks).
    var isBlank: Bool {
        if value < 0x80 { return value == 0x20 || (0x09...0x0D).contains(value) }  // without a Unicode table lookup
        switch value {
        case 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF: return true
        default: return properties.isWhitespace
        }
    }
}

extension StringProtocol {
    /// Empty, or only whitespace.
    var isBlank: Bool {
        for byte in utf8 {
            if byte >= 0x80 { return unicodeScalars.allSatisfy(\.isBlank) }
            if !Self.isASCIIBlank(byte) { return false }
        }
        return true
    }

    private static func isASCIIBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }
}

extension StringProtocol where UTF8View: BidirectionalCollection {
    /// Without leading and trailing whitespace. Cheap when there is none, which
    /// is almost every cell of a large file.
    var trimmed: String {
        guard let first = utf8.first, let last = utf8.last else { return "" }
        if first < 0x80, last < 0x80, first > 0x20, last > 0x20 { return String(self) }  // ASCII, not blank at either end
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.isBlank }),
            let end = scalars.lastIndex(where: { !$0.isBlank })
        else { return "" }
        return String(self[start...end])
    }
}
