extension Collection<UInt8> {
    /// The non-negative decimal integer these ASCII digits spell, without
    /// making a String; nil for anything else or more than 18 digits.
    var asciiInteger: Int? {
        guard !isEmpty, count <= 18 else { return nil }
        var result = 0
        for byte in self {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            result = result * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return result
    }
}
