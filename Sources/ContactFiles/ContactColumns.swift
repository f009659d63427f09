/// Which columns of a sheet hold which field, from its header.
struct ContactColumns {
    /// Columns by field, in sheet order: when several hold one field, the first
    /// non-empty cell wins.
    private var columns: [ContactField: [Int]] = [:]
    /// Columns no field claims, with the header their values are kept under.
    private(set) var custom: [(index: Int, key: String)] = []
    /// Header text by column, for naming a column in a row's problem.
    private let header: [String]

    init(header: [String]) throws(ContactFileError) {
        self.header = header
        for (index, raw) in header.enumerated() {
            // A custom field's name is a key of the contact's jsonb, which holds no NUL.
            if raw.utf8.contains(0) {
                throw ContactFileError("The header of column \(CellReference.columnName(index)) has a NUL character.")
            }
            let text = raw.trimmed
            if text.isEmpty {
                custom.append((index, Self.unnamed(index)))
            } else if let field = ContactField.aliases[ContactField.key(text)] {
                columns[field, default: []].append(index)
            } else {
                custom.append((index, text))
            }
        }
        guard columns[.phone] != nil else {
            throw ContactFileError("No phone column: expected a header like Phone, Mobile or Contact No.")
        }
    }

    /// The values of the columns no field claims, by header, trimmed; empty cells
    /// left out. Values under no header (an empty header cell, or a row longer
    /// than the header) are kept under "Column H" rather than dropped unseen.
    func customValues(in cells: [String]) -> [String: String] {
        var values: [String: String] = [:]
        for (index, key) in custom where index < cells.count && values[key] == nil {
            let value = cells[index].trimmed
            if !value.isEmpty { values[key] = value }
        }
        for index in header.count..<max(header.count, cells.count) {
            let value = cells[index].trimmed
            if !value.isEmpty { values[Self.unnamed(index)] = value }
        }
        return values
    }

    private static func unnamed(_ index: Int) -> String { "Column \(CellReference.columnName(index))" }

    /// The first non-empty value of `field` in `cells`, trimmed.
    func value(_ field: ContactField, in cells: [String]) -> String? {
        guard let indices = columns[field] else { return nil }
        for index in indices where index < cells.count {
            let value = cells[index].trimmed
            if !value.isEmpty { return value }
        }
        return nil
    }

    /// What to call column `index` in a message: its header, or its letter.
    func name(of index: Int) -> String {
        let text = index < header.count ? header[index].trimmed : ""
        return text.isEmpty ? "column \(CellReference.columnName(index))" : "\"\(text.prefix(50))\""
    }
}
