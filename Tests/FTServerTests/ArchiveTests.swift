import FTArchive
import FTModel
import FTSeed
import FTServer
import FTStore
import FTSync
import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import NIOCore
import Testing

/// Archiving older document versions into per-document archives (libarchive, tar.zst, sealed):
/// archived versions still download byte for byte, the archive is a standard tar inside its
/// encryption, and a damaged, cut-off or hostile archive is a clear error that loses nothing.
@Suite(.timeLimit(.minutes(3))) struct ArchiveTests {
    /// A fixture with a new document in the demo client's dossier and `count` uploaded versions
    /// (distinct contents; the third crosses a chunk boundary), oldest first.
    struct Archived {
        let fixture: ServerFixture
        let document: String
        var contents: [String: Data] = [:]
        var order: [String] = []
    }

    static func contents(_ index: Int) -> Data {
        if index == 0 { return Data("%PDF-1.7\nFacture n°1\n".utf8) + Data(repeating: 0x20, count: 4_000) }
        if index == 2 { return Data((0..<(BlobStore.chunkSize + 12_345)).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ index) }) }
        return Data("Version \(index) du rapport — « état des lieux »\n".utf8) + Data((0..<20_000).map { UInt8(truncatingIfNeeded: ($0 / 7) &+ index) })
    }

    static func upload(_ client: some TestClientProtocol, _ token: String, document: String, version: String, data: Data, millisecond: Int) async throws {
        let response = try await client.executeRequest(
            uri: DocumentTests.uploadURI(document, version, fileName: "\(version).bin", millisecond: millisecond), method: .put,
            headers: DocumentTests.uploadHeaders(token), body: ByteBuffer(bytes: data)
        )
        #expect(response.status == .created)
    }

    static func newDocument(_ fixture: ServerFixture, _ client: some TestClientProtocol, _ token: String, id: String) async throws {
        let demo = try DocumentTests.demoDocument(fixture.database)
        let user = try #require(try fixture.database.user(email: DemoAccounts.client)?.id)
        let dossier = try #require(try fixture.database.dossierOfDocument(demo, for: SyncActor(user: user, role: .client)))
        try await LiveChannelTests.push(client, token, [[
            "id": "op-\(id)", "collection": "document", "action": "insert", "record": id,
            "fields": ["dossier": dossier, "title": "Rapport d'audit", "category": "report"],
            "hlc": "0001795132800000-00000-phone",
        ]])
    }

    static func download(_ client: some TestClientProtocol, _ token: String, _ version: String, range: String? = nil) async throws -> TestResponse {
        var headers = ServerFixture.headers(token)
        if let range { headers[.range] = range }
        return try await client.executeRequest(uri: "/api/v1/documents/versions/\(version)/content", method: .get, headers: headers, body: nil)
    }

    /// Decrypts a sealed archive into a plain `.tar.zst` file, for `bsdtar`.
    static func unseal(_ blobs: BlobStore, _ path: String, to plain: String) throws {
        let reader = try blobs.reader(sealedFile: path)
        var bytes = Data()
        while let piece = try reader.next() { bytes.append(piece) }
        try bytes.write(to: URL(fileURLWithPath: plain))
    }

    static func bsdtar(_ arguments: [String]) throws -> (status: Int32, output: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["bsdtar"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = Pipe()
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        while process.isRunning { usleep(10_000) }
        return (process.terminationStatus, output)
    }

    @Test func olderVersionsMoveIntoTheArchiveAndStillDownloadByteForByte() async throws {
        let fixture = try ServerFixture()
        let document = "doc-archive-1"
        try await fixture.app.test(.router) { client in
            let token = try await ServerFixture.signIn(client, DemoAccounts.client)
            let expert = try await ServerFixture.signIn(client, DemoAccounts.expert)
            try await Self.newDocument(fixture, client, token, id: document)
            for index in 0..<5 {
                try await Self.upload(client, token, document: document, version: "v\(index)", data: Self.contents(index), millisecond: 100 * (index + 1))
            }
            // The first version's bytes again, as a later version: one blob, used by an archived
            // version and a current one — it must stay.
            try await Self.upload(client, token, document: document, version: "v5", data: Self.contents(0), millisecond: 700)
            let digests = Dictionary(uniqueKeysWithValues: try fixture.database.versions(documentId: document).map { ($0.id, $0.sha256) })

            let report = try DocumentArchiver(database: fixture.database, blobs: fixture.blobs, keep: 2).run()
            #expect(report.failures.isEmpty, "\(report.failures)")
            #expect(report.versionsArchived == 4)
            #expect(report.documents == 1)
            let storage = Dictionary(uniqueKeysWithValues: try fixture.database.versions(documentId: document).map { ($0.id, $0.storage) })
            #expect(storage == ["v0": .archived, "v1": .archived, "v2": .archived, "v3": .archived, "v4": .blob, "v5": .blob])
            for index in 1...3 { #expect(!fixture.blobs.contains(digests["v\(index)"] ?? ""), "v\(index)'s blob is freed") }
            #expect(fixture.blobs.contains(digests["v0"] ?? ""), "a blob a current version uses stays")

            // On disk the archive is not the plaintext.
            let archive = DocumentArchive(blobs: fixture.blobs, documentId: document)
            let sealed = try Data(contentsOf: URL(fileURLWithPath: archive.path))
            #expect(sealed.range(of: Data("Version 1 du rapport".utf8)) == nil)
            #expect(sealed.range(of: Data("manifest.json".utf8)) == nil)

            // Archived versions download byte for byte (the expert of the dossier too), with ranges.
            for index in 0..<6 {
                let response = try await Self.download(client, expert, "v\(index)")
                #expect(response.status == .ok)
                #expect(Data(response.body.readableBytesView) == Self.contents(index == 5 ? 0 : index), "v\(index)")
            }
            let big = Self.contents(2)
            let middle = try await Self.download(client, token, "v2", range: "bytes=1048570-1048600")
            #expect(middle.status == .partialContent)
            #expect(Data(middle.body.readableBytesView) == big.subdata(in: 1_048_570..<1_048_601))
            #expect(middle.headers[.contentRange] == "bytes 1048570-1048600/\(big.count)")

            // Inside its encryption, a standard tar.zst: bsdtar lists it and reads its manifest.
            let plain = fixture.blobs.directory + "/tmp/check.tar.zst"
            try Self.unseal(fixture.blobs, archive.path, to: plain)
            let listing = try Self.bsdtar(["-tf", plain])
            #expect(listing.status == 0)
            let names = Set(String(decoding: listing.output, as: UTF8.self).split(separator: "\n").map(String.init))
            #expect(names == Set((0...3).map { "content/" + (digests["v\($0)"] ?? "") } + ["manifest.json"]))
            let manifestData = try Self.bsdtar(["-xOf", plain, "manifest.json"]).output
            let manifest = try #require(try JSONSerialization.jsonObject(with: manifestData) as? [String: Any])
            let listed = try #require(manifest["versions"] as? [[String: Any]])
            #expect(listed.map { $0["version"] as? String } == ["v0", "v1", "v2", "v3"])
            #expect(listed.allSatisfy { $0["uploadedByName"] as? String != nil && $0["sha256"] as? String != nil })
            try? FileManager.default.removeItem(atPath: plain)

            // More versions later: the archive is rewritten with the old and the new.
            try await Self.upload(client, token, document: document, version: "v6", data: Self.contents(6), millisecond: 800)
            let again = try DocumentArchiver(database: fixture.database, blobs: fixture.blobs, keep: 2).run()
            #expect(again.versionsArchived == 1 && again.failures.isEmpty)
            try DocumentArchive.check(archive.path, blobs: fixture.blobs, versions: try fixture.database.archivedVersions(of: document))
            for index in [1, 2, 4] {
                let response = try await Self.download(client, token, "v\(index)")
                #expect(Data(response.body.readableBytesView) == Self.contents(index), "v\(index) after the rewrite")
            }

            // The export with every version reads archived ones from the archive.
            let demo = try DocumentTests.demoDocument(fixture.database)
            let user = try #require(try fixture.database.user(email: DemoAccounts.client)?.id)
            let dossier = try #require(try fixture.database.dossierOfDocument(demo, for: SyncActor(user: user, role: .client)))
            let export = try await client.executeRequest(uri: "/api/v1/dossiers/\(dossier)/export.zip?versions=all", method: .get, headers: ServerFixture.headers(token), body: nil)
            #expect(export.status == .ok)
            let zip = fixture.blobs.directory + "/tmp/export-check.zip"
            try Data(export.body.readableBytesView).write(to: URL(fileURLWithPath: zip))
            let entries = try DocumentTests.inspectZip(zip)
            for index in 0...3 { #expect(entries.values.contains(digests["v\(index)"] ?? "-"), "archived v\(index) in the export") }
            try? FileManager.default.removeItem(atPath: zip)
        }
    }

    @Test func aCutOffOrAlteredArchiveIsAClearErrorAndLosesNothing() async throws {
        let fixture = try ServerFixture()
        let document = "doc-archive-2"
        try await fixture.app.test(.router) { client in
            let token = try await ServerFixture.signIn(client, DemoAccounts.client)
            try await Self.newDocument(fixture, client, token, id: document)
            for index in 0..<3 {
                try await Self.upload(client, token, document: document, version: "w\(index)", data: Self.contents(index), millisecond: 100 * (index + 1))
            }
            _ = try DocumentArchiver(database: fixture.database, blobs: fixture.blobs, keep: 1).run()
            let archive = DocumentArchive(blobs: fixture.blobs, documentId: document)
            let original = try Data(contentsOf: URL(fileURLWithPath: archive.path))

            for damage in ["cut off", "altered"] {
                var bytes = original
                if damage == "cut off" { bytes = bytes.prefix(bytes.count / 2) } else { bytes[bytes.count / 2] ^= 0x01 }
                try bytes.write(to: URL(fileURLWithPath: archive.path))
                #expect(throws: BlobStore.BlobError.self, "\(damage)") {
                    try DocumentArchive.check(archive.path, blobs: fixture.blobs, versions: try fixture.database.archivedVersions(of: document))
                }
                // A download is refused with a clear answer, not wrong bytes.
                let response = try await Self.download(client, token, "w1")
                #expect(response.status == .internalServerError, "\(damage)")
                #expect(String(buffer: response.body).contains("content_damaged"), "\(damage): \(String(buffer: response.body))")

                // Archiving more versions of that document fails for it, and changes nothing.
                let version = "w-\(damage == "cut off" ? "a" : "b")"
                try await Self.upload(client, token, document: document, version: version, data: Self.contents(damage.count), millisecond: 1_000 + damage.count)
                let before = try fixture.database.versions(documentId: document)
                let report = try DocumentArchiver(database: fixture.database, blobs: fixture.blobs, keep: 1).run()
                #expect(report.failures.count == 1 && report.versionsArchived == 0, "\(damage)")
                #expect(report.failures.first?.contains(document) == true)
                #expect(try fixture.database.versions(documentId: document) == before)
                #expect(try Data(contentsOf: URL(fileURLWithPath: archive.path)) == bytes, "the damaged archive is left for an operator")
                for version in before where version.storage == .blob { #expect(fixture.blobs.contains(version.sha256), "\(version.id) keeps its blob") }
                #expect(DocumentTests.files(fixture.blobs.directory + "/tmp").isEmpty)
            }
            try original.write(to: URL(fileURLWithPath: archive.path))
            let response = try await Self.download(client, token, "w1")
            #expect(Data(response.body.readableBytesView) == Self.contents(1))
        }
    }

    /// A hostile archive (sealed with the right key — what a bug or a compromised writer could
    /// leave): an entry announcing far more than the version holds is refused from its header,
    /// before it is expanded; an unexpected name is refused; wrong bytes fail the hash check.
    @Test func aBombOrAForeignEntryIsRefusedBeforeItIsExpanded() async throws {
        let fixture = try ServerFixture()
        let document = "doc-archive-3"
        try await fixture.app.test(.router) { client in
            let token = try await ServerFixture.signIn(client, DemoAccounts.client)
            try await Self.newDocument(fixture, client, token, id: document)
            for index in 0..<2 {
                try await Self.upload(client, token, document: document, version: "b\(index)", data: Self.contents(index), millisecond: 100 * (index + 1))
            }
            _ = try DocumentArchiver(database: fixture.database, blobs: fixture.blobs, keep: 1).run()
            let archived = try fixture.database.archivedVersions(of: document)
            let version = try #require(archived.first)
            let archive = DocumentArchive(blobs: fixture.blobs, documentId: document)

            func forge(_ entries: [(String, Data)]) throws {
                let sealed = try fixture.blobs.writer()
                let tar = try TarWriter { try sealed.append($0) }
                for (name, data) in entries { try tar.add(name, data: data, modified: Date()) }
                try tar.close()
                _ = try sealed.seal()
                try sealed.commit(to: archive.path)
            }
            let contents = DocumentContents(database: fixture.database, blobs: fixture.blobs)
            func failure() -> String {
                do {
                    try contents.read(version) { _ in }
                    return "read without error"
                } catch {
                    return "\(error)"
                }
            }

            // 64 MiB of zeros under the version's own name: a few kilobytes compressed.
            try forge([("content/" + version.sha256, Data(count: 64 << 20))])
            #expect(try FileManager.default.attributesOfItem(atPath: archive.path)[.size] as? Int ?? 0 < 1 << 20)
            #expect(failure().contains("announces 67108864 bytes instead of \(version.byteCount)"), "\(failure())")

            try forge([("../../etc/passwd", Data("root:x:0:0".utf8)), ("content/" + version.sha256, Self.contents(0))])
            #expect(failure().contains("unexpected entry '../../etc/passwd'"), "\(failure())")

            var wrong = Self.contents(0)
            wrong[10] ^= 0xFF
            try forge([("content/" + version.sha256, wrong)])
            #expect(failure().contains("reads back as"), "\(failure())")
            #expect(throws: BlobStore.BlobError.self) { try DocumentArchive.check(archive.path, blobs: fixture.blobs, versions: archived) }
        }
    }

    /// Leftovers (a blob no version names, an abandoned upload file) go once older than the grace
    /// period; recent ones and everything in use stay.
    @Test func leftoversGoOnlyOnceOlderThanTheGracePeriod() async throws {
        let fixture = try ServerFixture()
        try await fixture.app.test(.router) { client in
            let token = try await ServerFixture.signIn(client, DemoAccounts.client)
            try await Self.newDocument(fixture, client, token, id: "doc-archive-4")
            try await Self.upload(client, token, document: "doc-archive-4", version: "k0", data: Self.contents(0), millisecond: 100)
        }
        func orphan(_ text: String) throws -> String {
            let writer = try fixture.blobs.writer()
            try writer.append(Data(text.utf8))
            return try writer.finish()
        }
        let stale = try orphan("refusé il y a deux jours")
        let recent = try orphan("refusé à l'instant")
        let abandoned = fixture.blobs.directory + "/tmp/abandoned-upload"
        FileManager.default.createFile(atPath: abandoned, contents: Data("à moitié".utf8))
        let twoDaysAgo = Date().addingTimeInterval(-2 * 86_400)
        for path in [fixture.blobs.path(of: stale), abandoned] {
            try FileManager.default.setAttributes([.modificationDate: twoDaysAgo], ofItemAtPath: path)
        }
        let inUse = try #require(try fixture.database.versions(documentId: "doc-archive-4").first?.sha256)
        try FileManager.default.setAttributes([.modificationDate: twoDaysAgo], ofItemAtPath: fixture.blobs.path(of: inUse))

        let report = try DocumentArchiver(database: fixture.database, blobs: fixture.blobs, keep: 3, grace: 86_400).run()
        #expect(report.leftoversDeleted == 2)
        #expect(!fixture.blobs.contains(stale))
        #expect(!FileManager.default.fileExists(atPath: abandoned))
        #expect(fixture.blobs.contains(recent), "too recent: perhaps an upload whose version is being recorded")
        #expect(fixture.blobs.contains(inUse))
    }
}
