import Testing

@testable import ContactFiles

@Suite("Header names")
struct HeaderAliasTests {
    @Test(
        "each field's header names are matched without case, spaces or punctuation",
        arguments: [
            ("Name", "Phone"), ("Full Name", "Mobile"), ("Customer Name", "Contact No."), ("lead_name", "MOBILE NUMBER"),
            ("Contact Name", "Contact Number"), ("Client Name", "Phone Number"), (" NAME ", "Mobile No"), ("name:", "Cell"),
            ("Name", "WhatsApp"), ("Name", "WhatsApp Number"), ("Name", "Ph. No"), ("Name", "Tel"), ("Name", "Telephone"),
        ])
    func nameAndPhone(_ name: String, _ phone: String) throws {
        let parsed = try parseCSV("\(name),\(phone)\nAsha,98765 43210\n")
        #expect(parsed.contacts.first?.name == "Asha", "\(name)")
        #expect(parsed.contacts.first?.phone.e164 == "+919876543210", "\(phone)")
    }

    @Test("the other fields' header names")
    func otherFields() throws {
        let headers = [
            ("Email", "E-mail", "Email Address", "Mail"), ("Source", "Lead Source", "Source", "Source"),
            ("Stage", "Status", "Lead Stage", "Stage"), ("Temperature", "Temp", "Lead Temperature", "Temperature"),
            ("Score", "Lead Score", "Score", "Score"), ("Tags", "Tag", "Labels", "Tags"), ("Notes", "Note", "Remarks", "Comments"),
        ]
        for variant in 0..<4 {
            let names = headers.map { [$0.0, $0.1, $0.2, $0.3][variant] }
            let parsed = try parseCSV(
                "Phone,\(names.joined(separator: ","))\n9876543210,a@b.co,Expo,Won,Hot,70,vip,Call back\n")
            let contact = try #require(parsed.contacts.first, "\(names)")
            #expect(contact.email == "a@b.co", "\(names)")
            #expect(contact.source == "Expo")
            #expect(contact.stage == "won")
            #expect(contact.temperature == "hot")
            #expect(contact.score == 70)
            #expect(contact.tags == ["vip"])
            #expect(contact.note == "Call back")
            #expect(contact.customFields.isEmpty, "\(names)")
        }
    }

    @Test("First Name and Last Name make the name when there is no name column")
    func firstAndLast() throws {
        let parsed = try parseCSV("First Name,Last Name,Phone\nAsha,Rao,9876543210\nRavi,,9123456789\n")
        #expect(parsed.contacts.map(\.name) == ["Asha Rao", "Ravi"])
        let both = try parseCSV("Name,First Name,Last Name,Phone\nA. Rao,Asha,Rao,9876543210\n")
        #expect(both.contacts.first?.name == "A. Rao")
    }

    @Test("unrecognised columns become custom fields under their trimmed header; empty cells are left out")
    func customFields() throws {
        let parsed = try parseCSV(" City ,Phone,Budget (₹),,Priority\nPune,9876543210,,x,High\n")
        #expect(parsed.contacts.first?.customFields == ["City": "Pune", "Column D": "x", "Priority": "High"])
    }

    @Test("two columns for one field: the first non-empty cell wins")
    func duplicateColumns() throws {
        let parsed = try parseCSV("Mobile,Phone,Email,E-mail\n,9876543210,,b@x.co\n9123456789,9876543210,a@x.co,b@x.co\n")
        #expect(parsed.contacts.map(\.phone.e164) == ["+919876543210", "+919123456789"])
        #expect(parsed.contacts.map(\.email) == ["b@x.co", "a@x.co"])
    }

    @Test("a header without a phone column refuses the file")
    func noPhoneColumn() {
        #expect(throws: ContactFileError("No phone column: expected a header like Phone, Mobile or Contact No.")) {
            try parseCSV("Name,City\nAsha,Pune\n")
        }
    }
}
