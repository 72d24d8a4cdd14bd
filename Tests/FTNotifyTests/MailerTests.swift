import FTModel
import FTSeed
import FTSite
import FTStore
import FTSync
import Foundation
import Logging
import Testing
@testable import FTNotify

/// The e-mail worker with the project's own mail templates, a real (in-memory) seeded database
/// and a transport that records or fails.
@Suite struct MailerTests {
    static let templates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../site-templates").standardized.path
    static let noon = Date(timeIntervalSince1970: 1_796_644_800) // 2026-12-07 12:00 UTC (13:00 in Paris)

    /// Records what it is given; fails the first `failures` sends.
    final class RecordingTransport: MailTransport, @unchecked Sendable {
        private let lock = NSLock()
        private var sentMessages: [MailMessage] = []
        private var failuresLeft: Int
        init(failures: Int = 0) { failuresLeft = failures }
        var description: String { "recording" }
        var sent: [MailMessage] { lock.withLock { sentMessages } }
        func send(_ message: MailMessage) async throws {
            try lock.withLock {
                if failuresLeft > 0 {
                    failuresLeft -= 1
                    throw MailTransportError(code: 451, reason: "4.3.0 try again later")
                }
                sentMessages.append(message)
            }
        }
    }

    final class Clock: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Date
        init(_ start: Date) { value = start }
        var now: Date { lock.withLock { value } }
        func advance(_ seconds: TimeInterval) { lock.withLock { value = value.addingTimeInterval(seconds) } }
    }

    struct Setup {
        let database: AppDatabase
        let clock: Clock
        let client: SyncActor
        let conversation: Int64

        init() throws {
            database = try AppDatabase.inMemory()
            _ = try DemoSeeder(configuration: SeedConfiguration(experts: 6, clients: 12, seed: 7, today: MailerTests.noon)).seed(into: database)
            clock = Clock(MailerTests.noon)
            let user = try #require(try database.user(email: DemoAccounts.client)?.id)
            client = SyncActor(user: user, role: .client)
            let snapshot = try database.snapshot(for: client)
            let conversations = snapshot.compactMap { operation -> Int64? in
                guard operation.collection == .message, case .int(let id)? = operation.fields["conversation"] else { return nil }
                return id
            }
            conversation = try #require(conversations.first)
        }

        func message(_ id: String, _ body: String, at offset: TimeInterval) throws {
            let at = MailerTests.noon.addingTimeInterval(offset)
            let hlc = HLCTimestamp(milliseconds: Int64(at.timeIntervalSince1970 * 1_000), node: "mailer_test")
            let results = try database.push([
                SyncOperation(id: id, collection: .message, action: .insert, record: id, fields: ["conversation": .int(conversation), "body": .string(body)], hlc: hlc, actor: client),
            ], actor: client, now: at)
            #expect(results.allSatisfy { $0.status == .accepted })
        }

        func mailer(_ transport: any MailTransport, retry: RetryPolicy = RetryPolicy(), adminDirectory: String? = nil) throws -> NotificationMailer {
            let clock = self.clock
            return NotificationMailer(
                database: database, templates: try MailTemplates(directory: MailerTests.templates), transport: transport,
                configuration: MailConfiguration(from: MailAddress("notifications@financialtracker.example", name: "FinancialTracker"), baseURL: "https://ft.example",
                                                 policy: NotificationPolicy(digestWindow: 60, retry: retry), adminDirectory: adminDirectory),
                tokens: LinkTokens(documentKey: try DocumentKey.parse(DocumentKey.generate(), source: "test")),
                logger: Logger(label: "test"), now: { clock.now }, jitter: { 0.5 }
            )
        }
    }

    @Test func aConversationsMessagesMakeOneFrenchEmailWithWorkingLinks() async throws {
        let setup = try Setup()
        let transport = RecordingTransport()
        let mailer = try setup.mailer(transport)
        try setup.message("m1", "Bonjour, le devis est prêt", at: 0)
        try setup.message("m2", "Pouvez-vous l’envoyer avant jeudi ?", at: 10)
        #expect(await mailer.deliverDue() == .init(sent: 0, failed: 0))
        setup.clock.advance(61)
        let round = await mailer.deliverDue()
        // To the dossier's expert (the author, the client, gets none).
        let mail = try #require(transport.sent.first)
        #expect(round.sent == transport.sent.count)
        #expect(!transport.sent.contains { $0.to.address == DemoAccounts.client })
        let recipient = mail.to.address
        #expect(mail.subject.hasPrefix("2 nouveaux messages dans le dossier n° "))
        #expect(mail.text.contains("Bonjour, le devis est prêt") && mail.text.contains("Pouvez-vous l’envoyer avant jeudi ?"))
        #expect(mail.text.contains("https://ft.example/app/conversation.html?conversation=\(setup.conversation)"))
        #expect(mail.html.contains("Pouvez-vous l’envoyer avant jeudi ?"))
        let unsubscribe = try #require(mail.unsubscribe)
        #expect(unsubscribe.absoluteString.hasPrefix("https://ft.example/api/v1/unsubscribe/"))
        #expect(mail.text.contains(unsubscribe.absoluteString))
        // Nothing more to send: each e-mail once.
        #expect(await mailer.deliverDue().sent == 0)
        #expect(transport.sent.filter { $0.to.address == recipient }.count == 1)
        // Its link turns off exactly that: e-mails for messages.
        let token = unsubscribe.lastPathComponent
        let expert = try #require(try setup.database.user(email: recipient)?.id)
        #expect(try setup.database.unsubscribe(tokenHash: LinkTokens.hash(token), at: setup.clock.now) == .unsubscribed(userId: expert, email: recipient, kind: .message, channel: .email))
        try setup.message("m3", "Encore un message", at: 100)
        setup.clock.advance(200)
        _ = await mailer.deliverDue()
        #expect(transport.sent.filter { $0.to.address == recipient }.count == 1)
    }

    @Test func userTextIsEscapedInTheHTMLPart() async throws {
        let setup = try Setup()
        let transport = RecordingTransport()
        let mailer = try setup.mailer(transport)
        try setup.message("x1", "<script>alert(1)</script> & <b>gras</b>", at: 0)
        setup.clock.advance(61)
        _ = await mailer.deliverDue()
        let mail = try #require(transport.sent.first)
        #expect(!mail.html.contains("<script>") && mail.html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;gras&lt;/b&gt;"))
        #expect(mail.text.contains("<script>alert(1)</script> & <b>gras</b>"))
    }

    @Test func aFailingServerIsRetriedThenDeadLettered() async throws {
        let setup = try Setup()
        let transport = RecordingTransport(failures: 100)
        let mailer = try setup.mailer(transport, retry: RetryPolicy(maximumAttempts: 3, firstDelay: 10, longestDelay: 60))
        try setup.message("r1", "Relance", at: 0)
        setup.clock.advance(61)
        #expect(await mailer.deliverDue().failed >= 1)
        // Backoff: not again before 10 s (jitter 0.5 → exactly the delay), then again.
        setup.clock.advance(5)
        #expect(await mailer.deliverDue().failed == 0)
        setup.clock.advance(6)
        #expect(await mailer.deliverDue().failed >= 1)
        setup.clock.advance(21)
        #expect(await mailer.deliverDue().failed >= 1)
        // Three failures: dead.
        setup.clock.advance(3_600)
        #expect(await mailer.deliverDue().failed == 0)
        let dead = try setup.database.deadMails()
        #expect(!dead.isEmpty && dead.allSatisfy { $0.attempts == 3 && $0.lastError.contains("451") })
    }

    @Test func aReportGoesToTheAdminWhoAskedWithItsFilesAttached() async throws {
        let setup = try Setup()
        try setup.database.skipNotificationsFannedOut()
        let admin = try #require(try setup.database.user(email: DemoAccounts.admin)?.id)
        // Through sync, as the preferences page does it.
        let actor = SyncActor(user: admin, role: .admin)
        let hlc = HLCTimestamp(milliseconds: Int64(MailerTests.noon.timeIntervalSince1970 * 1_000), node: "mailer_test")
        let results = try setup.database.push([
            SyncOperation(id: "want-report", collection: .preference, action: .update, record: "\(admin):report_monthly:email", fields: ["enabled": .bool(true)], hlc: hlc, actor: actor),
        ], actor: actor, now: MailerTests.noon)
        #expect(results.allSatisfy { $0.status == .accepted })
        let folder = NSTemporaryDirectory() + "ft-report-mail-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/rapports/monthly", withIntermediateDirectories: true)
        let workbook = Data("PK\u{3}\u{4} tableur".utf8)
        let printed = Data("%PDF-1.7 rapport".utf8)
        try workbook.write(to: URL(fileURLWithPath: folder + "/rapports/monthly/2026-11.xlsx"))
        try printed.write(to: URL(fileURLWithPath: folder + "/rapports/monthly/2026-11.pdf"))
        try setup.database.notifyAdminsOfReport(kind: .reportMonthly, title: "Rapport de novembre 2026", body: "Le rapport est prêt.", target: "/admin/rapports/monthly/2026-11.html", at: MailerTests.noon)
        let transport = RecordingTransport()
        _ = try await setup.mailer(transport, adminDirectory: folder).deliverDue()
        let sent = transport.sent
        #expect(sent.map(\.to.address) == [DemoAccounts.admin])
        let mail = try #require(sent.first)
        #expect(mail.subject == "Rapport de novembre 2026")
        #expect(mail.attachments.map(\.filename) == ["rapport-2026-11.xlsx", "rapport-2026-11.pdf"])
        #expect(mail.attachments.map(\.data) == [workbook, printed])
        #expect(mail.text.contains("https://ft.example/admin/rapports/monthly/2026-11.html"))
        #expect(mail.unsubscribe != nil, "a report can be turned off from its e-mail")
        // On the wire: mixed, the two parts, then each file in base64.
        let wire = String(decoding: mail.rendered(), as: UTF8.self)
        #expect(wire.contains("Content-Type: multipart/mixed;\r\n boundary="))
        #expect(wire.contains("Content-Disposition: attachment;\r\n filename=\"rapport-2026-11.pdf\""))
        #expect(wire.contains(printed.base64EncodedString()))
    }

    @Test func aReportPagePathIsTheOnlyTargetThatAttaches() {
        #expect(NotificationMailer.reportPage("/admin/rapports/weekly/2026-W48.html")! == ("weekly", "2026-W48"))
        #expect(NotificationMailer.reportPage("/admin/rapports/daily/2026-11-24.html")! == ("daily", "2026-11-24"))
        for target in ["/admin/rapports/weekly/../../document.key.html", "/admin/rapports/yearly/2026.html", "/admin/rapports/weekly/2026-W48.pdf",
                       "/admin/index.html", "conversation:12", "/admin/rapports/monthly/2026-11/x.html"] {
            #expect(NotificationMailer.reportPage(target) == nil, "\(target)")
        }
    }
}
