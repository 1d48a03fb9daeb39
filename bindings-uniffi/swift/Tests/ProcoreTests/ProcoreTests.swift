// XCTest suite of the Swift package, against the simulator binary (started per test case).
// Run by bindings-uniffi/test.sh where a Swift toolchain exists (`swift test`).
import Foundation
import XCTest
@testable import Procore

/// The simulator in a child process on a free loopback port, with its control API.
final class Simulator {
    let process = Process()
    let stdin = Pipe()
    let baseUrl: String

    init(args: [String] = ["--no-rate-limit"]) throws {
        let repo = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().appendingPathComponent("../../../..").standardized
        let bin = ProcessInfo.processInfo.environment["PROCORE_SIMULATOR_BIN"]
            ?? repo.appendingPathComponent("target/debug/procore-simulator").path
        process.executableURL = URL(fileURLWithPath: bin)
        process.arguments = ["--port", "0", "--exit-on-stdin-eof"] + args
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardInput = stdin
        try process.run()
        var line = Data()
        while true {
            let byte = stdout.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        let prefix = "procore-simulator listening on "
        guard text.hasPrefix(prefix) else { throw NSError(domain: "simulator", code: 1) }
        baseUrl = String(text.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
    }

    deinit {
        try? stdin.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    func config(companyId: UInt64? = nil) -> ClientOptions {
        ClientOptions(baseUrl: baseUrl, companyId: companyId, sdkLanguage: "swift",
                      retryBaseDelayMs: 20, retryMaxDelayMs: 200, rateLimit: false)
    }

    func control(_ method: String, _ path: String, _ body: String? = nil) async throws -> Any {
        var req = URLRequest(url: URL(string: baseUrl + path)!)
        req.httpMethod = method
        req.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let body { req.httpBody = Data(body.utf8) }
        let (data, _) = try await URLSession.shared.data(for: req)
        return try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    }

    func refreshCalls() async throws -> Int {
        let c = try await control("GET", "/__simulator/counters") as! [String: Any]
        return (c["token_calls"] as! [String: Any])["refresh_token"] as! Int
    }

    func expiredTokens() async throws -> TokenSet {
        let t = try await control("POST", "/__simulator/tokens", #"{"expires_in":3600}"#) as! [String: Any]
        return try TokenSet(accessToken: t["access_token"] as! String,
                            refreshToken: t["refresh_token"] as? String,
                            expiresAtUnix: Int64(Date().timeIntervalSince1970) - 1)
    }
}

/// A Swift token store (as an app would back with the Keychain).
final class RecordingStore: TokenStore, @unchecked Sendable {
    private let lock = NSLock()
    private var json: String?
    private var versions: [UInt64] = []

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    var savedVersions: [UInt64] { locked { versions } }

    func load() async throws -> TokenSet? {
        let current = locked { json }
        return try current.map { try TokenSet.fromJson(json: $0) }
    }

    func save(tokens: TokenSet) async throws {
        locked {
            json = tokens.toJson()
            versions.append(tokens.version())
        }
    }

    func clear() async throws {
        locked { json = nil }
    }

    func lock() async throws -> StoreLease? { nil }

    func current() throws -> TokenSet? {
        try locked { json }.map { try TokenSet.fromJson(json: $0) }
    }
}

final class ProcoreTests: XCTestCase {
    func testAccessTokenRequest() async throws {
        let sim = try Simulator()
        let client = try Client.withAccessToken(options: sim.config(), accessToken: "sim-dev-token")
        let r = try await client.get(path: "me")
        XCTAssertEqual(r.status, 200)
        let me = try r.jsonObject() as! [String: Any]
        XCTAssertEqual(me["id"] as? Int, 5_000_000_001)
        XCTAssertNotNil(r.requestId)
    }

    func testPaginationAsyncSequenceWalks2500Projects() async throws {
        let sim = try Simulator()
        let client = try Client.withAccessToken(options: sim.config(companyId: 31337), accessToken: "sim-dev-token")
        let opts = PaginateOptions(query: [QueryParam("company_id", 31337)], perPage: 500)
        var pages = 0
        for try await page in client.pages("projects", options: opts) {
            pages += 1
            XCTAssertEqual(page.total, 2500)
        }
        XCTAssertEqual(pages, 5)
        var ids: [Int] = []
        for try await item in client.items("projects", options: opts) {
            let obj = try JSONSerialization.jsonObject(with: Data(item.utf8)) as! [String: Any]
            ids.append(obj["id"] as! Int)
        }
        XCTAssertEqual(ids, Array(100_001...102_500))
    }

    func testErrorsCarryTheirCode() async throws {
        let sim = try Simulator()
        let client = try Client.withAccessToken(options: sim.config(companyId: 8089), accessToken: "sim-dev-token")
        do {
            _ = try await client.get(path: "projects/999")
            XCTFail("expected not_found")
        } catch let e as ProcoreError {
            XCTAssertEqual(e.code(), .notFound)
            XCTAssertEqual(e.codeName(), "not_found")
            XCTAssertEqual(e.httpStatus, 404)
        }
        let bad = try Client.withAccessToken(options: sim.config(), accessToken: "not-a-token")
        do {
            _ = try await bad.get(path: "me")
            XCTFail("expected unauthorized")
        } catch let e as ProcoreError {
            XCTAssertEqual(e.kind, .unauthorized)
        }
        XCTAssertEqual(errorCodes().count, 19)
    }

    func testFileTokenStoreKeepsTheRotatedSet() async throws {
        let sim = try Simulator()
        let path = NSTemporaryDirectory() + "procore-swift-\(UUID().uuidString).json"
        let store = fileTokenStore(path: path)
        try await store.save(tokens: try await sim.expiredTokens())
        let client = try Client.withStoredTokens(options: sim.config(), clientId: "sim-client-id",
                                                 clientSecret: "sim-client-secret", store: store)
        XCTAssertEqual(try await client.get(path: "me").status, 200)
        XCTAssertEqual(try await store.load()?.version(), 1)
    }

    func testSwiftStoreReceivesRotationAndConcurrentCallersRefreshOnce() async throws {
        let sim = try Simulator()
        let store = RecordingStore()
        let client = try Client.withTokens(options: sim.config(), clientId: "sim-client-id",
                                           clientSecret: "sim-client-secret",
                                           tokens: try await sim.expiredTokens(), store: store)
        let statuses = try await withThrowingTaskGroup(of: UInt16.self) { group in
            for _ in 0..<100 {
                group.addTask { try await client.get(path: "me").status }
            }
            var all: [UInt16] = []
            for try await s in group { all.append(s) }
            return all
        }
        XCTAssertEqual(statuses, Array(repeating: 200, count: 100))
        let refreshes = try await sim.refreshCalls()
        XCTAssertEqual(refreshes, 1)
        XCTAssertEqual(store.savedVersions.last, 1)
        XCTAssertEqual(try store.current()?.accessToken(), client.currentTokens()?.accessToken())
        XCTAssertFalse(String(describing: client.currentTokens()!).contains(client.currentTokens()!.accessToken()))
    }

    func testSyncBatchesAndAThreeSegmentUpload() async throws {
        let sim = try Simulator()
        let client = try Client.withAccessToken(options: sim.config(companyId: 31337), accessToken: "sim-dev-token")
        let updates = (0..<2500).map { i in #"{"origin_id": "sw-\#(i)", "name": "V \#(i)"}"# }
        let out = try await client.sync(path: "/rest/v1.0/vendors/sync",
                                        updatesJson: "[" + updates.joined(separator: ",") + "]",
                                        options: SyncOptions(request: RequestOptions(bodyJson: #"{"company_id": 31337}"#)))
        XCTAssertEqual(out.batches, 3)
        XCTAssertEqual(out.entitiesJson.count, 2500)

        let data = Data((0..<(12 * 1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ ($0 >> 13)) })
        final class Seen: @unchecked Sendable { var sent: [UInt64] = []; let lock = NSLock() }
        let seen = Seen()
        let r = try await client.uploadBytes(data, options: UploadOptions(fileName: "a.bin", segmentSize: 5 * 1024 * 1024 + 1)) { p in
            seen.lock.lock(); seen.sent.append(p.sent); seen.lock.unlock()
        }
        XCTAssertEqual(r.status, "available")
        XCTAssertEqual(r.segments, 3)
        XCTAssertEqual(seen.sent.first, 0)
        XCTAssertEqual(seen.sent.last, UInt64(data.count))
    }

    func testWebhookHelpersAndTheReceiver() async throws {
        let sim = try Simulator()
        let client = try Client.withAccessToken(options: sim.config(companyId: 31337), accessToken: "sim-dev-token")
        let scope = WebhookOptions(projectId: 100_001)
        var create = scope
        create.destinationUrl = "https://example.invalid/hooks"
        let hook = try JSONSerialization.jsonObject(with: Data(try await client.createHook(create).utf8)) as! [String: Any]
        let id = UInt64(hook["id"] as! Int)
        _ = try await client.createTrigger(id, resourceName: "RFIs", eventType: "create", scope)
        let triggers = try JSONSerialization.jsonObject(with: Data(try await client.listTriggers(id, scope).utf8)) as! [Any]
        XCTAssertEqual(triggers.count, 1)
        try await client.deleteHook(id, scope)

        let receiver = try WebhookReceiver(options: ReceiverOptions(headers: ["Authorization": "Bearer s3cret"]))
        let body = Data(#"{"id": 1, "ulid": "01SW", "event_type": "create", "resource_name": "RFIs"}"#.utf8)
        let good = [Header(name: "authorization", value: "Bearer s3cret")]
        let a = try await receiver.receive(headers: good, body: body)
        let b = try await receiver.receive(headers: good, body: body)
        let forged = try await receiver.receive(headers: [Header(name: "authorization", value: "Bearer guess")], body: body)
        XCTAssertEqual([a.verdict, b.verdict, forged.verdict], ["accepted", "duplicate", "rejected"])
        XCTAssertEqual(forged.status, 401)
        XCTAssertNil(forged.eventJson)
    }
}
