// Hand-written: named webhook calls over the generated `webhooks(action:hookId:options:)`
// (the core's one entry point), and closures for upload progress.
import Foundation

/// An ``UploadListener`` from a closure.
final class ProgressClosure: UploadListener, @unchecked Sendable {
    private let body: @Sendable (UploadProgress) -> Void
    init(_ body: @escaping @Sendable (UploadProgress) -> Void) { self.body = body }
    func onProgress(progress: UploadProgress) { body(progress) }
}

extension NativeClient {
    /// Uploads the file at `path`; `progress` sees each stored segment (in order, all before return).
    public func uploadFile(_ path: String, options: UploadOptions? = nil,
                           progress: @escaping @Sendable (UploadProgress) -> Void) async throws -> UploadResult {
        try await uploadFile(path: path, options: options, listener: ProgressClosure(progress))
    }

    /// Uploads bytes; `progress` sees each stored segment (in order, all before return).
    public func uploadBytes(_ data: Data, options: UploadOptions? = nil,
                            progress: @escaping @Sendable (UploadProgress) -> Void) async throws -> UploadResult {
        try await uploadBytes(data: data, options: options, listener: ProgressClosure(progress))
    }

    /// A hook of a company or project, as JSON text.
    public func createHook(_ options: WebhookOptions) async throws -> String {
        try await webhooks(action: "create_hook", hookId: nil, options: options)
    }
    public func updateHook(_ hookId: UInt64, _ options: WebhookOptions) async throws -> String {
        try await webhooks(action: "update_hook", hookId: hookId, options: options)
    }
    public func listHooks(_ scope: WebhookOptions = WebhookOptions()) async throws -> String {
        try await webhooks(action: "list_hooks", hookId: nil, options: scope)
    }
    public func deleteHook(_ hookId: UInt64, _ scope: WebhookOptions = WebhookOptions()) async throws {
        _ = try await webhooks(action: "delete_hook", hookId: hookId, options: scope)
    }
    /// Deliver `eventType` (create, update, delete) of `resourceName` (RFIs, ...) to the hook.
    public func createTrigger(_ hookId: UInt64, resourceName: String, eventType: String,
                              _ scope: WebhookOptions = WebhookOptions()) async throws -> String {
        var o = scope
        o.resourceName = resourceName
        o.eventType = eventType
        return try await webhooks(action: "create_trigger", hookId: hookId, options: o)
    }
    public func listTriggers(_ hookId: UInt64, _ scope: WebhookOptions = WebhookOptions()) async throws -> String {
        try await webhooks(action: "list_triggers", hookId: hookId, options: scope)
    }
    public func deleteTrigger(_ hookId: UInt64, triggerId: UInt64, _ scope: WebhookOptions = WebhookOptions()) async throws {
        var o = scope
        o.triggerId = triggerId
        _ = try await webhooks(action: "delete_trigger", hookId: hookId, options: o)
    }
    /// A hook's deliveries, all or by `status` (successful, failing, discarded).
    public func listDeliveries(_ hookId: UInt64, status: String? = nil,
                               _ scope: WebhookOptions = WebhookOptions()) async throws -> String {
        var o = scope
        o.status = status
        return try await webhooks(action: "list_deliveries", hookId: hookId, options: o)
    }
}
