import Testing

@testable import ContactFiles

@Suite("Rows that are refused")
struct RowProblemTests {
    @Test("each bad row is reported by row number with a reason, and contributes nothing")
    func badRows() throws {
        let parsed = try parseCSV(
            """
            Name,Phone,Email,Stage,Score,Temperature
            Good,9876543210,,,,
            Bad phone,12345,,,,
            No phone,,,,,
            Bad email,9876543211,x@,,,
            Bad stage,9876543212,,maybe,,
            Bad score,9876543213,,,101,
            Bad temperature,9876543214,,,,boiling
            ,,,,,
            Good too,09876543215,,Won,50.0,HOT
            """)
        #expect(parsed.totalRows == 9)
        #expect(parsed.blankRows == 1)
        #expect(parsed.contacts.map(\.name) == ["Good", "Good too"])
        #expect(parsed.contacts.last?.stage == "won")
        #expect(parsed.contacts.last?.temperature == "hot")
        #expect(parsed.contacts.last?.score == 50)
        #expect(
            parsed.problems == [
                RowProblem(rowNumber: 3, reason: "phone \"12345\" is too short for a +91 number (10 digits)"),
                RowProblem(rowNumber: 4, reason: "no phone number"),
                RowProblem(rowNumber: 5, reason: "email \"x@\" is not valid"),
                RowProblem(
                    rowNumber: 6, reason: "stage \"maybe\" is not one of new, contacted, qualified, proposal, negotiation, won, lost"),
                RowProblem(rowNumber: 7, reason: "score \"101\" is not a whole number from 0 to 100"),
                RowProblem(rowNumber: 8, reason: "temperature \"boiling\" is not one of hot, warm, cold, dead"),
            ])
    }

    @Test("over-long cells, names, sources and tags refuse the row")
    func lengths() throws {
        let long = String(repeating: "x", count: 1_001)
        let parsed = try parseCSV(
            """
            Name,Phone,Source,Tags,Notes
            \(String(repeating: "n", count: 201)),9000000001,,,
            Ok,9000000002,\(String(repeating: "s", count: 101)),,
            Ok,9000000003,,"a,\(String(repeating: "t", count: 51))",
            Ok,9000000004,,,\(long)
            Ok,9000000005,,,\(String(repeating: "x", count: 1_000))
            """)
        #expect(parsed.problems.map(\.rowNumber) == [2, 3, 4, 5])
        #expect(parsed.problems[0].reason == "name has 201 characters; the limit is 200")
        #expect(parsed.problems[1].reason == "source has 101 characters; the limit is 100")
        #expect(parsed.problems[2].reason.hasPrefix("tag \"ttt"))
        #expect(parsed.problems[3].reason == "\"Notes\" has 1001 characters; the limit is 1000")
        #expect(parsed.contacts.map(\.rowNumber) == [6])
    }

    @Test(
        "email addresses",
        arguments: [
            ("Asha.Rao+leads@Example.CO.IN", "asha.rao+leads@example.co.in"), ("mailto:a@b.co", "a@b.co"), ("x@", nil),
            ("@x.com", nil), ("a@b", nil), ("a@@b.co", nil), ("a b@c.co", nil), ("a@b.c", nil), ("a@b..co", nil), ("a@-b.co", nil),
            ("a,b@c.co", nil), ("a..b@c.co", nil), ("a@b.co.", nil), ("rené@exämple.de", "rené@exämple.de"),
        ])
    func emails(_ raw: String, expected: String?) {
        #expect(EmailAddress.normalized(raw) == expected, "\(raw)")
    }

    @Test("tags are split on commas and semicolons, trimmed and deduplicated ignoring case")
    func tags() throws {
        #expect(try Tags.parse(" vip ; Hot lead,VIP,,hot LEAD; ") == ["vip", "Hot lead"])
        #expect(try Tags.parse("") == [])
    }
}
