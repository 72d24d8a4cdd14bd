internal import Foundation
internal import Hummingbird
internal import HTTPTypes
internal import Logging
internal import NIOCore
internal import FTArchive
internal import FTModel
internal import FTStore
internal import FTSync

/// Document contents.
///
/// - `PUT /api/v1/documents/{document}/versions/{version}?fileName=…&hlc=…` with the raw bytes as
///   the body: a new version of a document of one of the user's dossiers. The device makes the
///   version id and the HLC when the version is added (offline too); the upload is idempotent on the
///   version id. The bytes are streamed to the encrypted store (never whole in memory), their
///   SHA-256 and type (from the bytes) computed on the way; then the version is created through
///   sync, as the signed-in user, and every device of the dossier learns of it like any change.
///   An upload cut off or over the size limit leaves no version and nothing in the store.
/// - `GET /api/v1/documents/versions/{version}/content`: the bytes, with `Range` support.
/// - `GET /api/v1/documents/versions/{version}/preview`: a picture of it (`DocumentController+Preview`).
///
/// A document or version of a dossier the user may not see is answered 404, like one that does not
/// exist.
struct DocumentController {
    let database: AppDatabase
    let blobs: BlobStore
    let contents: DocumentContents
    let indexer: DocumentIndexer
    let configuration: ServerConfiguration
    let pushes: PushQueue
    let live: LiveHub
    let onCommit: @Sendable () -> Void
    let now: @Sendable () -> Date

    struct Uploaded: ResponseEncodable {
        var version: String
        var document: String
        var fileName: String
        var mediaType: String
        var byteCount: Int
        var sha256: String
        var seq: Int64?
    }

    func add(to group: RouterGroup<AppRequestContext>) {
        group.put("documents/:document/versions/:version", use: upload)
        group.get("documents/versions/:version/content", use: download)
        group.get("documents/versions/:version/preview", use: preview)
        group.get("documents/search", use: search)
    }

    func signedIn(_ context: AppRequestContext) throws -> SyncActor {
        guard let user = context.user, let id = user.id else { throw APIError.unauthorized }
        return SyncActor(user: id, role: user.role)
    }

    static let notFound = APIError(.notFound, "not_found", "no such document or version")

    static func versionTaken(_ versionId: String) -> APIError {
        APIError(.conflict, "version_exists", "the version id \(versionId) is already another upload's; make a new version id for this file", field: "version")
    }

    /// A file name as given, refused if it could name a place: no path separators, no leading dot,
    /// no control characters, at most 255 bytes.
    static func checkedFileName(_ name: String?) throws -> String {
        let name = (name ?? "").trimmingCharacters(in: .whitespaces)
        // Scalar by scalar: a "/" followed by a combining mark is one Character that is not "/".
        guard !name.isEmpty, name.utf8.count <= 255, !name.hasPrefix("."),
            !name.unicodeScalars.contains(where: { $0 == "/" || $0 == "\\" || $0.value < 0x20 || $0.value == 0x7F })
        else {
            throw APIError(.badRequest, "invalid_file_name", "fileName must be a plain file name (no '/', '\\', leading '.', control characters; at most 255 bytes)", field: "fileName")
        }
        return name
    }

    @Sendable func upload(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<Uploaded> {
        let actor = try signedIn(context)
        let sent = request.headers[SyncController.protocolHeader]
        guard sent == String(ServerConfiguration.protocolVersion) else { throw APIError.updateRequired(sent) }
        let documentId = context.parameters.get("document") ?? ""
        let versionId = context.parameters.get("version") ?? ""
        guard (1...64).contains(versionId.utf8.count), versionId.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_") }) else {
            throw APIError(.badRequest, "invalid_version", "the version id is 1 to 64 letters, digits, '-' or '_'", field: "version")
        }
        let fileName = try Self.checkedFileName(request.uri.queryParameters["fileName"].map(String.init))
        let hlcText = request.uri.queryParameters["hlc"].map(String.init) ?? ""
        guard let hlc = HLCTimestamp(hlcText), HLCTimestamp.isNode(hlc.node) else {
            throw APIError(.badRequest, "invalid_hlc", "hlc must be the version's hybrid logical clock, like 0001795132800000-00000-phone (a node of 1 to \(HLCTimestamp.maximumNodeLength) letters, digits, '_' or '.')", field: "hlc")
        }
        // Refused before any byte is stored, as sync would refuse it after.
        let drift = hlc.milliseconds - Int64(now().timeIntervalSince1970 * 1_000)
        guard drift <= 60_000 else {
            throw APIError(.badRequest, "clock_skew", "the version's timestamp is \(drift) ms in the future; check the device's clock", field: "hlc")
        }
        guard try database.dossierOfDocument(documentId, for: actor) != nil else { throw Self.notFound }
        if let existing = try database.version(versionId, for: actor), existing.uploadedBy == actor.user {
            // A retried upload: the same answer, nothing stored twice.
            guard existing.documentId == documentId else {
                throw APIError(.conflict, "version_exists", "version \(versionId) already belongs to another document")
            }
            return EditedResponse(status: .ok, response: Uploaded(
                version: versionId, document: documentId, fileName: existing.fileName, mediaType: existing.mediaType,
                byteCount: Int(existing.byteCount), sha256: existing.sha256, seq: nil
            ))
        } else if try database.versionExists(versionId) {
            // Someone else's version (seen or not): answered the same way, and nothing of it shown.
            throw Self.versionTaken(versionId)
        }
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > configuration.maximumUpload {
            throw Self.tooLarge(configuration.maximumUpload)
        }

        let writer = try blobs.writer()
        let sha256: String
        var contentLock: FileLock?
        do {
            for try await buffer in request.body {
                guard writer.byteCount + buffer.readableBytes <= configuration.maximumUpload else { throw Self.tooLarge(configuration.maximumUpload) }
                try buffer.withUnsafeReadableBytes { try writer.append($0) }
            }
            // Held until the version is recorded: the archiver cannot delete this content meanwhile.
            contentLock = try blobs.contentLock(exclusive: false)
            sha256 = try writer.finish()
        } catch {
            writer.cancel()
            throw error
        }
        defer { contentLock?.release() }
        let mediaType = MediaSniffer.mediaType(of: writer.head, fileName: fileName)
        let operation = SyncOperation(
            id: "upload:\(versionId)", collection: .documentVersion, action: .insert, record: versionId,
            fields: [
                "document": .string(documentId), "fileName": .string(fileName), "mediaType": .string(mediaType),
                "byteCount": .int(Int64(writer.byteCount)), "sha256": .string(sha256),
            ],
            hlc: hlc, actor: actor
        )
        let result: PushResult?
        do {
            result = try await pushes.push(PushBatch(operations: [operation], actor: actor)).first
        } catch let error as StoreError where error.kind == .operationIdTaken {
            throw Self.versionTaken(versionId)
        }
        guard let result, result.status == .accepted, let seq = result.seq else {
            let reason = result?.rejection
            throw APIError(reason?.code == .forbidden ? .forbidden : .badRequest, reason?.code.rawValue ?? "rejected", reason?.message ?? "the version was refused", field: reason?.field)
        }
        live.committed(upTo: seq)
        onCommit()
        indexer.schedule()
        return EditedResponse(status: .created, response: Uploaded(
            version: versionId, document: documentId, fileName: fileName, mediaType: mediaType,
            byteCount: writer.byteCount, sha256: sha256, seq: seq
        ))
    }

    struct SearchResults: ResponseEncodable {
        struct Hit: Encodable {
            var version: String
            var document: String
            var title: String
            var fileName: String
            var dossier: Int64
            var current: Bool
        }
        var query: String
        var results: [Hit]
    }

    /// `GET /api/v1/documents/search?q=…&limit=…`: versions whose text or file name holds every
    /// word (accents and case ignored), in the user's dossiers only.
    @Sendable func search(_ request: Request, context: AppRequestContext) async throws -> SearchResults {
        let actor = try signedIn(context)
        let sent = request.headers[SyncController.protocolHeader]
        guard sent == String(ServerConfiguration.protocolVersion) else { throw APIError.updateRequired(sent) }
        let query = (request.uri.queryParameters["q"].map(String.init) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(query.count), query.contains(where: { $0.isLetter || $0.isNumber }) else {
            throw APIError(.badRequest, "invalid_query", "q must hold 1 to 200 characters, with at least one letter or digit", field: "q")
        }
        let limitText = request.uri.queryParameters["limit"].map(String.init)
        guard let limit = limitText.map({ Int($0) }) ?? 20, (1...100).contains(limit) else {
            throw APIError(.badRequest, "invalid_limit", "limit must be 1 to 100", field: "limit")
        }
        let hits = try database.searchDocuments(query, index: blobs.blindIndex, for: actor, limit: limit)
        return SearchResults(query: query, results: hits.map {
            .init(version: $0.version, document: $0.document, title: $0.title, fileName: $0.fileName, dossier: $0.dossier, current: $0.current)
        })
    }

    static func damaged(_ versionId: String) -> APIError {
        APIError(.internalServerError, "content_damaged", "the stored content of version \(versionId) cannot be read back intact; the administrators can find out why with `ft verify`")
    }

    static func tooLarge(_ limit: Int) -> APIError {
        APIError(.contentTooLarge, "upload_too_large", "a document may hold at most \(limit) bytes")
    }

    /// The version the request names, if the signed-in user may read it and its content is
    /// stored: 404 otherwise (unknown and not visible alike), 410 once erased.
    func readableVersion(_ request: Request, context: AppRequestContext) throws -> DocumentVersion {
        let actor = try signedIn(context)
        let sent = request.headers[SyncController.protocolHeader]
        guard sent == String(ServerConfiguration.protocolVersion) else { throw APIError.updateRequired(sent) }
        let versionId = context.parameters.get("version") ?? ""
        guard let version = try database.version(versionId, for: actor) else { throw Self.notFound }
        if version.erasedAt != nil {
            throw APIError(.gone, "content_erased", "Ce fichier a été effacé : la personne qui l’a déposé a supprimé son compte.")
        }
        guard contents.isAvailable(version) else {
            throw APIError(.notFound, "content_missing", "the content of version \(versionId) is not stored here (not uploaded yet)")
        }
        return version
    }

    @Sendable func download(_ request: Request, context: AppRequestContext) async throws -> Response {
        let version = try readableVersion(request, context: context)
        let versionId = version.id
        let size = try contents.size(of: version)
        var headers: HTTPFields = [
            .contentType: version.mediaType,
            .contentDisposition: Self.contentDisposition(version.fileName),
            .acceptRanges: "bytes",
            .eTag: "\"\(version.sha256)\"",
            .cacheControl: "private, no-cache",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        ]
        var range = 0..<size
        var status = HTTPResponse.Status.ok
        if let header = request.headers[.range] {
            guard let wanted = Self.byteRange(header, size: size) else {
                return Response(status: .rangeNotSatisfiable, headers: [.contentRange: "bytes */\(size)"])
            }
            range = wanted
            status = .partialContent
            headers[.contentRange] = "bytes \(wanted.lowerBound)-\(wanted.upperBound - 1)/\(size)"
        }
        headers[.contentLength] = String(range.count)
        // Decrypted chunk by chunk (1 MiB at a time), never the whole file; an archived version is
        // decompressed from its document's archive and checked against its SHA-256 at the end.
        // The first MiB is read (authenticated; an archived content shorter than that is also
        // hash-checked) before the answer starts, so that damage found there is a clean 500.
        let reader: any ContentReader
        var head: [Data] = []
        var ended = false
        do {
            reader = try contents.reader(for: version, range: range)
            var buffered = 0
            while buffered < BlobStore.chunkSize {
                guard let piece = try reader.next() else {
                    ended = true
                    break
                }
                head.append(piece)
                buffered += piece.count
            }
        } catch {
            context.logger.error("stored content unreadable", metadata: ["version": "\(versionId)", "error": "\(error)"])
            throw Self.damaged(versionId)
        }
        let box = BodySource(reader)
        return Response(status: status, headers: headers, body: ResponseBody(contentLength: range.count) { [head, ended] writer in
            for piece in head { try await writer.write(ByteBuffer(bytes: piece)) }
            if !ended {
                while let chunk = try box.value.next() { try await writer.write(ByteBuffer(bytes: chunk)) }
            }
            try await writer.finish(nil)
        })
    }

    /// `attachment` with an ASCII fallback name and the exact name in RFC 5987 form.
    static func contentDisposition(_ fileName: String) -> String {
        let fallback = String(fileName.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && scalar.value >= 0x20 && scalar != "\"" && scalar != "\\" && scalar != ";" ? Character(scalar) : "_"
        })
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~")).subtracting(CharacterSet(charactersIn: "\u{80}"..."\u{10FFFF}"))
        let encoded = fileName.addingPercentEncoding(withAllowedCharacters: allowed) ?? fallback
        return "attachment; filename=\"\(fallback)\"; filename*=UTF-8''\(encoded)"
    }

    /// One range of `bytes=a-b`, `bytes=a-` or `bytes=-n`; nil if unsatisfiable or not one range.
    static func byteRange(_ header: String, size: Int) -> Range<Int>? {
        guard header.hasPrefix("bytes="), size > 0 else { return nil }
        let spec = header.dropFirst("bytes=".count)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash].trimmingCharacters(in: .whitespaces)
        let last = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
        if first.isEmpty {
            guard let suffix = Int(last), suffix > 0 else { return nil }
            return max(0, size - suffix)..<size
        }
        guard let start = Int(first), start >= 0, start < size else { return nil }
        if last.isEmpty { return start..<size }
        guard let end = Int(last), end >= start else { return nil }
        return start..<min(end + 1, size)
    }
}

/// A file reader handed to the one response body that reads it, sequentially: never shared.
final class BodySource<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
