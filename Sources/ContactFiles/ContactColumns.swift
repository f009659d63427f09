/// What each column of an import holds, from header names as people write them:
/// compared without case, spaces or punctuation ("Contact No." is "contactno").
struct ContactColumns {
    enum Field: Hashable {
        case name, firstName, lastName, phone, email, source, stage, temperature, score, tags, note
    }

    /// Columns by field (several columns may hold one field: the first non-empty wins).
    private(set) var columns: [Field: [Int]] = [:]
    /// Columns no field claims: their values become custom fields under the header text.
    private(set) var custom: [(index: Int, key: String)] = []

    static let aliases: [String: Field] = {
        var aliases: [String: Field] = [:]
        func add(_ field: Field, _ names: [String]) { for name in names { aliases[key(name)] = field } }
        add(.name, ["Name", "Full Name", "Customer Name", "Lead Name", "Contact Name", "Client Name", "Contact Person"])
        add(.firstName, ["First Name", "Given Name", "FirstName"])
        add(.lastName, ["Last Name", "Surname", "Family Name", "LastName"])
        add(
            .phone,
            [
                "Phone", "Mobile", "Contact No", "Contact Number", "Phone Number", "Phone No", "Mobile No", "Mobile Number",
                "Cell", "Cell Phone", "WhatsApp", "WhatsApp Number", "WhatsApp No", "Ph No", "Tel", "Telephone", "Contact",
            ])
        add(.email, ["Email", "E-mail", "Email Address", "E-mail Address", "Mail", "Email ID", "Mail ID"])
        add(.source, ["Source", "Lead Source"])
        add(.stage, ["Stage", "Status", "Lead Stage", "Lead Status"])
        add(.temperature, ["Temperature", "Temp", "Lead Temperature"])
        add(.score, ["Score", "Lead Score"])
        add(.tags, ["Tags", "Tag", "Labels", "Label"])
        add(.note, ["Notes", "Note", "Remarks", "Remark", "Comments", "Comment"])
        return aliases
    }()

    static func key(_ header: String) -> String {
        String(header.lowercased().unicodeScalars.filter { $0.properties.isAlphabetic || ("0"..."9").contains($0) }.map(Character.init))
    }

    init(header: [String]) throws(ContactFileError) {
        for (index, raw) in header.enumerated() {
            let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { continue }
            if let field = Self.aliases[Self.key(text)] {
                columns[field, default: []].append(index)
            } else {
                custom.append((index, String(text.prefix(100))))
            }
        }
        guard columns[.phone] != nil else {
            throw ContactFileError("No phone column: expected a header like Phone, Mobile or Contact No.")
        }
    }

    /// The first non-empty value of `field` in `cells`, trimmed.
    func value(_ field: Field, in cells: [String]) -> String? {
        for index in columns[field] ?? [] where index < cells.count {
            let value = cells[index].trimmingCharacters(in: .whitespacesAndNewlines)
            if !value.isEmpty { return value }
        }
        return nil
    }
}
