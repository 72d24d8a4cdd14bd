internal import Foundation
internal import Hummingbird
internal import HTTPTypes
internal import NIOCore
internal import FTModel
internal import FTStore

/// The restricted pages (dashboard, SLA monitoring, users, reports) under `/admin/`, from the admin
/// folder — never from the public site. Every request, for every file, is checked: a signed-in
/// admin (the `ft_session` cookie set at sign-in, or a bearer token) gets the file; anyone else
/// gets no byte of it: a visitor a sign-in page (401), a client or an expert a refusal (403).
///
/// `/admin/metrics.json` is computed on request (the dashboard's live figures, for its script,
/// which refreshes them each time the live channel announces a change).
struct AdminController {
    let database: AppDatabase
    let directory: String
    let now: @Sendable () -> Date
    let alertCentre: (@Sendable (_ done: String?, _ problem: String?) throws -> String)?
    let announcements: AnnouncementsRenderer?
    let workflows: WorkflowsRenderer?
    let users: UsersRenderer?
    let dossiers: DossierRenderer?
    /// Closes the live connections of an account deactivated or whose role changed.
    let live: LiveHub?
    /// Called after an admin's change is committed (an announcement: its notifications leave).
    var onCommit: @Sendable () -> Void = {}

    static let cookieName = "ft_session"

    func add(to router: Router<AppRequestContext>) {
        // "/admin" and "/admin/" reach the same route: the first is sent to the second, so that
        // the pages' relative links resolve.
        router.get("admin") { request, context in
            request.uri.path.hasSuffix("/") ? try await serve(request, context: context) : Response(status: .seeOther, headers: [.location: "/admin/"])
        }
        router.get("admin/**", use: serve)
        router.post("admin/deconnexion", use: signOut)
        if alertCentre != nil {
            for action in AlertAction.allCases {
                router.post("admin/alertes/\(action.rawValue)") { request, context in try await act(action, request: request, context: context) }
            }
        }
        if users != nil {
            // An account's page: its own route, since the actions' routes below take the place
            // the catch-all would (the router does not go back to it).
            router.get("admin/comptes/:id") { request, context in try await serve(request, context: context) }
            for action in UserAction.allCases {
                router.post("admin/comptes/:id/\(action.rawValue)") { request, context in try await actOnUser(action, request: request, context: context) }
            }
        }
        if dossiers != nil {
            router.get("admin/dossiers/:id", use: dossierPage)
            router.post("admin/dossiers/:id/reattribuer", use: reassignDossier)
        }
        if workflows != nil {
            for action in WorkflowAction.allCases {
                router.post("admin/modeles/\(action.rawValue)") { request, context in try await editWorkflow(action, request: request, context: context) }
            }
        }
        if announcements != nil {
            for action in AnnouncementAction.allCases {
                router.post("admin/annonces/\(action.rawValue)") { request, context in try await announce(action, request: request, context: context) }
            }
        }
    }

    /// The session token of the `ft_session` cookie.
    static func cookieToken(_ request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0] == cookieName, !parts[1].isEmpty, parts[1].count <= 200 { return String(parts[1]) }
            }
        }
        return nil
    }

    /// The session token from the cookie, else from `Authorization: Bearer`.
    static func token(_ request: Request) -> String? {
        if let token = cookieToken(request) { return token }
        if let header = request.headers[.authorization], header.hasPrefix("Bearer ") {
            let token = header.dropFirst("Bearer ".count).trimmingCharacters(in: .whitespaces)
            return token.isEmpty || token.count > 200 ? nil : token
        }
        return nil
    }

    /// The signed-in admin's id, or the page anyone else gets: a visitor a sign-in page (401),
    /// a client or an expert a refusal (403).
    func admin(_ request: Request) throws -> Result<Int64, Refusal> {
        let token = Self.token(request)
        let user = try token.flatMap { try database.user(token: $0, now: now()) }
        guard let user, let id = user.id, let token else { return .failure(Refusal(response: Self.page(.unauthorized, AdminPages.signIn))) }
        guard user.role == .admin else { return .failure(Refusal(response: Self.page(.forbidden, AdminPages.forbidden(switching: FormToken.make(session: token))))) }
        return .success(id)
    }

    /// What a request that is not an admin's gets.
    struct Refusal: Error {
        var response: Response
    }

    @Sendable func serve(_ request: Request, context: AppRequestContext) async throws -> Response {
        if request.uri.path == "/admin/deconnexion.html", let token = Self.token(request), try database.user(token: token, now: now()) != nil {
            return Self.page(.ok, AdminPages.signOut(csrf: FormToken.make(session: token)))
        }
        let admin: Int64
        switch try self.admin(request) {
        case .success(let id): admin = id
        case .failure(let refusal): return refusal.response
        }

        var components = context.parameters.getCatchAll().map(String.init)
        if components.isEmpty, let id = context.parameters.get("id") { components = ["comptes", id] }
        guard components.allSatisfy({ !$0.isEmpty && !$0.hasPrefix(".") && !$0.contains("\\") && !$0.contains("\0") }) else {
            return Self.page(.notFound, AdminPages.notFound)
        }
        let relative = components.isEmpty ? "index.html" : components.joined(separator: "/")
        if relative == "metrics.json" { return try metrics() }
        if relative == "alertes.html", let alertCentre {
            let done = request.uri.queryParameters["fait"].map(String.init)
            return Self.page(.ok, try alertCentre(done, nil))
        }
        if relative == "modeles.html", let workflows {
            let product = request.uri.queryParameters["dispositif"].flatMap { Int64($0) }
            let saved = request.uri.queryParameters["version"].flatMap { Int64($0) }
            guard let page = try workflows(product, nil, false, saved, []) else { return Self.page(.notFound, AdminPages.notFound) }
            return Self.page(.ok, page)
        }
        if relative == "annonces.html", let announcements {
            let sent = request.uri.queryParameters["envoyee"].flatMap { Int($0) }
            return Self.page(.ok, try announcements(AnnouncementDraft(), sent, nil, nil))
        }
        if users != nil, let token = Self.token(request) {
            if relative == "comptes.html" { return try usersList(request, admin: admin, token: token) }
            if relative == "comptes.csv" { return try usersCSV(request) }
            if components.count == 2, components[0] == "comptes", components[1].hasSuffix(".html"), let id = Int64(components[1].dropLast(5)) {
                return try userPage(id, request: request, admin: admin, token: token)
            }
        }
        if relative == "live.js" { return Response(status: .ok, headers: Self.headers("application/javascript; charset=utf-8"), body: .init(byteBuffer: ByteBuffer(string: AdminPages.liveScript))) }

        // Inside the admin folder only, symbolic links resolved.
        let root = URL(fileURLWithPath: directory).standardizedFileURL.resolvingSymlinksInPath().path
        let file = URL(fileURLWithPath: root + "/" + relative).standardizedFileURL.resolvingSymlinksInPath().path
        var isDirectory: ObjCBool = false
        guard file.hasPrefix(root + "/"), FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue,
            let data = FileManager.default.contents(atPath: file)
        else {
            return Self.page(.notFound, AdminPages.notFound)
        }
        return Response(status: .ok, headers: Self.headers(Self.mediaType(file)), body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `POST /admin/deconnexion`: the session ends (any role: the refusal page's "Changer de
    /// compte" too), its cookie is cleared, and the browser goes to `/admin/`, which asks to sign
    /// in. The form carries the session's token, and comes from this server.
    @Sendable func signOut(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let token = Self.token(request), try database.user(token: token, now: now()) != nil else {
            return Self.page(.unauthorized, AdminPages.signIn)
        }
        if Self.cookieToken(request) != nil, !Self.sameOrigin(request) { return Self.page(.forbidden, AdminPages.forbidden) }
        let body = try await request.body.collect(upTo: 4_096)
        guard let sent = Self.formFields(String(buffer: body))["csrf"]?.first, FormToken.matches(sent, session: token) else {
            return Self.page(.forbidden, AdminPages.forbidden)
        }
        try database.signOut(token: token, now: now())
        live?.revoke(token: token)
        return Response(status: .seeOther, headers: [
            .location: "/admin/", .cacheControl: "no-store", .setCookie: "\(Self.cookieName)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict",
        ])
    }

    static func headers(_ type: String) -> HTTPFields {
        [
            .contentType: type, .cacheControl: "private, no-store",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff", HTTPField.Name("X-Robots-Tag")!: "noindex",
        ]
    }

    static func mediaType(_ path: String) -> String {
        switch (path as NSString).pathExtension.lowercased() {
        case "html": "text/html; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "csv": "text/csv; charset=utf-8"
        case "json": "application/json"
        case "js": "application/javascript; charset=utf-8"
        case "pdf": "application/pdf"
        case "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        default: "application/octet-stream"
        }
    }

    static func page(_ status: HTTPResponse.Status, _ html: String) -> Response {
        Response(status: status, headers: headers("text/html; charset=utf-8"), body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// The dashboard's figures now, by the keys its table uses.
    private func metrics() throws -> Response {
        let metrics = try database.dashboardMetrics(now: now())
        var values: [String: Double] = [
            "clients": Double(metrics.clients), "experts_active": Double(metrics.activeExperts), "experts_pending": Double(metrics.pendingExperts),
            "dossiers": Double(metrics.dossiersByStatus.values.reduce(0, +)),
            "amount_estimated": Double(metrics.estimatedCents), "amount_recovered": Double(metrics.recoveredCents),
            "rating_count": Double(metrics.ratingCount),
        ]
        for (status, count) in metrics.dossiersByStatus { values["dossiers_" + status] = Double(count) }
        for (status, count) in metrics.assignmentsByStatus { values["assignments_" + status] = Double(count) }
        if metrics.conversionEligible > 0 { values["conversion"] = Double(metrics.conversionDone) / Double(metrics.conversionEligible) }
        if let average = metrics.ratingAverage { values["rating_average"] = average }
        let body = try JSONSerialization.data(withJSONObject: [
            "generatedAt": ISO8601DateFormatter().string(from: metrics.now), "cursor": try database.latestSequence(), "values": values,
        ], options: [.sortedKeys])
        return Response(status: .ok, headers: Self.headers("application/json"), body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
