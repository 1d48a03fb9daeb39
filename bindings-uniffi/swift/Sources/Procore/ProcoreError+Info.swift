// Hand-written: the fields of any ProcoreError case, whichever it is.
import Foundation

/// Everything a ``ProcoreError`` carries.
public struct ProcoreErrorInfo: Equatable, Sendable {
    /// The stable code (`not_found`, `validation`, ...), shared by every binding.
    public let code: String
    /// A human-readable message (never contains a secret).
    public let reason: String
    /// The HTTP status behind the error, when there was an answer.
    public let status: Int?
    /// `X-Request-Id` of the answer, for Procore support.
    public let requestId: String?
    /// The answer's body as JSON text, when it was JSON.
    public let body: String?
    /// For `validation`: field -> messages.
    public let validationErrors: [String: [String]]
    /// For `rate_limited`: when the budget is expected back (Unix seconds).
    public let retryAtUnix: Int64?
}

extension ProcoreError {
    /// The fields of this error, whichever case it is.
    public var info: ProcoreErrorInfo {
        switch self {
        case let .Unauthorized(code, reason, status, requestId, body, validationErrors, retryAtUnix),
             let .ReauthorizationRequired(code, reason, status, requestId, body, validationErrors, retryAtUnix),
             let .Forbidden(code, reason, status, requestId, body, validationErrors, retryAtUnix),
             let .AppNotConnected(code, reason, status, requestId, body, validationErrors, retryAtUnix),
             let .NotFound(code, reason, status, requestId, body, validationErrors, retryAtUnix),
             let .Validation(code, reason, status, requestId, body, validationErrors, retryAtUnix),
             let .BadRequest(code, reason, status, requestId, body, validationErrors, retryAtUnix),
             let .RateLimited(code, reason, status, requestId, body, validationErrors, retryAtUnix),
             let .Server(code, reason, status, requestId, body, validationErrors, retryAtUnix),
             let .Http(code, reason, status, requestId, body, validationErrors, retryAtUnix),
             let .Timeout(code, reason, status, requestId, body, validationErrors, retryAtUnix),
             let .Network(code, reason, status, requestId, body, validationErrors, retryAtUnix),
             let .Config(code, reason, status, requestId, body, validationErrors, retryAtUnix),
             let .Decode(code, reason, status, requestId, body, validationErrors, retryAtUnix),
             let .OAuth(code, reason, status, requestId, body, validationErrors, retryAtUnix),
             let .Store(code, reason, status, requestId, body, validationErrors, retryAtUnix),
             let .StateMismatch(code, reason, status, requestId, body, validationErrors, retryAtUnix):
            return ProcoreErrorInfo(
                code: code, reason: reason, status: status.map { Int($0) }, requestId: requestId,
                body: body, validationErrors: validationErrors, retryAtUnix: retryAtUnix
            )
        }
    }

    /// The stable code of this error.
    public var code: String { info.code }

    /// The error a custom ``TokenStore`` throws when it cannot read or write.
    public static func tokenStore(_ reason: String) -> ProcoreError {
        .Store(code: "store", reason: reason, status: nil, requestId: nil, body: nil, validationErrors: [:], retryAtUnix: nil)
    }
}
