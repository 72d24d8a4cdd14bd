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
import FTTestSupport

/// The real router over a real (in-memory) database, called in-process.
struct ServerFixture {
    static let today = Date(timeIntervalSince1970: 1_795_132_800)
    let database: AppDatabase
    let publicDirectory: String
    let blobs: BlobStore
    let app: Application<RouterResponder<AppRequestContext>>

    /// `databaseFile`: a real SQLite file under the fixture's data folder (`dataDirectory`)
    /// instead of memory, for tests that look at what reaches the disk.
    init(maximumUpload: Int = 1 << 30, maximumBatch: Int = 50, databaseFile: Bool = false) throws {
        let publicDirectory = TestFolder.path("ft-public")
        self.publicDirectory = publicDirectory
        if databaseFile {
            try FileManager.default.createDirectory(atPath: publicDirectory + "-data", withIntermediateDirectories: true)
            database = try AppDatabase.open(path: publicDirectory + "-data/financialtracker.sqlite")
        } else {
            database = try AppDatabase.inMemory()
        }
        _ = try DemoSeeder(configuration: SeedConfiguration(experts: 6, clients: 12, seed: 3, today: Self.today, passwordHasher: PasswordHasher(iterations: 1_000))).seed(into: database)
        try FileManager.default.createDirectory(atPath: publicDirectory, withIntermediateDirectories: true)
        try "<!doctype html><title>Accueil</title>".write(toFile: publicDirectory + "/index.html", atomically: true, encoding: .utf8)
        blobs = try BlobStore(directory: publicDirectory + "-data/blobs", key: try DocumentKey.parse(DocumentKey.generate(), source: "test"))
        let configuration = ServerConfiguration(publicDirectory: publicDirectory, maximumBatch: maximumBatch, maximumUpload: maximumUpload)
        app = Application(router: buildRouter(database: database, configuration: configuration, blobs: blobs, now: { Self.today.addingTimeInterval(3_600) }))
    }

    /// The folder of the database file (with `databaseFile`) and of the stored documents.
    var dataDirectory: String { publicDirectory + "-data" }

    /// A TCP socket connected to 127.0.0.1:`port`, for tests that speak raw HTTP; `receiveWindow`
    /// shrinks its receive buffer (set before connecting). Nil when the connection fails.
    static func loopbackSocket(port: Int, receiveWindow: Int32? = nil) -> Int32? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        if var window = receiveWindow {
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &window, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            return nil
        }
        return descriptor
    }

    static func json(_ object: Any) throws -> ByteBuffer {
        ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object))
    }

    static func object(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
    }

    static func signIn(_ client: some TestClientProtocol, _ email: String) async throws -> String {
        do {
                let response = try await client.executeRequest(uri: "/api/v1/session", method: .post, headers: [.contentType: "application/json"], body: json(["email": email, "password": DemoAccounts.defaultPassword]))
            #expect(response.status == .created)
            return try #require(try object(response)["token"] as? String)
        }
    }

    static func headers(_ token: String) -> HTTPFields {
        [.authorization: "Bearer \(token)", .contentType: "application/json", HTTPField.Name("FT-Protocol")!: "1"]
    }
}

@Suite(.timeLimit(.minutes(2))) struct ServerTests {
    /// The conversation of the demo client's dossier with the demo expert, through the store's API.
    static func demoConversation(_ database: AppDatabase) throws -> Int64 {
        let clientUser = try #require(try database.user(email: DemoAccounts.client)?.id)
        let expertUser = try #require(try database.user(email: DemoAccounts.expert)?.id)
        let client = try #require(try database.client(userId: clientUser)?.id)
        for dossier in try database.dossiers(clientId: client) {
            let dossierId = try #require(dossier.id)
            for assignment in try database.assignments(dossierId: dossierId) where assignment.status != .cancelled {
                if try database.expert(id: assignment.expertId)?.userId == expertUser, let conversation = try database.conversation(dossierId: dossierId)?.id {
                    return conversation
                }
            }
        }
        Issue.record("no conversation between the demo client and the demo expert")
        return 0
    }

    @Test func healthAndStaticFiles() async throws {
        let fixture = try ServerFixture()
        try await fixture.app.test(.router) { client in
            do {
                let response = try await client.executeRequest(uri: "/healthz", method: .get, headers: [:], body: nil)
                #expect(response.status == .ok)
                #expect(try ServerFixture.object(response)["status"] as? String == "ok")
            }
            do {
                let response = try await client.executeRequest(uri: "/", method: .get, headers: [:], body: nil)
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("<title>Accueil</title>"))
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
            }
            do {
                let response = try await client.executeRequest(uri: "/../../etc/passwd", method: .get, headers: [:], body: nil)
                #expect(response.status == .notFound || response.status == .badRequest)
            }
        }
    }

    @Test func signInAndOut() async throws {
        let fixture = try ServerFixture()
        try await fixture.app.test(.router) { client in
            do {
                let response = try await client.executeRequest(uri: "/api/v1/session", method: .post, headers: [:], body: ServerFixture.json(["email": DemoAccounts.client, "password": "faux"]))
                #expect(response.status == .unauthorized)
                #expect(try ServerFixture.object(response)["error"] as? String == "invalid_credentials")
            }
            do {
                let response = try await client.executeRequest(uri: "/api/v1/session", method: .post, headers: [:], body: ByteBuffer(string: "{\"email\": 3"))
                #expect(response.status == .badRequest)
                #expect(try ServerFixture.object(response)["error"] as? String == "invalid_body")
            }
            let token = try await ServerFixture.signIn(client, DemoAccounts.client)
            do {
                let response = try await client.executeRequest(uri: "/api/v1/sync/pull", method: .get, headers: ServerFixture.headers(token), body: nil)
                #expect(response.status == .ok)
            }
            do {
                let response = try await client.executeRequest(uri: "/api/v1/session", method: .delete, headers: ServerFixture.headers(token), body: nil)
                #expect(response.status == .noContent)
            }
            do {
                let response = try await client.executeRequest(uri: "/api/v1/sync/pull", method: .get, headers: ServerFixture.headers(token), body: nil)
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test func pushThenPullRespectsWhoSeesWhat() async throws {
        let fixture = try ServerFixture()
        let conversation = try Self.demoConversation(fixture.database)
        let operation: [String: Any] = [
            "id": "http-op-1", "collection": "message", "action": "insert", "record": "http-msg-1",
            "fields": ["conversation": conversation, "body": "Bonjour depuis le téléphone"], "hlc": "0001795132800000-00000-phone",
        ]
        let pushBody = try ServerFixture.json(["operations": [operation]])
        try await fixture.app.test(.router) { client in
            let clientToken = try await ServerFixture.signIn(client, DemoAccounts.client)
            let expertToken = try await ServerFixture.signIn(client, DemoAccounts.expert)
            let otherToken = try await ServerFixture.signIn(client, DemoAccounts.otherClient)

            do {
                let response = try await client.executeRequest(uri: "/api/v1/sync/push", method: .post, headers: [.contentType: "application/json"], body: pushBody)
                #expect(response.status == .unauthorized || response.status == .upgradeRequired)
            }
            var old = ServerFixture.headers(clientToken)
            old[HTTPField.Name("FT-Protocol")!] = "0"
            do {
                let response = try await client.executeRequest(uri: "/api/v1/sync/push", method: .post, headers: old, body: pushBody)
                #expect(response.status == .upgradeRequired)
                #expect(try ServerFixture.object(response)["error"] as? String == "update_required")
            }
            for _ in 0..<2 {
                do {
                let response = try await client.executeRequest(uri: "/api/v1/sync/push", method: .post, headers: ServerFixture.headers(clientToken), body: pushBody)
                    #expect(response.status == .ok)
                    let results = try #require(try ServerFixture.object(response)["results"] as? [[String: Any]])
                    #expect(results.first?["status"] as? String == "accepted")
                }
            }
            do {
                let response = try await client.executeRequest(uri: "/api/v1/sync/pull?cursor=0", method: .get, headers: ServerFixture.headers(expertToken), body: nil)
                #expect(response.status == .ok)
                let changes = try #require(try ServerFixture.object(response)["changes"] as? [[String: Any]])
                #expect(changes.count == 1)
                let pulled = try #require(changes.first?["operation"] as? [String: Any])
                #expect(pulled["id"] as? String == "http-op-1")
                #expect((pulled["actor"] as? [String: Any])?["role"] as? String == "client")
            }
            do {
                let response = try await client.executeRequest(uri: "/api/v1/sync/pull?cursor=0", method: .get, headers: ServerFixture.headers(otherToken), body: nil)
                #expect(response.status == .ok)
                #expect(try #require(try ServerFixture.object(response)["changes"] as? [Any]).isEmpty)
            }
        }
    }

    @Test(arguments: [
        ("{not json", "invalid_body"),
        (#"{"operations": 3}"#, "invalid_body"),
        (#"{"operations": [{"id": "x", "collection": "photo", "action": "insert", "record": "r", "fields": {}, "hlc": "0001795132800000-00000-a"}]}"#, "invalid_body"),
        (#"{"operations": [{"id": "x", "collection": "message", "action": "insert", "record": "r", "fields": {"body": 1.5}, "hlc": "0001795132800000-00000-a"}]}"#, "invalid_body"),
        (#"{"operations": [{"id": "x", "collection": "message", "action": "insert", "record": "r", "fields": {}, "hlc": "hier"}]}"#, "invalid_body"),
    ])
    func malformedPushesAreA400ThatNamesTheProblem(body: String, code: String) async throws {
        let fixture = try ServerFixture()
        let before = try fixture.database.tableCounts()
        try await fixture.app.test(.router) { client in
            let token = try await ServerFixture.signIn(client, DemoAccounts.client)
            do {
                let response = try await client.executeRequest(uri: "/api/v1/sync/push", method: .post, headers: ServerFixture.headers(token), body: ByteBuffer(string: body))
                #expect(response.status == .badRequest)
                let answer = try ServerFixture.object(response)
                #expect(answer["error"] as? String == code)
                #expect(!((answer["message"] as? String) ?? "").isEmpty)
            }
        }
        #expect(try fixture.database.tableCounts().filter { $0.table != "session" } == before.filter { $0.table != "session" })
    }

    @Test func oversizedBatchesAndBadCursorsAreRefused() async throws {
        let fixture = try ServerFixture()
        let many = (0..<51).map { index -> [String: Any] in
            ["id": "b\(index)", "collection": "message", "action": "delete", "record": "nope", "fields": [String: Any](), "hlc": "0001795132800000-00000-a"]
        }
        let manyBody = try ServerFixture.json(["operations": many])
        try await fixture.app.test(.router) { client in
            let token = try await ServerFixture.signIn(client, DemoAccounts.client)
            do {
                let response = try await client.executeRequest(uri: "/api/v1/sync/push", method: .post, headers: ServerFixture.headers(token), body: manyBody)
                #expect(response.status == .contentTooLarge)
            }
            for query in ["cursor=-1", "cursor=abc", "cursor=999999", "limit=0", "limit=100000"] {
                do {
                let response = try await client.executeRequest(uri: "/api/v1/sync/pull?\(query)", method: .get, headers: ServerFixture.headers(token), body: nil)
                    #expect(response.status == .badRequest, "\(query)")
                }
            }
        }
    }
}
