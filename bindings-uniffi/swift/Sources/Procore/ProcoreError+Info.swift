// Hand-written: Swift-style reads of a ProcoreError (the generated class has code(),
// status(), requestId(), reason(), body(), validationErrors(), retryAtUnix() and
// oauthError() itself), and query parameters from Swift values.
import Foundation

/// The client (the generated `NativeClient`; Swift frees it with its last reference).
public typealias Client = NativeClient

extension ProcoreError {
    /// The stable kind of this error (`.notFound`, `.validation`, ...).
    public var kind: ErrorCode { code() }

    /// The HTTP status behind the error, when there was an answer.
    public var httpStatus: Int? { status().map { Int($0) } }

    /// The error a custom ``TokenStore`` throws when it cannot read or write.
    public static func tokenStore(_ reason: String) -> StoreError {
        .Failed(reason: reason)
    }
}

extension QueryParam {
    /// `QueryParam("company_id", 8089)`, `QueryParam("filters[status_id]", [1, 2])`.
    public init(_ name: String, _ value: String) { self.init(name: name, value: .text(value: value)) }
    public init(_ name: String, _ value: Int) { self.init(name: name, value: .int(value: Int64(value))) }
    public init(_ name: String, _ value: Bool) { self.init(name: name, value: .bool(value: value)) }
    public init(_ name: String, _ value: Double) { self.init(name: name, value: .number(value: value)) }
    public init(_ name: String, _ values: [Int]) { self.init(name: name, value: .intList(values: values.map { Int64($0) })) }
    public init(_ name: String, _ values: [String]) { self.init(name: name, value: .textList(values: values)) }
}
