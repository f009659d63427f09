/// A tags cell: tags split on commas or semicolons, trimmed, each 1 to 50
/// characters (the database's limit), no two alike ignoring case.
enum Tags {
    static let maximumLength = 50

    struct Problem: Error {
        let reason: String
    }

    static func parse(_ cell: String) throws(Problem) -> [String] {
        guard !cell.isEmpty else { return [] }
        var tags: [String] = []
        var start = cell.startIndex
        var index = cell.startIndex
        let utf8 = cell.utf8
        while true {
            let atEnd = index == utf8.endIndex
            if atEnd || utf8[index] == UInt8(ascii: ",") || utf8[index] == UInt8(ascii: ";") {
                let tag = cell[start..<index].trimmed
                if !tag.isEmpty {
                    guard tag.utf8.count <= maximumLength || tag.count <= maximumLength else {
                        throw Problem(reason: "tag \(ContactRowReader.quoted(tag)) is longer than \(maximumLength) characters")
                    }
                    tags = union(tags, [tag])
                }
                if atEnd { return tags }
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
    }

    /// `first`, then the tags of `second` it lacks (ignoring case). Lists are
    /// short, so a linear search beats hashing.
    static func union(_ first: [String], _ second: [String]) -> [String] {
        var result = first
        var seen = first.map { $0.lowercased() }
        for tag in second {
            let key = tag.lowercased()
            if !seen.contains(key) {
                seen.append(key)
                result.append(tag)
            }
        }
        return result
    }
}
