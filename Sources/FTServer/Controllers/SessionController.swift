internal import Foundation
internal import Hummingbird
internal import FTModel
internal import FTStore

/// `POST /api/v1/session` signs in, `DELETE /api/v1/session` signs out.
struct SessionController {
    let database: AppDatabase
    let configuration: ServerConfiguration
    let live: LiveHub
    let heavy: HeavyWork
    let limits: AccountLimits
    /// Makes the link of a verification e-mail sent again; nil: none is sent.
    let tokens: LinkTokens?
    let onMail: @Sendable () -> Void
    let now: @Sendable () -> Date

    struct Credentials: Decodable {
        var email: String
        var password: String
    }

    struct Session: ResponseEncodable {
        struct Person: Codable {
            var id: Int64
            var email: String
            var role: String
            var displayName: String
        }
        var token: String
        var expiresAt: String
        var user: Person
    }

    /// The one answer to a wrong address, a wrong password and a deactivated account alike.
    static let wrongCredentials = APIError(.unauthorized, "invalid_credentials", "E-mail ou mot de passe incorrect, ou compte désactivé.")

    func add(to group: RouterGroup<AppRequestContext>) {
        group.post("session", use: signIn)
        group.delete("session", use: signOut)
        group.delete("sessions", use: signOutEverywhere)
    }

    @Sendable func signIn(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<Session> {
        let credentials: Credentials
        do {
            let body = try await request.body.collect(upTo: 64 * 1_024)
            credentials = try JSONDecoder().decode(Credentials.self, from: Data(body.readableBytesView))
        } catch {
            throw APIError.badBody(error)
        }
        guard credentials.email.count <= 254, credentials.password.count <= 1_024 else {
            throw APIError(.badRequest, "invalid_body", "email or password too long")
        }
        // SQLite's C strings end at a NUL: "a@b\0zzz" would be looked up as "a@b".
        for (name, value) in [("email", credentials.email), ("password", credentials.password)] where value.utf8.contains(0) {
            throw APIError(.badRequest, "invalid_body", "'\(name)' cannot contain the NUL character (U+0000)", field: name)
        }
        // Past the limits, refused before any check: the password is not even looked at.
        let account = credentials.email.trimmingCharacters(in: .whitespaces).lowercased()
        let address = context.clientAddress
        let now = now()
        for (limiter, key) in [(limits.passwordsPerAccount, account), (limits.passwordsPerAddress, address)] where limiter.isLimited(key, now: now) {
            let wait = limiter.retryAfter(key, now: now)
            throw APIError(.tooManyRequests, "too_many_attempts", "Trop de tentatives de connexion : réessayez dans \(wait) s.", retryAfter: wait)
        }
        // PBKDF2 is slow by design: on the heavy-work thread, one at a time, never on the threads
        // that serve everyone's requests. An unknown address costs the same check (against a
        // decoy), so the answer's time does not tell whether it has an account. The session is
        // written here: that thread never holds the writer.
        let database = self.database
        let user = try await heavy.run { try database.authenticateEvenly(email: credentials.email, password: credentials.password) }
        guard let user, let userId = user.id else {
            limits.passwordsPerAccount.record(account, now: now)
            limits.passwordsPerAddress.record(address, now: now)
            throw Self.wrongCredentials
        }
        limits.passwordsPerAccount.reset(account)
        guard user.emailVerified else {
            // The password is right: saying so tells nothing to someone who does not know it.
            if let tokens {
                let nonce = LinkTokens.nonce()
                if try database.resendVerification(userId: userId, nonce: nonce, tokenHash: LinkTokens.hash(tokens.accountToken(nonce: nonce)), now: now) { onMail() }
            }
            throw APIError(.forbidden, "email_unverified", "Votre adresse e-mail n’est pas encore confirmée : ouvrez le lien de l’e-mail que nous vous avons envoyé (un nouveau part au plus toutes les 10 minutes).")
        }
        let signedIn = try database.openSession(for: user, now: now, lifetime: configuration.sessionLifetime)
        guard let signedIn, let id = signedIn.user.id else { throw Self.wrongCredentials }
        let formatter = ISO8601DateFormatter()
        // The same session as a cookie, for the pages the server guards itself (/admin/): HttpOnly,
        // so no script reads it; SameSite=Strict, so no other site sends it; accepted on GET only.
        let cookie = "\(AdminController.cookieName)=\(signedIn.token); Path=/; Max-Age=\(Int(configuration.sessionLifetime)); HttpOnly; SameSite=Strict"
        return EditedResponse(status: .created, headers: [.setCookie: cookie], response: Session(
            token: signedIn.token,
            expiresAt: formatter.string(from: signedIn.expiresAt),
            user: .init(id: id, email: signedIn.user.email, role: signedIn.user.role.rawValue, displayName: signedIn.user.displayName)
        ))
    }

    @Sendable func signOut(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let token = context.token else { throw APIError.unauthorized }
        try database.signOut(token: token, now: now())
        live.revoke(token: token)
        return Response(status: .noContent, headers: [.setCookie: "\(AdminController.cookieName)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"])
    }

    /// "Se déconnecter partout": every session of the user ends, this one included, and their
    /// live connections close at once.
    @Sendable func signOutEverywhere(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.user, let id = user.id else { throw APIError.unauthorized }
        _ = try database.signOutEverywhere(userId: id, now: now())
        live.revoke(user: id)
        return Response(status: .noContent, headers: [.setCookie: "\(AdminController.cookieName)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"])
    }
}
