/// Email addresses as an import accepts them: lowercased, one "@", something
/// before it, and a domain of dot-separated labels ending in a top-level domain
/// of two or more letters. Deliberately looser than RFC 5322 (no quoted local
/// parts, no IP literals), which no contact list needs. Checked on UTF-8 bytes:
/// it runs for every row of a large import.
enum EmailAddress {
    static let maximumLength = 254

    /// The address lowercased, or nil when it is not one.
    static func normalized(_ raw: String) -> String? {
        var address = raw.lowercased()
        if address.hasPrefix("mailto:") { address.removeFirst(7) }
        let bytes = Array(address.utf8)
        guard bytes.count <= maximumLength, let at = bytes.firstIndex(of: UInt8(ascii: "@")),
            bytes.lastIndex(of: UInt8(ascii: "@")) == at
        else { return nil }
        let local = bytes[..<at], domain = bytes[(at + 1)...]
        guard (1...64).contains(local.count), local.first != dot, local.last != dot, local.allSatisfy(isLocalByte) else { return nil }
        for (first, second) in zip(local, local.dropFirst()) where first == dot && second == dot { return nil }
        let labels = domain.split(separator: dot, omittingEmptySubsequences: false)
        guard labels.count >= 2, let top = labels.last, top.count >= 2, top.allSatisfy({ $0 >= 0x80 || isLetter($0) }) else {
            return nil
        }
        for label in labels {
            guard (1...63).contains(label.count), label.first != hyphen, label.last != hyphen,
                label.allSatisfy({ $0 >= 0x80 || isLetter($0) || isDigit($0) || $0 == hyphen })
            else { return nil }
        }
        // Non-ASCII is allowed (internationalised addresses), but not invisible or spacing characters.
        if bytes.contains(where: { $0 >= 0x80 }),
            address.unicodeScalars.contains(where: { $0.isBlank || $0.properties.generalCategory == .format })
        {
            return nil
        }
        return address
    }

    private static let dot = UInt8(ascii: "."), hyphen = UInt8(ascii: "-")

    /// What may stand before the "@": anything printable but spaces and the
    /// characters that separate addresses in a list.
    private static func isLocalByte(_ byte: UInt8) -> Bool {
        if byte >= 0x80 { return true }
        switch byte {
        case 0...0x20, 0x7F: return false
        case UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "("),
            UInt8(ascii: ")"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "\\"), UInt8(ascii: "\""):
            return false
        default: return true
        }
    }

    private static func isLetter(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
