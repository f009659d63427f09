/// A file's rows as contacts, with what was refused, folded and skipped.
public struct ParsedContactFile: Sendable, Equatable {
    /// Merged within the file on phone, in the order their phones first appear.
    public let contacts: [ImportedContact]
    /// The refused rows, by row number.
    public let problems: [RowProblem]
    /// Rows folded into an earlier row with the same phone.
    public let mergedWithinFile: Int
    /// Rows with every cell empty: skipped, not failures.
    public let blankRows: Int
    /// Data rows read (the header not counted): contacts + problems + merged + blank.
    public let totalRows: Int

    public init(contacts: [ImportedContact], problems: [RowProblem], mergedWithinFile: Int, blankRows: Int, totalRows: Int) {
        self.contacts = contacts
        self.problems = problems
        self.mergedWithinFile = mergedWithinFile
        self.blankRows = blankRows
        self.totalRows = totalRows
    }
}
