import Testing

@testable import ContactFiles

@Suite("Rows with the same phone")
struct MergeTests {
    @Test("later rows only fill what the first left empty; tags and custom fields are unioned")
    func fillOnlyEmpty() throws {
        let parsed = try parseCSV(
            """
            Name,Phone,Email,Stage,Tags,City,Pincode,Notes
            Asha,98765 43210,,qualified,vip,,411001,
            Asha R,+91-98765-43210,asha@x.test,lost,"VIP, new",Pune,999999,first note
            Ravi,9123456789,,,,,,
            ,09876543210,other@x.test,,old;new,,,second note
            """)
        #expect(parsed.contacts.count == 2)
        #expect(parsed.mergedWithinFile == 2)
        #expect(parsed.totalRows == 4)
        let asha = try #require(parsed.contacts.first)
        #expect(asha.rowNumber == 2)
        #expect(asha.name == "Asha")
        #expect(asha.email == "asha@x.test")
        #expect(asha.stage == "qualified")
        #expect(asha.tags == ["vip", "new", "old"])
        #expect(asha.customFields == ["City": "Pune", "Pincode": "411001"])
        #expect(asha.note == "first note")
        #expect(parsed.contacts.last?.rowNumber == 4)
    }

    @Test("contacts keep the order their phones first appear in")
    func order() throws {
        let parsed = try parseCSV("Phone\n9000000003\n9000000001\n9000000003\n9000000002\n")
        #expect(parsed.contacts.map(\.phone.e164) == ["+919000000003", "+919000000001", "+919000000002"])
        #expect(parsed.contacts.map(\.rowNumber) == [2, 3, 5])
    }

    @Test("a refused row merges nothing into an earlier one")
    func refusedRowContributesNothing() throws {
        let parsed = try parseCSV("Phone,Email,Stage\n9876543210,,\n9876543210,a@x.test,maybe\n")
        #expect(parsed.contacts.first?.email == nil)
        #expect(parsed.mergedWithinFile == 0)
        #expect(parsed.problems.map(\.rowNumber) == [3])
    }
}
