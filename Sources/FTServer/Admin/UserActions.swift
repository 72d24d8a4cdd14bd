internal import Foundation
internal import Hummingbird
internal import HTTPTypes
internal import NIOCore
internal import FTModel
internal import FTStore

/// What an admin does to an account from the users pages.
enum UserAction: String, CaseIterable {
    case activate = "activer"
    case deactivate = "desactiver"
    case role
    case approve = "approuver"
    case reject = "refuser"

    /// The key of the sentence that says it was done.
    var done: String {
        switch self {
        case .activate: "activate"
        case .deactivate: "deactivate"
        case .role: "role"
        case .approve: "approve"
        case .reject: "reject"
        }
    }
}

extension AdminController {
    /// `GET /admin/comptes.html`: the list, from its query (`q`, `role`, `etat`, `tri`, `page`);
    /// after an action, `fait` and `compte` say what was done to whom.
    func usersList(_ request: Request, admin: Int64, token: String) throws -> Response {
        guard let users else { return Self.page(.notFound, AdminPages.notFound) }
        let query = Self.userQuery(request)
        return Self.page(.ok, try users.list(query, FormToken.make(session: token), admin, try notice(request), nil))
    }

    /// `GET /admin/comptes/{id}.html`: one account and its audit log.
    func userPage(_ id: Int64, request: Request, admin: Int64, token: String) throws -> Response {
        guard let users, let html = try users.account(id, FormToken.make(session: token), admin, try notice(request), nil) else {
            return Self.page(.notFound, AdminPages.notFound)
        }
        return Self.page(.ok, html)
    }

    /// `GET /admin/comptes.csv`: every account the query finds.
    func usersCSV(_ request: Request) throws -> Response {
        guard let users else { return Self.page(.notFound, AdminPages.notFound) }
        var headers = Self.headers("text/csv; charset=utf-8")
        headers[.contentDisposition] = "attachment; filename=\"comptes.csv\""
        // With a byte order mark, so that spreadsheets read the accents as UTF-8.
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "\u{FEFF}" + (try users.csv(Self.userQuery(request))))))
    }

    /// `POST /admin/comptes/{id}/{action}`: a form of the users pages, from a signed-in admin
    /// whose session's form token it carries (`csrf`) and whose browser says it comes from this
    /// server. Done: 303 back to the page it came from (`retour`), which says what was done;
    /// refused: 400 (or 403 for the token), the page saying why.
    @Sendable func actOnUser(_ action: UserAction, request: Request, context: AppRequestContext) async throws -> Response {
        guard let users else { return Self.page(.notFound, AdminPages.notFound) }
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { return Self.page(.notFound, AdminPages.notFound) }
        let admin: Int64
        let form: [String: [String]]
        switch try await postedForm(request, tooLarge: { problem in try users.list(UserQuery(), "", 0, nil, .text(problem)) }) {
        case .success(let posted): (admin, form) = posted
        case .failure(let refusal): return refusal.response
        }
        guard let token = Self.token(request) else { return Self.page(.unauthorized, AdminPages.signIn) }
        // Forms carry the token; a request with a bearer token and no cookie is not a browser's
        // ambient credential, but it must carry the token just the same: one rule for all.
        guard let sent = form["csrf"]?.first, FormToken.matches(sent, session: token) else {
            return Self.page(.forbidden, try users.list(UserQuery(), FormToken.make(session: token), admin, nil, .key("admin_users_csrf", [:])))
        }
        let back = form["retour"]?.first.flatMap(Self.returnAddress) ?? "/admin/comptes.html"
        guard try database.adminUser(id: id) != nil else { return Self.page(.notFound, AdminPages.notFound) }
        let now = now()
        do {
            var changed = true
            switch action {
            case .activate:
                changed = try database.setUserActive(id, active: true, by: admin, now: now)
            case .deactivate:
                changed = try database.setUserActive(id, active: false, by: admin, now: now)
                live?.revoke(user: id)
            case .role:
                guard let role = form["role"]?.first.flatMap(Role.init(rawValue:)) else {
                    throw AdminUserActionError.refused("Rôle inconnu « \(form["role"]?.first ?? "") » (champ « role » : client, expert ou admin).")
                }
                changed = try database.setUserRole(id, to: role, by: admin, now: now)
                if changed { live?.revoke(user: id) }
            case .approve:
                try database.decideExpert(userId: id, approve: true, reason: "", by: admin, now: now)
            case .reject:
                try database.decideExpert(userId: id, approve: false, reason: form["raison"]?.first ?? "", by: admin, now: now)
            }
            // The public pages follow (an expert published, or gone), notifications leave.
            if changed { onCommit() }
            let separator = back.contains("?") ? "&" : "?"
            return Response(status: .seeOther, headers: [.location: "\(back)\(separator)fait=\(changed ? action.done : "nothing")&compte=\(id)", .cacheControl: "no-store"])
        } catch AdminUserActionError.refused(let problem) {
            return Self.page(.badRequest, try users.account(id, FormToken.make(session: token), admin, nil, .text(problem)) ?? "")
        } catch AdminUserActionError.unknownUser {
            return Self.page(.notFound, AdminPages.notFound)
        }
    }

    /// The sentence of `fait` and `compte` in a page's query, if any.
    private func notice(_ request: Request) throws -> UsersMessage? {
        let query = request.uri.queryParameters
        guard let done = query["fait"].map(String.init), ["activate", "deactivate", "role", "approve", "reject", "nothing"].contains(done),
            let id = query["compte"].flatMap({ Int64(String($0)) }), let user = try database.adminUser(id: id)
        else { return nil }
        let role = ["client": "client", "expert": "expert", "admin": "administrateur"][user.role.rawValue] ?? user.role.rawValue
        return .key("admin_users_done_" + done, ["name": user.displayName, "role": role])
    }

    /// Where an action may send the admin back to: the users pages only.
    static func returnAddress(_ text: String) -> String? {
        guard text.hasPrefix("/admin/comptes"), !text.contains("//"), !text.contains("\\"), text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }),
            text.count <= 500
        else { return nil }
        // A previous notice is not carried on.
        guard var components = URLComponents(string: text) else { return nil }
        components.queryItems = components.queryItems?.filter { $0.name != "fait" && $0.name != "compte" }
        if components.queryItems?.isEmpty == true { components.queryItems = nil }
        return components.string
    }

    static func userQuery(_ request: Request) -> UserQuery {
        let parameters = request.uri.queryParameters
        return UserQuery(
            words: String((parameters["q"].map(String.init) ?? "").prefix(200)),
            role: parameters["role"].flatMap { Role(rawValue: String($0)) },
            state: parameters["etat"].flatMap { UserQuery.State(rawValue: String($0)) } ?? .any,
            order: parameters["tri"].flatMap { UserQuery.Order(rawValue: String($0)) } ?? .newest,
            page: parameters["page"].flatMap { Int(String($0)) }.map { min(max($0, 1), 100_000) } ?? 1
        )
    }
}
