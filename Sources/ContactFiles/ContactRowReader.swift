/// Reads one row into a contact, checking every value; the first bad one
/// refuses the row with a reason that names the value.
struct ContactRowReader {
    static let maximumCellLength = 1_000
    static let maximumNameLength = 200
    /// The database's limit for `contacts.source`.
    static let maximumSourceLength = 100
    static let stages = ["new", "contacted", "qualified", "proposal", "negotiation", "won", "lost"]
    static let temperatures = ["hot", "warm", "cold", "dead"]

    let columns: ContactColumns
    let defaultCountryCode: String

    func contact(from row: SheetRow) throws(RowProblem) -> ImportedContact {
        func problem(_ reason: String) -> RowProblem { RowProblem(rowNumber: row.number, reason: reason) }
        // Counting characters is slow; bytes are never fewer, so only long cells are counted.
        for (index, cell) in row.cells.enumerated() where cell.utf8.count > Self.maximumCellLength {
            let length = cell.count
            if length > Self.maximumCellLength {
                throw problem("\(columns.name(of: index)) has \(length) characters; the limit is \(Self.maximumCellLength)")
            }
        }
        // PostgreSQL stores no NUL in text or jsonb: a cell with one (a CSV past the
        // first bytes checked for them, or an .xlsx `_x0000_`) would fail the import.
        if let index = row.cells.firstIndex(where: { $0.utf8.contains(0) }) {
            throw problem("\(columns.name(of: index)) has a NUL character")
        }
        guard let rawPhone = columns.value(.phone, in: row.cells) else { throw problem("no phone number") }
        let phone: PhoneNumber
        do {
            phone = try PhoneNumber(parsing: rawPhone, defaultCountryCode: defaultCountryCode)
        } catch {
            throw problem("phone \(Self.quoted(rawPhone)) \(error.reason)")
        }
        var name = columns.value(.name, in: row.cells)
        if name == nil {
            let parts = [columns.value(.firstName, in: row.cells), columns.value(.lastName, in: row.cells)].compactMap { $0 }
            name = parts.isEmpty ? nil : parts.joined(separator: " ")
        }
        if let name, name.utf8.count > Self.maximumNameLength, name.count > Self.maximumNameLength {
            throw problem("name has \(name.count) characters; the limit is \(Self.maximumNameLength)")
        }
        var email: String?
        if let raw = columns.value(.email, in: row.cells) {
            guard let address = EmailAddress.normalized(raw) else { throw problem("email \(Self.quoted(raw)) is not valid") }
            email = address
        }
        let source = columns.value(.source, in: row.cells)
        if let source, source.utf8.count > Self.maximumSourceLength, source.count > Self.maximumSourceLength {
            throw problem("source has \(source.count) characters; the limit is \(Self.maximumSourceLength)")
        }
        let stage = try columns.value(.stage, in: row.cells).map { raw throws(RowProblem) in
            try Self.choice(raw, of: Self.stages, field: "stage", problem: problem)
        }
        let temperature = try columns.value(.temperature, in: row.cells).map { raw throws(RowProblem) in
            try Self.choice(raw, of: Self.temperatures, field: "temperature", problem: problem)
        }
        var score: Int?
        if let raw = columns.value(.score, in: row.cells) {
            guard let number = SpreadsheetNumber(raw.utf8), let whole = number.wholeDigits(maximumDigits: 3), let value = Int(whole),
                (0...100).contains(value)
            else { throw problem("score \(Self.quoted(raw)) is not a whole number from 0 to 100") }
            score = value
        }
        let tags: [String]
        do {
            tags = try Tags.parse(columns.value(.tags, in: row.cells) ?? "")
        } catch {
            throw problem(error.reason)
        }
        return ImportedContact(
            rowNumber: row.number, phone: phone, name: name, email: email, source: source, stage: stage, temperature: temperature,
            score: score, tags: tags, customFields: columns.customValues(in: row.cells), note: columns.value(.note, in: row.cells))
    }

    /// `raw`, lowercased, if it is one of `choices`.
    private static func choice(
        _ raw: String, of choices: [String], field: String, problem: (String) -> RowProblem
    ) throws(RowProblem) -> String {
        let value = raw.lowercased()
        guard choices.contains(value) else {
            throw problem("\(field) \(quoted(raw)) is not one of \(choices.joined(separator: ", "))")
        }
        return value
    }

    /// A value quoted for a message, cut short if long.
    static func quoted(_ value: String) -> String {
        value.count > 40 ? "\"\(value.prefix(40))…\"" : "\"\(value)\""
    }
}
