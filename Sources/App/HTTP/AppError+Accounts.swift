import Accounts

extension AppError {
    /// The problem each account rule violation answers with.
    init(_ error: AccountsError) {
        switch error {
        case .invalidCredentials:
            self = .invalidCredentials()
        case .userDisabled:
            self = AppError(.forbidden, kind: "user-disabled", title: "User disabled", detail: "This user account is disabled.")
        case .tenantSuspended:
            self = AppError(
                .forbidden, kind: "tenant-suspended", title: "Tenant suspended", detail: "This organisation's account is suspended.")
        case .invalidRefreshToken:
            self = .unauthorized("The refresh token is not valid.")
        case .refreshTokenReused:
            self = .unauthorized("The refresh token was already used; the session has been revoked.")
        case .sessionRevoked:
            self = .unauthorized("The session has ended.")
        case .userNotFound:
            self = .notFound("No such user.")
        case .tenantNotFound:
            self = .notFound("No such tenant.")
        case .emailTaken:
            self = AppError(
                .conflict, kind: "email-taken", title: "Email already used",
                detail: "Another user of this tenant has that email.",
                fieldErrors: [FieldError(pointer: "/email", detail: "is already used")]
            )
        case .slugTaken:
            self = AppError(
                .conflict, kind: "slug-taken", title: "Slug already used", detail: "Another tenant has that slug.",
                fieldErrors: [FieldError(pointer: "/slug", detail: "is already used")]
            )
        case .ownerRequired:
            self = .forbidden("Only an owner can create, promote or change owners.")
        case .lastOwner:
            self = AppError(
                .conflict, kind: "last-owner", title: "Last owner",
                detail: "The tenant must keep at least one active owner."
            )
        case .invalid(let pointer, let reason):
            self = .validation(pointer: pointer, reason)
        }
    }
}
