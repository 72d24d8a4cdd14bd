internal import Foundation
internal import Hummingbird
internal import HTTPTypes
internal import NIOCore
internal import FTArchive
internal import FTModel
internal import FTStore
internal import FTSync

/// `GET /api/v1/dossiers/{dossier}/export.zip[?versions=all]`: the whole dossier as a zip written
/// with libarchive — each document's current version (or every version), `manifest.json` (what is
/// in the zip: version, file, SHA-256, size, author, time) and `conversation.txt` (the messages,
/// readable). For the dossier's client and admins; its expert is refused (403), anyone else gets
/// 404 like a dossier that does not exist. The zip is built in a temporary file from the encrypted
/// store (never whole in memory), streamed, then deleted.
struct ExportController {
    let database: AppDatabase
    let contents: DocumentContents

    func add(to group: RouterGroup<AppRequestContext>) {
        group.get("dossiers/:dossier/export.zip", use: export)
    }

    struct ManifestEntry: Encodable {
        var path: String?
        var document: String
        var title: String
        var version: String
        var fileName: String
        var sha256: String
        var byteCount: Int64
        var uploadedBy: String
        var uploadedAt: String
        var current: Bool
        var missing: Bool?
    }

    struct Manifest: Encodable {
        var dossier: Int64
        var product: String
        var exportedAt: String
        var allVersions: Bool
        var files: [ManifestEntry]
    }

    @Sendable func export(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.user, let userId = user.id else { throw APIError.unauthorized }
        let sent = request.headers[SyncController.protocolHeader]
        guard sent == String(ServerConfiguration.protocolVersion) else { throw APIError.updateRequired(sent) }
        let actor = SyncActor(user: userId, role: user.role)
        guard let dossierId = context.parameters.get("dossier").flatMap(Int64.init), let export = try database.dossierExport(dossierId, for: actor) else {
            throw APIError(.notFound, "not_found", "no such dossier")
        }
        guard actor.role != .expert else {
            throw APIError(.forbidden, "forbidden", "only the dossier's client or an admin may export it")
        }
        let allVersions = request.uri.queryParameters["versions"] == "all"
        let path = contents.blobs.directory + "/tmp/export-\(UUID().uuidString).zip"
        do {
            try write(export, allVersions: allVersions, to: path)
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw APIError(.internalServerError, "export_failed", "the export could not be read back") }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        // Unlinked at once: the open handle keeps the bytes until the answer is sent.
        unlink(path)
        let box = BodySource(handle)
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/zip",
                .contentDisposition: DocumentController.contentDisposition("dossier-\(dossierId).zip"),
                .contentLength: String(size),
                .cacheControl: "private, no-store",
            ],
            body: ResponseBody(contentLength: size) { writer in
                defer { try? box.value.close() }
                while let piece = try box.value.read(upToCount: 1 << 20), !piece.isEmpty {
                    try await writer.write(ByteBuffer(bytes: piece))
                }
                try await writer.finish(nil)
            }
        )
    }

    private func write(_ export: DossierExport, allVersions: Bool, to path: String) throws {
        let zip = try ZipWriter(path: path)
        let iso = ISO8601DateFormatter()
        var entries: [ManifestEntry] = []
        var used = Set<String>()
        func unique(_ wanted: String) -> String {
            var name = wanted
            var counter = 2
            while used.contains(name) {
                let ext = (wanted as NSString).pathExtension
                let stem = (wanted as NSString).deletingPathExtension
                name = ext.isEmpty ? "\(stem) (\(counter))" : "\(stem) (\(counter)).\(ext)"
                counter += 1
            }
            used.insert(name)
            return name
        }
        for (document, versions) in export.documents {
            let folder = "documents/" + ZipWriter.safeName(document.title)
            for (index, version) in versions.enumerated() {
                let current = index == versions.count - 1
                guard current || allVersions else { continue }
                var entry = ManifestEntry(
                    document: document.id, title: document.title, version: version.id, fileName: version.fileName, sha256: version.sha256,
                    byteCount: version.byteCount, uploadedBy: export.uploaders[version.uploadedBy] ?? "?", uploadedAt: iso.string(from: version.uploadedAt), current: current
                )
                guard contents.isAvailable(version), let size = try? contents.size(of: version) else {
                    entry.missing = true
                    entries.append(entry)
                    continue
                }
                let name = current && !allVersions
                    ? unique("\(folder)/\(ZipWriter.safeName(version.fileName))")
                    : unique("\(folder)/\(String(format: "%02d", index + 1))-\(ZipWriter.safeName(version.fileName))")
                try zip.add(name, size: size, modified: version.uploadedAt) { sink in
                    try contents.read(version) { try sink($0) }
                }
                entry.path = name
                entries.append(entry)
            }
        }
        var transcript = "Dossier \(export.dossier.id ?? 0) — \(export.productName)\n\n"
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "fr_FR")
        formatter.timeZone = TimeZone(identifier: "Europe/Paris")
        formatter.dateFormat = "dd/MM/yyyy HH:mm"
        for line in export.conversation {
            let text = line.deleted ? "(message supprimé)" : line.body + (line.edited ? " (modifié)" : "")
            transcript += "[\(formatter.string(from: line.date))] \(line.author) : \(text)\n"
        }
        try zip.add("conversation.txt", data: Data(transcript.utf8), modified: Date())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let manifest = Manifest(dossier: export.dossier.id ?? 0, product: export.productName, exportedAt: iso.string(from: Date()), allVersions: allVersions, files: entries)
        try zip.add("manifest.json", data: try encoder.encode(manifest), modified: Date())
        try zip.close()
    }
}
