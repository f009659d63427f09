import Accounts

/// Collects every invalid field of a request so that one 422 lists them all.
struct FieldValidator {
    private(set) var errors: [AppError.FieldError] = []

    /// Runs one rule; on failure records it and returns nil.
    mutating func check<Value>(_ rule: () throws -> Value) -> Value? {
        do {
            return try rule()
        } catch AccountsError.invalid(let pointer, let reason) {
            errors.append(.init(pointer: pointer, detail: reason))
        } catch {
            errors.append(.init(pointer: "", detail: "\(error)"))
        }
        return nil
    }

    mutating func fail(_ pointer: String, _ detail: String) {
        errors.append(.init(pointer: pointer, detail: detail))
    }

    /// Throws the collected 422, if any.
    func finish() throws {
        if !errors.isEmpty { throw AppError.validation(errors) }
    }
}
