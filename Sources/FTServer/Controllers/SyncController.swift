internal import Foundation
internal import Hummingbird
internal import HTTPTypes
internal import FTModel
internal import FTStore
internal import FTSync

/// `POST /api/v1/sync/push` and `GET /api/v1/sync/pull?cursor=N&limit=M`. Both need a signed-in
/// user and the header `FT-Protocol: 1`.
struct SyncController {
    let database: AppDatabase
    let configuration: ServerConfiguration
    let live: LiveHub
    let onCommit: @Sendable () -> Void
    let now: @Sendable () -> Date
    let pushes: PushQueue
    let heavy: HeavyWork

    init(database: AppDatabase, configuration: ServerConfiguration, live: LiveHub, pushes: PushQueue, heavy: HeavyWork, onCommit: @escaping @Sendable () -> Void, now: @escaping @Sendable () -> Date) {
        self.heavy = heavy
        self.database = database
        self.configuration = configuration
        self.live = live
        self.pushes = pushes
        self.onCommit = onCommit
        self.now = now
    }

    static let protocolHeader = HTTPField.Name("FT-Protocol")!
    /// The size from which a push body is read on the heavy-work thread.
    static let largeBody = 256 * 1_024

    func add(to group: RouterGroup<AppRequestContext>) {
        group.post("sync/push", use: push)
        group.get("sync/pull", use: pull)
    }

    private func actor(_ request: Request, _ context: AppRequestContext) throws -> SyncActor {
        let sent = request.headers[Self.protocolHeader]
        guard sent == String(ServerConfiguration.protocolVersion) else { throw APIError.updateRequired(sent) }
        guard let user = context.user, let id = user.id else { throw APIError.unauthorized }
        return SyncActor(user: id, role: user.role)
    }

    @Sendable func push(_ request: Request, context: AppRequestContext) async throws -> PushJSON {
        let actor = try actor(request, context)
        let configuration = configuration
        // A large body is read and prepared on the heavy-work thread: a few users sending
        // megabytes must not take the threads that answer everyone else.
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: context.maxUploadSize)
        } catch {
            throw APIError.badBody(error)
        }
        let (operations, batch) = body.readableBytes < Self.largeBody
            ? try Self.prepare(body, actor: actor, configuration: configuration)
            : try await heavy.run { try Self.prepare(body, actor: actor, configuration: configuration) }
        let answered: [PushResult]
        do {
            answered = try await pushes.push(batch)
        } catch let error as StoreError where error.kind == .operationIdTaken {
            throw APIError(.conflict, "operation_id_taken", error.detail, field: "id")
        }
        var answers = answered.makeIterator()
        let results = operations.map { operation in
            Self.uploadOnly(operation)
                ? PushResult(operation: operation.id, status: .rejected, rejection: Rejection(.unsupportedAction, "a new version is created by uploading its content (PUT /api/v1/documents/{document}/versions/{version})"))
                : answers.next() ?? PushResult(operation: operation.id, status: .rejected, rejection: Rejection(.invalidField, "refused"))
        }
        if let newest = results.compactMap(\.seq).max() {
            live.committed(upTo: newest)
            onCommit()
        }
        return PushJSON(results: results)
    }

    /// A version's content comes with it, through `PUT /documents/…/versions/…`: a version made
    /// in a sync batch would name content by its hash alone, and a hash is not a permission.
    static func uploadOnly(_ operation: SyncOperation) -> Bool {
        operation.collection == .documentVersion && operation.action == .insert
    }

    /// The body's operations, authored by `actor`, and the batch to write (without the versions
    /// that only an upload makes).
    static func prepare(_ body: ByteBuffer, actor: SyncActor, configuration: ServerConfiguration) throws -> ([SyncOperation], PushBatch) {
        let pushed: [PushBody.Operation]
        do {
            pushed = try PushBody.operations(in: body)
        } catch {
            throw APIError(.badRequest, "invalid_body", error.message, field: error.field)
        }
        guard pushed.count <= configuration.maximumBatch else {
            throw APIError(.contentTooLarge, "batch_too_large", "at most \(configuration.maximumBatch) operations per push, not \(pushed.count)")
        }
        let operations = pushed.map {
            SyncOperation(id: $0.id, collection: $0.collection, action: $0.action, record: $0.record, fields: $0.fields, hlc: $0.hlc, actor: actor)
        }
        return (operations, PushBatch(operations: operations.filter { !uploadOnly($0) }, actor: actor))
    }

    @Sendable func pull(_ request: Request, context: AppRequestContext) async throws -> PullJSON {
        let actor = try actor(request, context)
        let cursorText = request.uri.queryParameters["cursor"].map(String.init) ?? "0"
        guard let cursor = Int64(cursorText), cursor >= 0 else {
            throw APIError(.badRequest, "invalid_cursor", "cursor must be a whole number ≥ 0, not '\(cursorText)'", field: "cursor")
        }
        let limitText = request.uri.queryParameters["limit"].map(String.init) ?? "500"
        guard let limit = Int(limitText), (1...5_000).contains(limit) else {
            throw APIError(.badRequest, "invalid_limit", "limit must be 1 to 5000, not '\(limitText)'", field: "limit")
        }
        let answer: PullAnswer
        do {
            answer = try database.pull(after: cursor, for: actor, limit: limit)
        } catch let future as CursorFromTheFuture {
            throw APIError(.badRequest, "cursor_from_the_future", "cursor \(cursor) is after the server's latest change (\(future.latest)); start again from 0", field: "cursor")
        }
        return PullJSON(reset: answer.reset, snapshot: answer.snapshot, changes: answer.changes, cursor: answer.cursor, hasMore: answer.hasMore)
    }
}
