import ArgumentParser
import FTArchive
import FTModel
import FTNotify
import FTServer
import FTSite
import FTStore
import Foundation
import Hummingbird
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the public site and the sync API.",
        discussion: """
            Serves the generated site (--public) as static files, and under /api/v1 the sign-in \
            (POST/DELETE /api/v1/session) and sync (POST /api/v1/sync/push, GET /api/v1/sync/pull) \
            endpoints, and the live channel (WebSocket, GET /api/v1/sync/live); GET /healthz answers \
            {"status":"ok"}. Stops cleanly on Ctrl-C or SIGTERM, letting requests in flight finish.

            Every --archive-every hours, document versions older than each document's newest \
            --archive-keep go into per-document archives (as `ft archive` does); once a day the \
            sync log is compacted (as `ft compact` does).

            Signed-in admins get the dashboard and reports at /admin/ (from --admin-dir, never from \
            the public folder; everyone else gets a sign-in page or a refusal). The dashboard is \
            rendered again a few seconds after changes, and yesterday's, last week's and last \
            month's reports are made when missing (checked a minute after start, then every hour), \
            as `ft report` makes them.

            After a push that changed something, the public pages are rebuilt (--rebuild-delay after \
            the first change, never two builds at once; usually a targeted build of a few pages) with \
            --templates and --base-url, as `ft generate --out <public>` would. --no-rebuild turns it off.

            Notifications leave the app by e-mail: through --smtp, or written as .eml files in \
            DATA_DIR/mail/ (open one with any mail client, or `python3 -c "import email, sys; \
            print(email.message_from_binary_file(open(sys.argv[1], 'rb')))" FILE`). A \
            conversation's messages within --mail-digest seconds make one e-mail; nothing but \
            account messages leaves during --quiet-hours (Paris time): it goes out at their end, \
            together. Failures are retried (--mail-tries, --mail-retry-delay), then kept as dead \
            letters. At least once: a crash between sending and recording sends the same e-mail \
            again, with the same Message-ID.

            Push notifications (Web Push) go to every browser a user turned them on in, from the \
            app's preferences page, signed with a VAPID key derived from the document key; the \
            same quiet hours and retries apply. --no-push turns them off.
            """
    )

    @OptionGroup var options: GlobalOptions

    @OptionGroup(title: "E-mail") var mail: MailOptions

    @OptionGroup(title: "Push notifications") var push: PushOptions

    @Option(help: "Address to listen on (127.0.0.1: this machine only).")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8080

    @Option(name: .customLong("public"), help: ArgumentHelp("The generated site to serve.", valueName: "dir"))
    var publicDirectory = "public"

    @Option(help: ArgumentHelp("Templates for rebuilding the site after changes.", valueName: "dir"))
    var templates = "site-templates"

    @Option(help: ArgumentHelp("The site's public address, for rebuilt pages (default: http://HOST:PORT).", valueName: "url"))
    var baseURL: String?

    @Option(help: ArgumentHelp("Milliseconds between a change and the rebuild it triggers.", valueName: "ms"))
    var rebuildDelay = 500

    @Flag(help: "Do not rebuild the public pages or the admin dashboard after changes, nor make the scheduled reports.")
    var noRebuild = false

    @Option(help: ArgumentHelp("The document key file (default: DATA_DIR/document.key; FT_DOCUMENT_KEY wins).", valueName: "file"))
    var documentKey: String?

    @Option(help: ArgumentHelp("The largest document version accepted, in MiB.", valueName: "MiB"))
    var maxUpload = 1_024

    @Option(help: ArgumentHelp("Once a day, compact the sync log down to the last N days (0: never; see `ft compact`).", valueName: "N"))
    var compactDays = 30

    @Option(help: ArgumentHelp("Every N seconds, look at the alert rules (SLA, unanswered messages, due and overdue steps, documents waiting, inactive experts) and tell whom they name (0: never).", valueName: "N"))
    var alertInterval = 60

    @Option(help: ArgumentHelp("The restricted admin pages, served at /admin/ to signed-in admins only (default: DATA_DIR/admin).", valueName: "dir"))
    var adminDir: String?

    @Option(help: ArgumentHelp("Seconds after start before the scheduled reports are first looked for (then hourly); each new report is e-mailed to the admins who asked for it.", valueName: "N"))
    var reportsAfter = 60

    @Option(help: ArgumentHelp("Every N hours, archive document versions older than the newest --archive-keep (0: never; see `ft archive`).", valueName: "N"))
    var archiveEvery = 24

    @Option(help: ArgumentHelp("How many of each document's newest versions stay out of the archive.", valueName: "K"))
    var archiveKeep = 3

    mutating func validate() throws {
        guard archiveEvery >= 0 else { throw ValidationError("--archive-every must be 0 or more (hours), not \(archiveEvery)") }
        guard archiveKeep >= 1 else { throw ValidationError("--archive-keep must be at least 1, not \(archiveKeep)") }
        guard maxUpload >= 1 else { throw ValidationError("--max-upload must be at least 1 (MiB), not \(maxUpload)") }
        guard (0...86_400).contains(reportsAfter) else { throw ValidationError("--reports-after must be 0 to 86400 seconds, not \(reportsAfter)") }
        guard (0...86_400).contains(alertInterval) else { throw ValidationError("--alert-interval must be 0 to 86400 seconds, not \(alertInterval)") }
        guard compactDays >= 0 else { throw ValidationError("--compact-days must be 0 or more, not \(compactDays)") }
        guard (0...600_000).contains(rebuildDelay) else { throw ValidationError("--rebuild-delay must be 0 to 600000 ms, not \(rebuildDelay)") }
        if let baseURL, !(baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://")) {
            throw ValidationError("--base-url must start with http:// or https://, not '\(baseURL)'")
        }
        guard (1...65_535).contains(port) else { throw ValidationError("--port must be 1 to 65535, not \(port)") }
        guard !host.isEmpty else { throw ValidationError("--host cannot be empty") }
    }

    func run() async throws {
        let logger = options.bootstrapLogging()
        MemoryTuning.keepFreedMemory(trim: 64 << 20, mmap: 16 << 20)
        let path = try options.requireDatabase()
        if !FileManager.default.fileExists(atPath: publicDirectory + "/index.html") {
            logger.warning("no site in \(publicDirectory); run `ft generate` first (the API works without it)")
        }
        // Documents are encrypted at rest: no key, no server (nothing is opened or written first).
        let blobs = try options.openDocumentStore(keyFile: documentKey)
        let database = try AppDatabase.open(path: path, logger: logger)
        let checkpoints = try database.startBackgroundCheckpoints()
        defer { checkpoints.stop() }
        let adminDirectory = try options.adminDirectory(adminDir, publicDirectory: publicDirectory)
        var configuration = ServerConfiguration(host: host, port: port, publicDirectory: publicDirectory, maximumUpload: maxUpload << 20, adminDirectory: adminDirectory)
        // Sign-up and new passwords are checked against the templates' place list and common passwords.
        if FileManager.default.fileExists(atPath: templates + "/data/common-passwords.txt") {
            configuration.accounts = try AccountSettings(templatesDirectory: templates)
        } else {
            logger.warning("no \(templates)/data/common-passwords.txt: sign-up is off and new passwords are checked for length only (pass --templates DIR)")
        }
        // Checked before the server says it serves: a wrong --smtp or template stops it here.
        let mailer = try mail.makeMailer(
            database: database, blobs: blobs, templates: templates, baseURL: baseURL ?? "http://\(host):\(port)",
            dataDirectory: options.dataDirectory, adminDirectory: adminDirectory, channels: push.noPush ? [.email] : [.email, .push], logger: logger
        )
        let pusher = try push.makePusher(database: database, blobs: blobs, policy: try mail.policy(), channels: mailer == nil ? [.push] : [.email, .push], logger: logger)
        configuration.push = pusher?.1
        var rebuilder: SiteRebuilder?
        if !noRebuild {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: templates, isDirectory: &isDirectory), isDirectory.boolValue {
                let site = SiteConfiguration(templatesDirectory: templates, outputDirectory: publicDirectory, baseURL: baseURL ?? "http://\(host):\(port)")
                rebuilder = SiteRebuilder(generator: SiteGenerator(configuration: site), database: database, delay: .milliseconds(rebuildDelay)) { result in
                    switch result {
                    case .success(let report):
                        logger.info("site rebuilt", metadata: [
                            "mode": "\(report.mode.rawValue)", "written": "\(report.written.count)", "seconds": "\(String(format: "%.3f", report.seconds))",
                        ])
                    case .failure(let error):
                        logger.error("site rebuild failed: \(error)")
                    }
                }
            } else {
                logger.warning("no templates at \(templates): the public pages will not be rebuilt after changes (pass --templates DIR)")
            }
        }
        let admin = noRebuild ? nil : AdminService(database: database, templates: templates, directory: adminDirectory, logger: logger)
        // A dashboard `ft generate` left is current; render one at start only if there is none.
        if !FileManager.default.fileExists(atPath: adminDirectory + "/index.html") { admin?.dashboard.changed() }
        // Stopped before the database closes: what reads or writes it beside the requests.
        let background = BackgroundWork()
        if let rebuilder { background.add { await rebuilder.stop() } }
        if let admin { background.add { await admin.dashboard.stop() } }
        // The alert centre and the announcements page are rendered on each request, from the admin templates.
        if FileManager.default.fileExists(atPath: templates + "/admin/alerts.mustache") {
            let centre = AlertCentre(configuration: AdminConfiguration(templatesDirectory: templates, outputDirectory: adminDirectory))
            configuration.alertCentre = { done, problem in try centre.page(from: database, now: Date(), done: done, problem: problem) }
        }
        if FileManager.default.fileExists(atPath: templates + "/admin/announcements.mustache") {
            let page = AnnouncementsPage(configuration: AdminConfiguration(templatesDirectory: templates, outputDirectory: adminDirectory))
            configuration.announcements = { draft, sent, audience, problem in
                try page.page(from: database, now: Date(), draft: draft, sent: sent, audience: audience, problem: problem)
            }
        }
        if FileManager.default.fileExists(atPath: templates + "/admin/workflows.mustache") {
            let page = WorkflowsPage(configuration: AdminConfiguration(templatesDirectory: templates, outputDirectory: adminDirectory))
            configuration.workflows = { product, draft, preview, saved, problems in
                try page.page(from: database, productId: product, draft: draft, preview: preview, savedVersion: saved, problems: problems, now: Date())
            }
        }
        if FileManager.default.fileExists(atPath: templates + "/admin/dossier.mustache") {
            let page = DossierPage(configuration: AdminConfiguration(templatesDirectory: templates, outputDirectory: adminDirectory))
            configuration.dossiers = { id, csrf, notice, problem in try page.page(from: database, id: id, csrf: csrf, now: Date(), notice: notice, problem: problem) }
        }
        if FileManager.default.fileExists(atPath: templates + "/admin/accounts.mustache") {
            let page = UsersPage(configuration: AdminConfiguration(templatesDirectory: templates, outputDirectory: adminDirectory))
            configuration.users = UsersRenderer(
                list: { query, csrf, me, notice, problem in try page.list(from: database, query: query, csrf: csrf, me: me, now: Date(), notice: notice, problem: problem) },
                account: { id, csrf, me, notice, problem in try page.account(from: database, id: id, csrf: csrf, me: me, now: Date(), notice: notice, problem: problem) },
                csv: { query in try page.csv(from: database, query: query) }
            )
        }
        let metrics = configuration.metrics
        let live = LiveHub(database: database)
        // Steps found overdue are sync changes: the devices hear of them, the dashboard follows
        // (steps are not on the public pages).
        let watcher = alertInterval == 0 ? nil : AlertWatcher(
            database: database, interval: .seconds(alertInterval), health: { metrics.health() },
            onSynced: { [admin] seq in
                live.committed(upTo: seq)
                admin?.dashboard.changed()
            },
            logger: Logger(label: "FinancialTracker.alerts")
        )
        // Notifications written (a synced message, an alert, an announcement, a report) leave
        // within milliseconds rather than at the workers' next interval.
        let notify: @Sendable () -> Void = { [mailer, pusher] in
            mailer?.wake()
            pusher?.0.wake()
        }
        let app = buildApplication(database: database, configuration: configuration, live: live, blobs: blobs, background: background, onCommit: { [rebuilder, admin, watcher] in
            rebuilder?.changed()
            admin?.dashboard.changed()
            watcher?.wake()
            notify()
        }, onPublish: { [rebuilder] in
            // Only the public pages: what an expert writes about themselves is not on the
            // dashboard, whose 3-second render on 10,000 experts would share the cores with it.
            rebuilder?.changed(promptly: true)
        }, logger: logger)
        // Written unbuffered, so that it shows at once even when stdout is a pipe or a file.
        FileHandle.standardOutput.write(Data("Serving \(publicDirectory)/ and the sync API on http://\(host):\(port)/ — Ctrl-C to stop.\n".utf8))
        let compaction = compactDays == 0 ? nil : Task.detached { [compactDays] in
            while !Task.isCancelled {
                do {
                    let report = try CompactCommand.compact(database, changesDays: compactDays, tombstonesDays: max(compactDays, 90))
                    logger.info("sync log compacted", metadata: ["changes": "\(report.changesRemoved)", "horizon": "\(report.horizon)"])
                } catch {
                    logger.error("sync log compaction failed: \(error)")
                }
                try? await Task.sleep(for: .seconds(86_400))
            }
        }
        defer { compaction?.cancel() }
        if let compaction { background.add { compaction.cancel(); await compaction.value } }
        // Profiles' response times are measured over the last 90 days: the first build of each
        // UTC day is a full one (the window is part of the build's inputs), even with no change.
        let newDay = rebuilder.map { rebuilder in
            Task.detached {
                while !Task.isCancelled {
                    let now = Date().timeIntervalSince1970
                    let midnight = ((now / 86_400).rounded(.down) + 1) * 86_400
                    try? await Task.sleep(for: .seconds(midnight - now + 60))
                    if !Task.isCancelled { rebuilder.changed() }
                }
            }
        }
        defer { newDay?.cancel() }
        if let newDay { background.add { newDay.cancel(); await newDay.value } }
        let archiving = archiveEvery == 0 ? nil : Task.detached { [archiveEvery, archiveKeep] in
            let archiver = DocumentArchiver(database: database, blobs: blobs, keep: archiveKeep)
            // The first run waits a little: a server that is started to be used at once is not slowed.
            try? await Task.sleep(for: .seconds(300))
            while !Task.isCancelled {
                do {
                    let report = try archiver.run()
                    logger.info("document versions archived", metadata: [
                        "versions": "\(report.versionsArchived)", "documents": "\(report.documents)", "blobsDeleted": "\(report.blobsDeleted)",
                    ])
                    for failure in report.failures { logger.error("archiving failed: \(failure)") }
                } catch {
                    logger.error("archiving failed: \(error)")
                }
                try? await Task.sleep(for: .seconds(archiveEvery * 3_600))
            }
        }
        defer { archiving?.cancel() }
        if let archiving { background.add { archiving.cancel(); await archiving.value } }
        let mailing = mailer.map { mailer in Task.detached { await mailer.run() } }
        defer { mailing?.cancel() }
        if let mailing { background.add { mailing.cancel(); await mailing.value } }
        let pushing = pusher.map { pusher, _ in Task.detached { await pusher.run() } }
        defer { pushing?.cancel() }
        if let pushing, let pusher { background.add { pushing.cancel(); await pushing.value; await pusher.0.shutdown() } }
        let watching = watcher.map { watcher in Task.detached { await watcher.run() } }
        defer { watching?.cancel() }
        if let watching { background.add { watching.cancel(); await watching.value } }
        let reports = admin.map { admin in Task.detached { await admin.makeScheduledReports(firstCheck: .seconds(reportsAfter), told: notify) } }
        defer { reports?.cancel() }
        if let reports { background.add { reports.cancel(); await reports.value } }
        try await app.runService()
        await background.stopAll()
        checkpoints.stop()
        try database.close()
    }
}
