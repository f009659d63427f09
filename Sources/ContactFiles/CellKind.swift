/// A worksheet cell's `t` attribute, reduced to how its value is read.
enum CellKind {
    /// `s`: an index into the shared strings.
    case shared
    /// `b`: 1 or 0.
    case boolean
    /// `n` or no `t`: a number, perhaps a date by its style.
    case number
    /// `inlineStr`, `str` (a formula's text), `e` (an error like #N/A), `d` (an
    /// ISO 8601 date): the text as it is.
    case text

    init(_ type: UnsafeBufferPointer<UInt8>) {
        switch type.count == 1 ? type[0] : 0 {
        case UInt8(ascii: "s"): self = .shared
        case UInt8(ascii: "b"): self = .boolean
        case UInt8(ascii: "n"): self = .number
        default: self = .text
        }
    }

    /// Whether Excel's `_xHHHH_` escapes apply to the value.
    var isText: Bool { self == .text }
}
