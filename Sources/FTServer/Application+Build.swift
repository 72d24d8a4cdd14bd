public import Foundation
public import Hummingbird
public import Logging
public import FTStore

/// The router of the whole server; `ft serve` and the tests build it the same way.
public func buildRouter(database: AppDatabase, configuration: ServerConfiguration, now: @escaping @Sendable () -> Date = Date.init) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: LogRequestsMiddleware(.info))
    router.add(middleware: FileMiddleware(
        configuration.publicDirectory,
        cacheControl: .init([
            (.textHtml, [.noCache]),
            (.textCss, [.public, .maxAge(31_536_000)]),
        ]),
        searchForIndexHtml: true
    ))
    router.get("healthz") { _, _ in ["status": "ok"] }
    let api = router.group("api/v1").add(middleware: SessionMiddleware(database: database, now: now))
    SessionController(database: database, configuration: configuration, now: now).add(to: api)
    SyncController(database: database, configuration: configuration, now: now).add(to: api)
    return router
}

/// The HTTP application, ready to `runService()`.
public func buildApplication(database: AppDatabase, configuration: ServerConfiguration, logger: Logger) -> some ApplicationProtocol {
    Application(
        router: buildRouter(database: database, configuration: configuration),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "FinancialTracker"),
        logger: logger
    )
}
