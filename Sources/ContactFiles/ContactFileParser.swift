/// Turns a sheet's rows into contacts. Each row is all or nothing: one bad value
/// refuses the whole row, reported with its row number. Rows with the same phone
/// fold into the first; later ones only fill what is still empty.
public enum ContactFileParser {
    /// Throws ``ContactFileError`` when the header has no phone column.
    public static func parse(_ sheet: ContactSheet, defaultCountryCode: String) throws(ContactFileError) -> ParsedContactFile {
        let reader = ContactRowReader(columns: try ContactColumns(header: sheet.header), defaultCountryCode: defaultCountryCode)
        var contacts: [ImportedContact] = []
        var byPhone: [String: Int] = [:]
        var problems: [RowProblem] = []
        var merged = 0
        var blank = 0
        for row in sheet.rows {
            if row.cells.allSatisfy(\.isBlank) {
                blank += 1
                continue
            }
            let contact: ImportedContact
            do {
                contact = try reader.contact(from: row)
            } catch {
                problems.append(error)
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
}
