// Hand-written: AsyncSequence over the page cursor, so a collection reads as
//     for try await project in client.items("projects", options: opts) { ... }
// The Rust core walks the pages; these only pull one page at a time from the cursor.
import Foundation

/// The pages of a collection. Each iteration starts a new walk (a new cursor).
public struct PageSequence: AsyncSequence, Sendable {
    public typealias Element = Page

    private let makeCursor: @Sendable () throws -> PageCursor

    init(_ makeCursor: @escaping @Sendable () throws -> PageCursor) {
        self.makeCursor = makeCursor
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(makeCursor: makeCursor)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let makeCursor: @Sendable () throws -> PageCursor
        var cursor: PageCursor?
        var finished = false

        public mutating func next() async throws -> Page? {
            if finished { return nil }
            if cursor == nil { cursor = try makeCursor() }
            guard let page = try await cursor!.nextPage() else {
                finished = true
                cursor = nil
                return nil
            }
            return page
        }
    }
}

/// The items of a collection, each as JSON text, one page held at a time.
public struct ItemSequence: AsyncSequence, Sendable {
    public typealias Element = String

    private let pages: PageSequence

    init(_ pages: PageSequence) {
        self.pages = pages
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(pages: pages.makeAsyncIterator())
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var pages: PageSequence.AsyncIterator
        var buffer: [String] = []
        var index = 0

        public mutating func next() async throws -> String? {
            while index >= buffer.count {
                guard let page = try await pages.next() else { return nil }
                buffer = page.items
                index = 0
            }
            defer { index += 1 }
            return buffer[index]
        }
    }
}

extension PageCursor {
    /// This cursor's remaining pages (iterate once).
    public var pages: PageSequence {
        PageSequence { self }
    }
}

extension Client {
    /// Every page of a collection at `path`.
    public func pages(_ path: String, options: PaginateOptions? = nil) -> PageSequence {
        PageSequence { try self.paginate(path: path, options: options) }
    }

    /// Every item of a collection at `path`, each as JSON text.
    public func items(_ path: String, options: PaginateOptions? = nil) -> ItemSequence {
        ItemSequence(pages(path, options: options))
    }
}

extension Response {
    /// The body parsed with JSONSerialization (`NSNull` for an empty body).
    public func jsonObject() throws -> Any {
        let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { return NSNull() }
        return try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }
}
