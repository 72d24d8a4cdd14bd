import FTModel
import FTSeed
import FTServer
import FTStore
import FTSync
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Logging
import NIOCore
import Testing
import FTTestSupport

/// Document contents through the server: uploads streamed to the encrypted store and turned into
/// versions through sync, downloads with ranges, and refusals that leave nothing behind.
@Suite(.timeLimit(.minutes(3))) struct DocumentTests {
    /// A document of the demo client's dossier with the demo expert.
    static func demoDocument(_ database: AppDatabase) throws -> String {
        let user = try #require(try database.user(email: DemoAccounts.client)?.id)
        let client = try #require(try database.client(userId: user)?.id)
        let conversation = try ServerTests.demoConversation(database)
        for dossier in try database.dossiers(clientId: client) where try database.conversation(dossierId: dossier.id ?? 0)?.id == conversation {
            if let document = try database.documents(dossierId: dossier.id ?? 0).first { return document.id }
        }
        Issue.record("the demo dossier has no document")
        return ""
    }

    static func uploadHeaders(_ token: String) -> HTTPFields {
        [.authorization: "Bearer \(token)", HTTPField.Name("FT-Protocol")!: "1", .contentType: "application/octet-stream"]
    }

    static func uploadURI(_ document: String, _ version: String, fileName: String, millisecond: Int = 0) -> String {
        let name = fileName.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? fileName
        return "/api/v1/documents/\(document)/versions/\(version)?fileName=\(name)&hlc=000\(1_795_132_800_000 + millisecond)-00000-phone"
    }

    /// Every file under `folder`.
    static func files(_ folder: String) -> [String] {
        (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? []).filter {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: folder + "/" + $0, isDirectory: &isDirectory) && !isDirectory.boolValue
        }.sorted()
    }

    @Test func anUploadComesBackByteForByteAndTravelsThroughSync() async throws {
        let fixture = try ServerFixture()
        let document = try Self.demoDocument(fixture.database)
        let pdf = Data("%PDF-1.7\n".utf8) + Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try await fixture.app.test(.router) { client in
            let clientToken = try await ServerFixture.signIn(client, DemoAccounts.client)
            let expertToken = try await ServerFixture.signIn(client, DemoAccounts.expert)
            let uri = Self.uploadURI(document, "ver-up-1", fileName: "Facture mars 2026 « TICPE ».pdf")
            let response = try await client.executeRequest(uri: uri, method: .put, headers: Self.uploadHeaders(clientToken), body: ByteBuffer(bytes: pdf))
            #expect(response.status == .created)
            let answer = try ServerFixture.object(response)
            let sha = try #require(answer["sha256"] as? String)
            #expect(answer["mediaType"] as? String == "application/pdf")
            #expect(answer["byteCount"] as? Int == pdf.count)
            #expect(answer["fileName"] as? String == "Facture mars 2026 « TICPE ».pdf")

            // Stored encrypted: the file on disk is not the plaintext, and holds none of it.
            let stored = try #require(FileManager.default.contents(atPath: fixture.blobs.path(of: sha)))
            #expect(stored != pdf)
            #expect(stored.range(of: pdf.prefix(64)) == nil)

            // The expert of the dossier learns of the version through pull, and downloads it.
            let pulled = try await client.executeRequest(uri: "/api/v1/sync/pull?cursor=0", method: .get, headers: ServerFixture.headers(expertToken), body: nil)
            let changes = try #require(try ServerFixture.object(pulled)["changes"] as? [[String: Any]])
            let version = try #require(changes.compactMap { $0["operation"] as? [String: Any] }.first { $0["record"] as? String == "ver-up-1" })
            #expect((version["fields"] as? [String: Any])?["sha256"] as? String == sha)
            #expect((version["actor"] as? [String: Any])?["role"] as? String == "client")

            let download = try await client.executeRequest(uri: "/api/v1/documents/versions/ver-up-1/content", method: .get, headers: ServerFixture.headers(expertToken), body: nil)
            #expect(download.status == .ok)
            #expect(Data(download.body.readableBytesView) == pdf)
            #expect(download.headers[.contentType] == "application/pdf")
            let disposition = try #require(download.headers[.contentDisposition])
            #expect(disposition.hasPrefix("attachment; filename=\"Facture mars 2026 _ TICPE _.pdf\""))
            #expect(disposition.contains("filename*=UTF-8''Facture%20mars%202026%20%C2%AB%20TICPE%20%C2%BB.pdf"))

            // Ranges, across a chunk boundary too.
            let partial = try await client.executeRequest(uri: "/api/v1/documents/versions/ver-up-1/content", method: .get, headers: [.authorization: "Bearer \(expertToken)", HTTPField.Name("FT-Protocol")!: "1", .range: "bytes=100-199"], body: nil)
            #expect(partial.status == .partialContent)
            #expect(Data(partial.body.readableBytesView) == pdf.subdata(in: 100..<200))
            #expect(partial.headers[.contentRange] == "bytes 100-199/\(pdf.count)")
            let tail = try await client.executeRequest(uri: "/api/v1/documents/versions/ver-up-1/content", method: .get, headers: [.authorization: "Bearer \(expertToken)", HTTPField.Name("FT-Protocol")!: "1", .range: "bytes=-10"], body: nil)
            #expect(Data(tail.body.readableBytesView) == pdf.suffix(10))
            let beyond = try await client.executeRequest(uri: "/api/v1/documents/versions/ver-up-1/content", method: .get, headers: [.authorization: "Bearer \(expertToken)", HTTPField.Name("FT-Protocol")!: "1", .range: "bytes=999999999-"], body: nil)
            #expect(beyond.status == .rangeNotSatisfiable)

            // A retried upload: the same version, nothing stored twice.
            let again = try await client.executeRequest(uri: uri, method: .put, headers: Self.uploadHeaders(clientToken), body: ByteBuffer(bytes: pdf))
            #expect(again.status == .ok)
            #expect(try ServerFixture.object(again)["sha256"] as? String == sha)
            #expect(try fixture.database.versions(documentId: document).filter { $0.id == "ver-up-1" }.count == 1)

            // Identical bytes under another version: stored once.
            let copy = try await client.executeRequest(uri: Self.uploadURI(document, "ver-up-2", fileName: "copie.pdf", millisecond: 5), method: .put, headers: Self.uploadHeaders(clientToken), body: ByteBuffer(bytes: pdf))
            #expect(copy.status == .created)
            #expect(Self.files(fixture.blobs.directory).filter { $0.hasSuffix(sha) }.count == 1)
        }
    }

    /// 200 MiB and a bit, uploaded from a file and downloaded to a file over a real socket
    /// (URLSession): the server never holds the file whole, and the bytes come back the same.
    @Test func aLargeFileIsStreamedBothWays() async throws {
        let fixture = try ServerFixture()
        let document = try Self.demoDocument(fixture.database)
        let folder = TestFolder.path("ft-big")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let source = URL(fileURLWithPath: folder + "/source.bin")
        let piece = Data((0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) })
        FileManager.default.createFile(atPath: source.path, contents: nil)
        let handle = try FileHandle(forWritingTo: source)
        for _ in 0..<50 { try handle.write(contentsOf: piece) }
        try handle.write(contentsOf: Data("fin".utf8))
        try handle.close()
        let expectedSize = piece.count * 50 + 3

        try await fixture.app.test(.live) { client in
            let port = try #require(client.port)
            let token = try await ServerFixture.signIn(client, DemoAccounts.client)
            var upload = URLRequest(url: URL(string: "http://127.0.0.1:\(port)" + Self.uploadURI(document, "ver-big", fileName: "archive.bin"))!)
            upload.httpMethod = "PUT"
            upload.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            upload.setValue("1", forHTTPHeaderField: "FT-Protocol")
            upload.timeoutInterval = 120
            let (answerData, uploadResponse) = try await URLSession.shared.upload(for: upload, fromFile: source)
            #expect((uploadResponse as? HTTPURLResponse)?.statusCode == 201)
            let answer = try #require(try JSONSerialization.jsonObject(with: answerData) as? [String: Any])
            #expect(answer["byteCount"] as? Int == expectedSize)
            #expect(answer["mediaType"] as? String == "application/octet-stream")

            var download = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/v1/documents/versions/ver-big/content")!)
            download.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            download.setValue("1", forHTTPHeaderField: "FT-Protocol")
            download.timeoutInterval = 120
            let (saved, downloadResponse) = try await URLSession.shared.download(for: download)
            #expect((downloadResponse as? HTTPURLResponse)?.statusCode == 200)
            #expect(try Self.sameFiles(source, saved), "the download differs from the upload")
            try? FileManager.default.removeItem(at: saved)
        }
    }

    /// Two devices each added a version while offline; the one with the older clock uploads
    /// last. Both are kept, and the current one is the newest by HLC, not by arrival.
    @Test func versionsAddedOfflineAreAllKeptAndTheNewestByClockIsCurrent() async throws {
        let fixture = try ServerFixture()
        let document = try Self.demoDocument(fixture.database)
        try await fixture.app.test(.router) { client in
            let clientToken = try await ServerFixture.signIn(client, DemoAccounts.client)
            let expertToken = try await ServerFixture.signIn(client, DemoAccounts.expert)
            let later = try await client.executeRequest(uri: Self.uploadURI(document, "ver-expert", fileName: "rapport-v2.txt", millisecond: 9_000), method: .put, headers: Self.uploadHeaders(expertToken), body: ByteBuffer(string: "Rapport, version de l'expert"))
            #expect(later.status == .created)
            let earlier = try await client.executeRequest(uri: Self.uploadURI(document, "ver-client", fileName: "rapport-v1.txt", millisecond: 1_000), method: .put, headers: Self.uploadHeaders(clientToken), body: ByteBuffer(string: "Rapport, version du client"))
            #expect(earlier.status == .created)
            let versions = try fixture.database.versions(documentId: document).map(\.id)
            #expect(versions.contains("ver-client") && versions.contains("ver-expert"))
            #expect(versions.last == "ver-expert", "current = newest by HLC: \(versions)")
            #expect(versions.firstIndex(of: "ver-client")! < versions.firstIndex(of: "ver-expert")!)
        }
    }

    /// Runs Python's zipfile on `zip`: checks every entry's CRC and prints `{name: sha256}` as JSON.
    static func inspectZip(_ zip: String) throws -> [String: String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import hashlib, json, sys, zipfile
            z = zipfile.ZipFile(sys.argv[1])
            bad = z.testzip()
            if bad: sys.exit("corrupt entry " + bad)
            print(json.dumps({n: hashlib.sha256(z.read(n)).hexdigest() for n in z.namelist()}))
            """, zip]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        while process.isRunning { usleep(10_000) }
        guard process.terminationStatus == 0 else { throw CancellationError() }
        return try JSONSerialization.jsonObject(with: data) as? [String: String] ?? [:]
    }

    @Test func aDossierExportsAsAZipThatHoldsWhatItsManifestSays() async throws {
        let fixture = try ServerFixture()
        let document = try Self.demoDocument(fixture.database)
        let clientUser = try #require(try fixture.database.user(email: DemoAccounts.client)?.id)
        let clientId = try #require(try fixture.database.client(userId: clientUser)?.id)
        let conversation = try ServerTests.demoConversation(fixture.database)
        let dossier = try #require(try fixture.database.dossiers(clientId: clientId).first { try fixture.database.conversation(dossierId: $0.id ?? 0)?.id == conversation }?.id)
        let folder = TestFolder.path("ft-export")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await fixture.app.test(.router) { client in
            let token = try await ServerFixture.signIn(client, DemoAccounts.client)
            let expert = try await ServerFixture.signIn(client, DemoAccounts.expert)
            let other = try await ServerFixture.signIn(client, DemoAccounts.otherClient)
            let first = try await client.executeRequest(uri: Self.uploadURI(document, "ver-x1", fileName: "bilan/2025.txt".replacingOccurrences(of: "/", with: "-"), millisecond: 1), method: .put, headers: Self.uploadHeaders(token), body: ByteBuffer(string: "Bilan, première version"))
            let second = try await client.executeRequest(uri: Self.uploadURI(document, "ver-x2", fileName: "bilan-2025.txt", millisecond: 2), method: .put, headers: Self.uploadHeaders(token), body: ByteBuffer(string: "Bilan, version finale"))
            let firstSha = try #require(try ServerFixture.object(first)["sha256"] as? String)
            let secondSha = try #require(try ServerFixture.object(second)["sha256"] as? String)

            let response = try await client.executeRequest(uri: "/api/v1/dossiers/\(dossier)/export.zip", method: .get, headers: ServerFixture.headers(token), body: nil)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/zip")
            let zip = folder + "/current.zip"
            try Data(response.body.readableBytesView).write(to: URL(fileURLWithPath: zip))
            let entries = try Self.inspectZip(zip)
            #expect(entries.keys.contains("manifest.json") && entries.keys.contains("conversation.txt"))
            #expect(entries.values.contains(secondSha), "the current version is in the zip")
            #expect(!entries.values.contains(firstSha), "older versions only with versions=all")

            let all = try await client.executeRequest(uri: "/api/v1/dossiers/\(dossier)/export.zip?versions=all", method: .get, headers: ServerFixture.headers(token), body: nil)
            let allZip = folder + "/all.zip"
            try Data(all.body.readableBytesView).write(to: URL(fileURLWithPath: allZip))
            let allEntries = try Self.inspectZip(allZip)
            #expect(allEntries.values.contains(firstSha) && allEntries.values.contains(secondSha))
            // The archivers people use open it too.
            for tool in [["unzip", "-t", allZip], ["bsdtar", "-tf", allZip]] {
                let check = Process()
                check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                check.arguments = tool
                let listing = Pipe()
                check.standardOutput = listing
                try check.run()
                let output = String(decoding: listing.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                while check.isRunning { usleep(10_000) }
                #expect(check.terminationStatus == 0, "\(tool[0]): \(output)")
                #expect(output.contains("manifest.json"), "\(tool[0]) lists the manifest")
            }

            // The manifest names exactly the files in the zip, with their hashes.
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", "import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read('manifest.json'))", allZip]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let manifestData = pipe.fileHandleForReading.readDataToEndOfFile()
            while process.isRunning { usleep(10_000) }
            let manifest = try #require(try JSONSerialization.jsonObject(with: manifestData) as? [String: Any])
            let files = try #require(manifest["files"] as? [[String: Any]])
            for file in files {
                if let path = file["path"] as? String {
                    #expect(allEntries[path] == file["sha256"] as? String, "\(path)")
                } else {
                    #expect(file["missing"] as? Bool == true)
                }
            }
            #expect(Set(files.compactMap { $0["path"] as? String }) == Set(allEntries.keys).subtracting(["manifest.json", "conversation.txt"]))

            let byExpert = try await client.executeRequest(uri: "/api/v1/dossiers/\(dossier)/export.zip", method: .get, headers: ServerFixture.headers(expert), body: nil)
            #expect(byExpert.status == .forbidden)
            let byOther = try await client.executeRequest(uri: "/api/v1/dossiers/\(dossier)/export.zip", method: .get, headers: ServerFixture.headers(other), body: nil)
            #expect(byOther.status == .notFound)
            #expect(!String(buffer: byOther.body).contains("PK"))
            #expect(Self.files(fixture.blobs.directory + "/tmp").isEmpty, "no export left behind")
        }
    }

    /// The connection drops halfway through an upload: no version, nothing left in the store.
    @Test func anUploadCutOffHalfwayLeavesNothing() async throws {
        let fixture = try ServerFixture()
        let document = try Self.demoDocument(fixture.database)
        try await fixture.app.test(.live) { client in
            let port = try #require(client.port)
            let token = try await ServerFixture.signIn(client, DemoAccounts.client)
            let before = Self.files(fixture.blobs.directory)
            let socket = try #require(ServerFixture.loopbackSocket(port: port))
            let head = "PUT \(Self.uploadURI(document, "ver-cut", fileName: "coupé.bin")) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\nFT-Protocol: 1\r\nContent-Length: 3000000\r\n\r\n"
            let half = Data(head.utf8) + Data(repeating: 0x41, count: 1_500_000)
            _ = half.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, 0) }
            try await Task.sleep(for: .milliseconds(300))
            close(socket)
            // The server notices, drops the upload and cleans up.
            var clean = false
            for _ in 0..<100 where !clean {
                try await Task.sleep(for: .milliseconds(50))
                clean = Self.files(fixture.blobs.directory) == before
            }
            #expect(clean, "left behind: \(Set(Self.files(fixture.blobs.directory)).subtracting(before))")
            #expect(try fixture.database.versions(documentId: document).allSatisfy { $0.id != "ver-cut" })
            #expect(try fixture.database.latestSequence() == 0)
        }
    }

    /// `Expect: 100-continue` (what curl sends with a large upload) is answered at once with
    /// `100 Continue`, by the server `ft serve` runs; then the body goes through as usual.
    @Test func anUploadThatWaitsFor100ContinueGetsIt() async throws {
        let fixture = try ServerFixture()
        let document = try Self.demoDocument(fixture.database)
        let configuration = ServerConfiguration(host: "127.0.0.1", port: 0, publicDirectory: fixture.publicDirectory)
        let app = buildApplication(database: fixture.database, configuration: configuration, blobs: fixture.blobs, logger: Logger(label: "test"))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let token = try await ServerFixture.signIn(client, DemoAccounts.client)
            let socket = try #require(ServerFixture.loopbackSocket(port: port))
            defer { close(socket) }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            // Blocking reads on a thread of their own: on one of the two threads of Swift's
            // concurrency pool they kept the server (in this process) from answering.
            @Sendable func receive() async -> String {
                await withCheckedContinuation { continuation in
                    Thread.detachNewThread {
                        var buffer = [UInt8](repeating: 0, count: 4_096)
                        let count = recv(socket, &buffer, buffer.count, 0)
                        continuation.resume(returning: count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self) : "")
                    }
                }
            }
            let body = Data("Contrat, version envoyée par curl".utf8)
            let head = "PUT \(Self.uploadURI(document, "ver-expect", fileName: "contrat.txt")) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\nFT-Protocol: 1\r\nContent-Length: \(body.count)\r\nExpect: 100-continue\r\n\r\n"
            _ = Data(head.utf8).withUnsafeBytes { send(socket, $0.baseAddress, $0.count, 0) }
            let interim = await receive()
            #expect(interim.hasPrefix("HTTP/1.1 100 Continue\r\n"), "\(interim)")
            _ = body.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, 0) }
            var final = interim.hasPrefix("HTTP/1.1 100 Continue\r\n\r\n") ? String(interim.dropFirst("HTTP/1.1 100 Continue\r\n\r\n".count)) : ""
            if final.isEmpty { final = await receive() }
            #expect(final.hasPrefix("HTTP/1.1 201 Created"), "\(final)")
            #expect(try fixture.database.versions(documentId: document).contains { $0.id == "ver-expect" })
        }
    }

    /// Compares two files 4 MiB at a time.
    static func sameFiles(_ a: URL, _ b: URL) throws -> Bool {
        let left = try FileHandle(forReadingFrom: a)
        let right = try FileHandle(forReadingFrom: b)
        defer {
            try? left.close()
            try? right.close()
        }
        while true {
            let x = try left.read(upToCount: 4 << 20) ?? Data()
            let y = try right.read(upToCount: 4 << 20) ?? Data()
            if x != y { return false }
            if x.isEmpty { return true }
        }
    }

    @Test func anotherClientGetsNotFoundOnEveryDocumentRoute() async throws {
        let fixture = try ServerFixture()
        let document = try Self.demoDocument(fixture.database)
        try await fixture.app.test(.router) { client in
            let owner = try await ServerFixture.signIn(client, DemoAccounts.client)
            let other = try await ServerFixture.signIn(client, DemoAccounts.otherClient)
            let uploaded = try await client.executeRequest(uri: Self.uploadURI(document, "ver-private", fileName: "bilan.txt"), method: .put, headers: Self.uploadHeaders(owner), body: ByteBuffer(string: "Bilan confidentiel"))
            #expect(uploaded.status == .created)
            let before = Self.files(fixture.blobs.directory)

            let intrusion = try await client.executeRequest(uri: Self.uploadURI(document, "ver-evil", fileName: "x.txt"), method: .put, headers: Self.uploadHeaders(other), body: ByteBuffer(string: "intrus"))
            #expect(intrusion.status == .notFound)
            let nowhere = try await client.executeRequest(uri: Self.uploadURI("no-such-document", "ver-evil-2", fileName: "x.txt"), method: .put, headers: Self.uploadHeaders(other), body: ByteBuffer(string: "intrus"))
            #expect(nowhere.status == .notFound)
            #expect(String(buffer: intrusion.body) == String(buffer: nowhere.body), "the same answer whether the document exists or not")
            let read = try await client.executeRequest(uri: "/api/v1/documents/versions/ver-private/content", method: .get, headers: ServerFixture.headers(other), body: nil)
            #expect(read.status == .notFound)
            #expect(!String(buffer: read.body).contains("confidentiel"))
            let anonymous = try await client.executeRequest(uri: "/api/v1/documents/versions/ver-private/content", method: .get, headers: [:], body: nil)
            #expect(anonymous.status == .unauthorized)
            #expect(Self.files(fixture.blobs.directory) == before)
            #expect(try fixture.database.versions(documentId: document).allSatisfy { !$0.id.hasPrefix("ver-evil") })
        }
    }

    @Test(arguments: ["../../etc/passwd", "/etc/passwd", "dossier\\secret.pdf", ".htaccess", "a\u{01}b.pdf", "", "a/\u{301}b.pdf"])
    func aFileNameThatNamesAPlaceIsRefused(name: String) async throws {
        let fixture = try ServerFixture()
        let document = try Self.demoDocument(fixture.database)
        try await fixture.app.test(.router) { client in
            let token = try await ServerFixture.signIn(client, DemoAccounts.client)
            let before = Self.files(fixture.blobs.directory)
            let response = try await client.executeRequest(uri: Self.uploadURI(document, "ver-name", fileName: name), method: .put, headers: Self.uploadHeaders(token), body: ByteBuffer(string: "contenu"))
            #expect(response.status == .badRequest)
            #expect(try ServerFixture.object(response)["error"] as? String == "invalid_file_name")
            #expect(Self.files(fixture.blobs.directory) == before)
            #expect(try fixture.database.versions(documentId: document).allSatisfy { $0.id != "ver-name" })
        }
    }

    @Test func anOversizedUploadLeavesNothing() async throws {
        let fixture = try ServerFixture(maximumUpload: 1_000)
        let document = try Self.demoDocument(fixture.database)
        try await fixture.app.test(.router) { client in
            let token = try await ServerFixture.signIn(client, DemoAccounts.client)
            let before = Self.files(fixture.blobs.directory)
            let response = try await client.executeRequest(uri: Self.uploadURI(document, "ver-huge", fileName: "gros.bin"), method: .put, headers: Self.uploadHeaders(token), body: ByteBuffer(repeating: 7, count: 5_000))
            #expect(response.status == .contentTooLarge)
            #expect(try ServerFixture.object(response)["error"] as? String == "upload_too_large")
            #expect(Self.files(fixture.blobs.directory) == before)
            #expect(try fixture.database.versions(documentId: document).allSatisfy { $0.id != "ver-huge" })
        }
    }

    /// Version ids are the idempotency keys of their uploader's retries: the expert reusing the
    /// client's version id gets a 409, and the client's version is not his.
    @Test func anotherUsersVersionIdIsAConflict() async throws {
        let fixture = try ServerFixture()
        let document = try Self.demoDocument(fixture.database)
        try await fixture.app.test(.router) { client in
            let clientToken = try await ServerFixture.signIn(client, DemoAccounts.client)
            let expertToken = try await ServerFixture.signIn(client, DemoAccounts.expert)
            let mine = try await client.executeRequest(uri: Self.uploadURI(document, "ver-shared", fileName: "devis.txt"), method: .put, headers: Self.uploadHeaders(clientToken), body: ByteBuffer(string: "Devis du client"))
            #expect(mine.status == .created)
            let retry = try await client.executeRequest(uri: Self.uploadURI(document, "ver-shared", fileName: "devis.txt"), method: .put, headers: Self.uploadHeaders(clientToken), body: ByteBuffer(string: "Devis du client"))
            #expect(retry.status == .ok)
            let theirs = try await client.executeRequest(uri: Self.uploadURI(document, "ver-shared", fileName: "autre.txt", millisecond: 5), method: .put, headers: Self.uploadHeaders(expertToken), body: ByteBuffer(string: "Autre contenu"))
            #expect(theirs.status == .conflict)
            #expect(try ServerFixture.object(theirs)["error"] as? String == "version_exists")
            let stored = try #require(try fixture.database.versions(documentId: document).first { $0.id == "ver-shared" })
            #expect(stored.fileName == "devis.txt")
        }
    }

    @Test func aVersionCannotBeMadeThroughSyncWithoutItsContent() async throws {
        let fixture = try ServerFixture()
        let document = try Self.demoDocument(fixture.database)
        try await fixture.app.test(.router) { client in
            let token = try await ServerFixture.signIn(client, DemoAccounts.client)
            let operation: [String: Any] = [
                "id": "steal", "collection": "documentVersion", "action": "insert", "record": "ver-steal",
                "fields": ["document": document, "fileName": "x.pdf", "mediaType": "application/pdf", "byteCount": 10, "sha256": String(repeating: "a", count: 64)],
                "hlc": "0001795132800000-00000-phone",
            ]
            let response = try await client.executeRequest(uri: "/api/v1/sync/push", method: .post, headers: ServerFixture.headers(token), body: ServerFixture.json(["operations": [operation]]))
            let result = try #require((try ServerFixture.object(response)["results"] as? [[String: Any]])?.first)
            #expect(result["status"] as? String == "rejected")
            #expect((result["rejection"] as? [String: Any])?["code"] as? String == "unsupportedAction")
        }
    }
}

@Suite struct BlobStoreTests {
    static func folder() -> String {
        TestFolder.path("ft-blobs")
    }

    @Test func aWrongKeyFailsLoudlyAndChangesNothing() throws {
        let folder = Self.folder()
        let store = try BlobStore(directory: folder, key: try DocumentKey.parse(DocumentKey.generate(), source: "test"))
        let writer = try store.writer()
        try writer.append(Data("Contrat signé".utf8))
        let sha = try writer.finish()
        let before = DocumentTests.files(folder).map { ($0, FileManager.default.contents(atPath: folder + "/" + $0)) }
        #expect(throws: BlobStore.BlobError.wrongKey) {
            _ = try BlobStore(directory: folder, key: try DocumentKey.parse(DocumentKey.generate(), source: "test"))
        }
        let after = DocumentTests.files(folder).map { ($0, FileManager.default.contents(atPath: folder + "/" + $0)) }
        #expect(before.map(\.0) == after.map(\.0))
        #expect(zip(before, after).allSatisfy { $0.1 == $1.1 })
        #expect(store.contains(sha))
    }

    @Test func aDamagedBlobIsAnErrorNotWrongBytes() throws {
        let folder = Self.folder()
        let store = try BlobStore(directory: folder, key: try DocumentKey.parse(DocumentKey.generate(), source: "test"))
        let writer = try store.writer()
        try writer.append(Data(repeating: 42, count: BlobStore.chunkSize + 10))
        let sha = try writer.finish()
        var stored = try #require(FileManager.default.contents(atPath: store.path(of: sha)))
        stored[100] ^= 0xFF
        try stored.write(to: URL(fileURLWithPath: store.path(of: sha)))
        #expect(throws: BlobStore.BlobError.self) { try store.read(sha) { _ in } }
        // Cut off: the last chunk is missing.
        try stored.prefix(BlobStore.chunkSize + 100).write(to: URL(fileURLWithPath: store.path(of: sha)))
        #expect(throws: BlobStore.BlobError.self) { try store.read(sha) { _ in } }
    }

    @Test(arguments: [0, 1, BlobStore.chunkSize, BlobStore.chunkSize + 1, 3 * BlobStore.chunkSize - 7])
    func sizesAroundChunkBoundariesRoundTrip(size: Int) throws {
        let store = try BlobStore(directory: Self.folder(), key: try DocumentKey.parse(DocumentKey.generate(), source: "test"))
        let data = Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 13) })
        let writer = try store.writer()
        try writer.append(data.prefix(size / 2))
        try writer.append(data.suffix(from: size / 2))
        let sha = try writer.finish()
        #expect(try store.size(of: sha) == size)
        var back = Data()
        try store.read(sha) { back.append($0) }
        #expect(back == data)
        if size > 10 {
            var part = Data()
            try store.read(sha, range: (size / 2 - 5)..<(size / 2 + 5)) { part.append($0) }
            #expect(part == data.subdata(in: (size / 2 - 5)..<(size / 2 + 5)))
        }
    }
}
