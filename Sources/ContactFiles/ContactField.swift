/// What a column of an import holds, told from its header as people write it.
enum ContactField: Hashable, Sendable {
    case name, firstName, lastName, phone, email, source, stage, temperature, score, tags, note

    /// Headers by ``key(_:)``. Besides the usual names, the headers of Google
    /// Contacts' and Outlook's CSV exports, which people upload as they are.
    static let aliases: [String: ContactField] = {
        var aliases: [String: ContactField] = [:]
        func add(_ field: ContactField, _ headers: [String]) {
            for header in headers { aliases[key(header)] = field }
        }
        add(.name, ["Name", "Full Name", "Customer Name", "Lead Name", "Contact Name", "Client Name", "Contact Person"])
        add(.firstName, ["First Name", "Given Name"])
        add(.lastName, ["Last Name", "Surname", "Family Name"])
        add(
            .phone,
            [
                "Phone", "Mobile", "Contact No", "Contact Number", "Phone Number", "Phone No", "Mobile No", "Mobile Number",
                "Mobile Phone", "Cell", "Cell Phone", "WhatsApp", "WhatsApp Number", "WhatsApp No", "Ph No", "Tel", "Telephone",
                "Primary Phone", "Phone 1 - Value",
            ])
        add(.email, ["Email", "E-mail", "Email Address", "E-mail Address", "Mail", "Email ID", "E-mail 1 - Value"])
        add(.source, ["Source", "Lead Source"])
        add(.stage, ["Stage", "Status", "Lead Stage", "Lead Status"])
        add(.temperature, ["Temperature", "Temp", "Lead Temperature"])
        add(.score, ["Score", "Lead Score"])
        add(.tags, ["Tags", "Tag", "Labels"])
        add(.note, ["Notes", "Note", "Remarks", "Comments"])
        return aliases
    }()

    /// A header compared without case, spaces or punctuation: "Contact No." and
    /// "contact_no" are both "contactno".
    static func key(_ header: String) -> String {
        var key = ""
        for scalar in header.lowercased().unicodeScalars where scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
            key.unicodeScalars.append(scalar)
        }
        return key
    }
}
