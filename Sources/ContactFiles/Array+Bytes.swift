extension Array where Element == UInt8 {
    /// `withUnsafeBufferPointer` for a body that throws ``ContactFileError``,
    /// keeping the error's type.
    func withBytes<Result>(
        _ body: (UnsafeBufferPointer<UInt8>) throws(ContactFileError) -> Result
    ) throws(ContactFileError) -> Result {
        let outcome: Swift.Result<Result, ContactFileError> = withUnsafeBufferPointer { buffer in
            do throws(ContactFileError) {
                return .success(try body(buffer))
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }
}
