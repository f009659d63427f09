/// Why text is not a phone number. The reason reads after the number or the
/// field it came from: "is too short for a +91 number (10 digits)", "has letters".
public struct PhoneNumberError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }

    public init(reason: String) {
        self.reason = reason
    }
}
