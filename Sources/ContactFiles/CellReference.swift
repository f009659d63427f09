/// Spreadsheet column letters: `C5` is in column index 2.
enum CellReference {
    /// The zero-based column of a reference like `C5` or `AB12`; nil without
    /// letters, or past Excel's last column (XFD).
    static func columnIndex<Bytes: Collection<UInt8>>(_ reference: Bytes) -> Int? {
        var index = 0
        var letters = 0
        for byte in reference {
            let letter: UInt8
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): letter = byte - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): letter = byte - UInt8(ascii: "a")
            case UInt8(ascii: "$"): continue  // absolute reference, "$C$5"
            default: return letters == 0 ? nil : index - 1
            }
            index = index * 26 + Int(letter) + 1
            letters += 1
            if letters > 3 { return nil }
        }
        return letters == 0 ? nil : index - 1
    }

    /// "A" for 0, "AA" for 26.
    static func columnName(_ index: Int) -> String {
        var name = ""
        var rest = index + 1
        while rest > 0 {
            let letter = (rest - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + letter))) + name
            rest = (rest - 1) / 26
        }
        return name
    }
}
