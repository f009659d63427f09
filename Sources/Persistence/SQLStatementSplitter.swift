/// Splits a SQL script into single statements.
///
/// PostgresNIO speaks only the extended query protocol, which takes one statement at
/// a time, so migration files are split on top-level semicolons. Quoted text
/// ('...', "..."), dollar-quoted bodies ($$...$$, $tag$...$tag$) and comments are
/// respected, so a semicolon inside a function body does not split it.
enum SQLStatementSplitter {
    static func split(_ script: String) -> [String] {
        let characters = Array(script.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var index = 0

        func flush() {
            let statement = String(current).trimmingWhitespace()
            if !statement.isEmpty { statements.append(statement) }
            current = String.UnicodeScalarView()
        }
        func copy(until end: Int) {
            current.append(contentsOf: characters[index..<min(end, characters.count)])
            index = min(end, characters.count)
        }
        func find(_ needle: [Unicode.Scalar], from start: Int) -> Int? {
            guard needle.count <= characters.count else { return nil }
            var position = start
            while position + needle.count <= characters.count {
                if Array(characters[position..<position + needle.count]) == needle { return position }
                position += 1
            }
            return nil
        }

        while index < characters.count {
            let scalar = characters[index]
            let next = index + 1 < characters.count ? characters[index + 1] : nil
            switch scalar {
            case "-" where next == "-":
                let end = find(["\n"], from: index) ?? characters.count
                index = end  // drop line comments
            case "/" where next == "*":
                let end = (find(["*", "/"], from: index + 2) ?? characters.count - 2) + 2
                index = end  // drop block comments
            case "'", "\"":
                var position = index + 1
                while position < characters.count {
                    if characters[position] == scalar {
                        // a doubled quote is an escaped quote
                        if position + 1 < characters.count, characters[position + 1] == scalar {
                            position += 2
                            continue
                        }
                        break
                    }
                    position += 1
                }
                copy(until: position + 1)
            case "$":
                if let tag = dollarTag(in: characters, at: index),
                    let close = find(tag, from: index + tag.count)
                {
                    copy(until: close + tag.count)
                } else {
                    copy(until: index + 1)
                }
            case ";":
                index += 1
                flush()
            default:
                copy(until: index + 1)
            }
        }
        flush()
        return statements
    }

    /// The `$tag$` opening at `index`, if one starts there.
    private static func dollarTag(in characters: [Unicode.Scalar], at index: Int) -> [Unicode.Scalar]? {
        var position = index + 1
        while position < characters.count {
            let scalar = characters[position]
            if scalar == "$" { return Array(characters[index...position]) }
            guard scalar == "_" || scalar.properties.isAlphabetic || (position > index + 1 && ("0"..."9").contains(scalar))
            else { return nil }
            position += 1
        }
        return nil
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
