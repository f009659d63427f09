import Foundation

/// One contact an import will create or merge: the rows of the file with the same
/// phone, folded together.
public struct ImportedContact: Sendable, Equatable {
    /// The first row this phone appeared on.
    public let rowNumber: Int
    public var phone: PhoneNumber
    public var name: String?
    public var email: String?
    public var source: String?
    public var stage: String?
    public var temperature: String?
    public var score: Int?
    public var tags: [String]
    /// Unrecognised columns, by their header text.
    public var customFields: [String: String]
    public var note: String?
}

/// A row that was refused, and why.
public struct RowProblem: Error, Sendable, Equatable {
    public let rowNumber: Int
    public let reason: String
}

/// A file's rows as contacts, with what was refused and folded.
public struct ParsedContactFile: Sendable {
    public let contacts: [ImportedContact]
    public let problems: [RowProblem]
    /// Rows folded into an earlier row with the same phone.
    public let mergedWithinFile: Int
    /// Rows with every cell empty (skipped, not failures).
    public let blankRows: Int
    /// Data rows read (the header excluded).
    public let totalRows: Int
}

/// Turns a sheet's rows into contacts: every row all or nothing (one bad value
/// refuses the row), rows with the same phone folded into the first (later rows
/// fill what is still empty).
public enum ContactFileParser {
    static let stages: Set<String> = ["new", "contacted", "qualified", "proposal", "negotiation", "won", "lost"]
    static let temperatures: Set<String> = ["hot", "warm", "cold", "dead"]

    public static func parse(_ sheet: ContactSheet, defaultCountryCode: String) throws(ContactFileError) -> ParsedContactFile {
        let columns = try ContactColumns(header: sheet.header)
        var contacts: [ImportedContact] = []
        var byPhone: [String: Int] = [:]
        var problems: [RowProblem] = []
        var merged = 0
        var blank = 0
        for row in sheet.rows {
            if row.cells.allSatisfy({ $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) {
                blank += 1
                continue
            }
            let contact: ImportedContact
            switch Self.contact(row, columns: columns, defaultCountryCode: defaultCountryCode) {
            case .success(let parsed): contact = parsed
            case .failure(let problem):
                problems.append(problem)
                continue
            }
            if let index = byPhone[contact.phone.e164] {
                contacts[index].fill(from: contact)
                merged += 1
            } else {
                byPhone[contact.phone.e164] = contacts.count
                contacts.append(contact)
            }
        }
        return ParsedContactFile(
            contacts: contacts, problems: problems, mergedWithinFile: merged, blankRows: blank, totalRows: sheet.rows.count)
    }

    static func contact(_ row: SheetRow, columns: ContactColumns, defaultCountryCode: String) -> Result<ImportedContact, RowProblem> {
        func fail(_ reason: String) -> Result<ImportedContact, RowProblem> { .failure(RowProblem(rowNumber: row.number, reason: reason)) }
        if let long = row.cells.first(where: { $0.count > 1_000 }) {
            return fail("a cell has \(long.count) characters; the limit is 1000")
        }
        guard let rawPhone = columns.value(.phone, in: row.cells) else { return fail("no phone number") }
        let phone: PhoneNumber
        do {
            phone = try PhoneNumber(parsing: rawPhone, defaultCountryCode: defaultCountryCode)
        } catch {
            return fail("phone \(error.reason)")
        }
        var name = columns.value(.name, in: row.cells)
        if name == nil {
            let parts = [columns.value(.firstName, in: row.cells), columns.value(.lastName, in: row.cells)].compactMap { $0 }
            name = parts.isEmpty ? nil : parts.joined(separator: " ")
        }
        if let name, name.count > 200 { return fail("name has \(name.count) characters; the limit is 200") }
        var email = columns.value(.email, in: row.cells)?.lowercased()
        if let value = email {
            let parts = value.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
                !value.contains(where: \.isWhitespace), value.count <= 254
            else { return fail("email \"\(value)\" is not valid") }
            email = value
        }
        let stage = columns.value(.stage, in: row.cells)?.lowercased()
        if let stage, !stages.contains(stage) {
            return fail("stage \"\(stage)\" is not one of new, contacted, qualified, proposal, negotiation, won, lost")
        }
        let temperature = columns.value(.temperature, in: row.cells)?.lowercased()
        if let temperature, !temperatures.contains(temperature) {
            return fail("temperature \"\(temperature)\" is not one of hot, warm, cold, dead")
        }
        var score: Int?
        if let raw = columns.value(.score, in: row.cells) {
            let cleaned = raw.hasSuffix(".0") ? String(raw.dropLast(2)) : raw
            guard let value = Int(cleaned), (0...100).contains(value) else { return fail("score \"\(raw)\" is not a whole number from 0 to 100") }
            score = value
        }
        var tags: [String] = []
        for part in (columns.value(.tags, in: row.cells) ?? "").split(whereSeparator: { $0 == "," || $0 == ";" }) {
            let tag = part.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !tag.isEmpty else { continue }
            guard tag.count <= 50 else { return fail("tag \"\(tag.prefix(20))…\" is longer than 50 characters") }
            if !tags.contains(tag) { tags.append(tag) }
        }
        var custom: [String: String] = [:]
        for (index, key) in columns.custom where index < row.cells.count {
            let value = row.cells[index].trimmingCharacters(in: .whitespacesAndNewlines)
            if !value.isEmpty, custom[key] == nil { custom[key] = value }
        }
        let source = columns.value(.source, in: row.cells).map { String($0.prefix(100)) }
        return .success(
            ImportedContact(
                rowNumber: row.number, phone: phone, name: name, email: email, source: source, stage: stage, temperature: temperature,
                score: score, tags: tags, customFields: custom, note: columns.value(.note, in: row.cells)))
    }
}

extension ImportedContact {
    /// Takes what this contact still lacks from a later row with the same phone.
    mutating func fill(from other: ImportedContact) {
        name = name ?? other.name
        email = email ?? other.email
        source = source ?? other.source
        stage = stage ?? other.stage
        temperature = temperature ?? other.temperature
        score = score ?? other.score
        note = note ?? other.note
        for tag in other.tags where !tags.contains(tag) { tags.append(tag) }
        for (key, value) in other.customFields where customFields[key] == nil { customFields[key] = value }
    }
}
