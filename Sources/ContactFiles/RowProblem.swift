/// A row that was refused, and why: "phone \"12345\" is too short for a +91
/// number (10 digits)", "no phone number", "email \"x@\" is not valid".
public struct RowProblem: Error, Sendable, Equatable {
    public let rowNumber: Int
    public let reason: String

    public init(rowNumber: Int, reason: String) {
        self.rowNumber = rowNumber
        self.reason = reason
    }
}
