public import Foundation
public import Hummingbird
internal import HummingbirdWebSocket
public import Logging
internal import FTArchive
public import FTStore

/// The router of the whole server; `ft serve` and the tests build it the same way.
///
/// `live` is told of every commit and tells the connected devices; `onCommit` is called after
/// each push that changed something (`ft serve` rebuilds the public pages from it), `onPublish`
/// after a write its author waits to see on the public pages (a saved profile: the rebuild starts
/// without its delay). The work the
/// server starts beside the requests (the document indexer) is added to `background`, to be
/// stopped before the database closes.
public func buildRouter(
    database: AppDatabase,
    configuration: ServerConfiguration,
    live: LiveHub? = nil,
    blobs: BlobStore? = nil,
    background: BackgroundWork = BackgroundWork(),
    onCommit: @escaping @Sendable () -> Void = {},
    onPublish: (@Sendable () -> Void)? = nil,
    now: @escaping @Sendable () -> Date = Date.init
) -> Router<AppRequestContext> {
    let live = live ?? LiveHub(database: database, now: now)
    let pushes = PushQueue(database: database, now: now)
    let heavy = HeavyWork()
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: RequestMetricsMiddleware(metrics: configuration.metrics))
    router.add(middleware: LogRequestsMiddleware(.info))
    router.add(middleware: CompressionMiddleware(cache: CompressedCache()))
    router.add(middleware: ServiceWorkerScopeMiddleware())
    router.add(middleware: NotFoundPageMiddleware(publicDirectory: configuration.publicDirectory))
    // Revalidated with ETag / Last-Modified, except the stylesheet, whose name carries its hash.
    // Each file read through one open file, whole: a rebuild renaming pages never cuts one short.
    router.add(middleware: FileMiddleware(
        fileProvider: SnapshotFileSystem(rootFolder: configuration.publicDirectory),
        cacheControl: .init([
            (.textHtml, [.noCache]),
            (.textCss, [.public, .maxAge(31_536_000), .immutable]),
            (.textJavascript, [.noCache]),
            (.applicationJson, [.noCache]),
            (.applicationXml, [.noCache]),
            (.applicationBinary, [.noCache]),
        ]),
        searchForIndexHtml: true
    ))
    router.get("healthz") { _, _ in ["status": "ok"] }
    MetricsController(database: database, metrics: configuration.metrics, now: now).add(to: router)
    if let adminDirectory = configuration.adminDirectory {
        AdminController(
            database: database, directory: adminDirectory, now: now, alertCentre: configuration.alertCentre, announcements: configuration.announcements, workflows: configuration.workflows,
            users: configuration.users, dossiers: configuration.dossiers, live: live, onCommit: onCommit
        ).add(to: router)
    }
    let api = router.group("api/v1").add(middleware: SessionMiddleware(database: database, now: now))
    let limits = AccountLimits()
    SessionController(database: database, configuration: configuration, live: live, heavy: heavy, limits: limits, tokens: blobs?.linkTokens, onMail: onCommit, now: now).add(to: api)
    SyncController(database: database, configuration: configuration, live: live, pushes: pushes, heavy: heavy, onCommit: onCommit, now: now).add(to: api)
    MeController(database: database, now: now).add(to: api)
    UnsubscribeController(database: database, now: now).add(to: api)
    PushSubscriptionController(database: database, settings: configuration.push, now: now).add(to: api)
    if let blobs {
        let contents = DocumentContents(database: database, blobs: blobs)
        let indexer = DocumentIndexer(database: database, contents: contents, activity: pushes.activity, logger: Logger(label: "FinancialTracker.documents"))
        background.add { await indexer.stop() }
        // What a stopped server left unindexed.
        indexer.schedule()
        DocumentController(database: database, blobs: blobs, contents: contents, indexer: indexer, configuration: configuration, pushes: pushes, live: live, onCommit: onCommit, now: now).add(to: api)
        ExportController(database: database, contents: contents).add(to: api)
        // Its links' tokens are made with the store's key, as the e-mails' are.
        SearchAlertController(database: database, tokens: blobs.linkTokens, now: now).add(to: api)
        AccountController(database: database, settings: configuration.accounts, tokens: blobs.linkTokens, live: live, heavy: heavy, limits: limits, onMail: onCommit, now: now).add(to: api)
        AccountDeletionController(database: database, blobs: blobs, tokens: blobs.linkTokens, live: live, heavy: heavy, limits: limits, onCommit: onPublish ?? onCommit, now: now).add(to: api)
        ExpertProfileController(
            database: database, settings: configuration.accounts, tokens: blobs.linkTokens, heavy: heavy, limits: limits,
            onMail: onCommit, onPublish: onPublish ?? onCommit, now: now
        ).add(to: api)
    }
    LiveController(database: database, hub: live, now: now).add(to: api)
    return router
}

/// The HTTP application, ready to `runService()`.
public func buildApplication(
    database: AppDatabase, configuration: ServerConfiguration, live: LiveHub? = nil, blobs: BlobStore? = nil,
    background: BackgroundWork = BackgroundWork(), onCommit: @escaping @Sendable () -> Void = {}, onPublish: (@Sendable () -> Void)? = nil, logger: Logger
) -> some ApplicationProtocol {
    let router = buildRouter(database: database, configuration: configuration, live: live, blobs: blobs, background: background, onCommit: onCommit, onPublish: onPublish)
    return Application(
        router: router,
        server: .http1WebSocketUpgrade(webSocketRouter: router, configuration: .init(
            http1: .init(additionalChannelHandlers: [ExpectContinueHandler()]),
            ws: .init(maxFrameSize: LiveController.maximumFrame, autoPing: .enabled(timePeriod: .seconds(30)))
        )),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "FinancialTracker"),
        logger: logger
    )
}
