public import Foundation
public import FTModel
public import FTStore

/// How `ft serve` runs.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The generated public site, served as static files.
    public var publicDirectory: String
    /// The most operations one push may carry.
    public var maximumBatch: Int
    /// How long a sign-in lasts.
    public var sessionLifetime: TimeInterval
    /// The largest document version accepted, in bytes.
    public var maximumUpload: Int
    /// The restricted pages (dashboard, reports), served under /admin/ to signed-in admins only;
    /// nil: no /admin/.
    public var adminDirectory: String?
    /// Web Push, when the server sends it; nil: `GET /api/v1/push/key` answers 404 and no
    /// subscription is taken.
    public var push: WebPushSettings?
    /// Renders the admins' alert centre (`/admin/alertes.html`): given what an action did
    /// (`saved:<kind>`, `acknowledged`, `retried`) or why it was refused; nil: no alert centre.
    public var alertCentre: (@Sendable (_ done: String?, _ problem: String?) throws -> String)?
    /// Renders `/admin/annonces.html` (the form as typed, the number just reached, the number a
    /// count found, why a form was refused); nil: no announcements page.
    public var announcements: AnnouncementsRenderer?
    /// Renders the workflow templates' page (FTSite's `WorkflowsPage`); nil: no such page.
    public var workflows: WorkflowsRenderer?
    /// Renders a dossier's admin page (`/admin/dossiers/{id}.html`, FTSite's `DossierPage`); nil:
    /// no such page, and no reassignment by hand.
    public var dossiers: DossierRenderer?
    /// Renders the admins' users pages (`/admin/comptes.html`, `/admin/comptes/{id}.html`, the
    /// CSV); nil: no users pages, and no user actions.
    public var users: UsersRenderer?
    /// Response times and errors (`GET /metrics`, and the performance alert rules' window).
    public var metrics = ServerMetrics()
    /// What sign-up and password changes check against; without a place list, sign-up answers
    /// that it is not available (503).
    public var accounts = AccountSettings()

    public init(
        host: String = "127.0.0.1", port: Int = 8080, publicDirectory: String = "public", maximumBatch: Int = 1_000,
        sessionLifetime: TimeInterval = 7 * 86_400, maximumUpload: Int = 1 << 30, adminDirectory: String? = nil, push: WebPushSettings? = nil
    ) {
        self.adminDirectory = adminDirectory
        self.push = push
        self.host = host
        self.port = port
        self.publicDirectory = publicDirectory
        self.maximumBatch = maximumBatch
        self.sessionLifetime = sessionLifetime
        self.maximumUpload = maximumUpload
    }

    /// The sync protocol this server speaks; a device that sends another is told to update.
    public static let protocolVersion = 1
}

/// What the account endpoints check new accounts and passwords against: the common passwords
/// and the postcodes (`site-templates/data/`), read by `ft serve` at start.
public struct AccountSettings: Sendable {
    public var passwords: PasswordPolicy
    public var postcodes: FrenchPostcodes

    public init(passwords: PasswordPolicy = PasswordPolicy(common: []), postcodes: FrenchPostcodes = FrenchPostcodes(tsv: "")) {
        self.passwords = passwords
        self.postcodes = postcodes
    }

    /// From a templates folder's `data/common-passwords.txt` and `data/places.tsv`.
    public init(templatesDirectory: String) throws {
        let data = URL(fileURLWithPath: templatesDirectory).appendingPathComponent("data")
        self.init(passwords: try PasswordPolicy(listAt: data.appendingPathComponent("common-passwords.txt")), postcodes: try FrenchPostcodes(fileAt: data.appendingPathComponent("places.tsv")))
    }
}

/// What the server's push endpoints need from the push worker's module: the public key browsers
/// subscribe with, and the check of an endpoint a browser hands over (server-side request
/// forgery: throws a `PushSubscriptionError` naming `endpoint`).
public struct WebPushSettings: Sendable {
    public var publicKey: String
    public var checkEndpoint: @Sendable (String) async throws -> Void

    public init(publicKey: String, checkEndpoint: @escaping @Sendable (String) async throws -> Void) {
        self.publicKey = publicKey
        self.checkEndpoint = checkEndpoint
    }
}

/// Renders the announcements page: the form as typed, the number just reached (`sent`), the
/// number a count found (`audience`), why a form was refused (`problem`).
/// What renders the admins' users pages (FTSite's `UsersPage`, given by `ft serve`). `csrf`: the
/// session's form token, for every form; `me`: the signed-in admin.
public struct UsersRenderer: Sendable {
    public var list: @Sendable (_ query: UserQuery, _ csrf: String, _ me: Int64, _ notice: UsersMessage?, _ problem: UsersMessage?) throws -> String
    public var account: @Sendable (_ id: Int64, _ csrf: String, _ me: Int64, _ notice: UsersMessage?, _ problem: UsersMessage?) throws -> String?
    public var csv: @Sendable (_ query: UserQuery) throws -> String

    public init(
        list: @escaping @Sendable (UserQuery, String, Int64, UsersMessage?, UsersMessage?) throws -> String,
        account: @escaping @Sendable (Int64, String, Int64, UsersMessage?, UsersMessage?) throws -> String?,
        csv: @escaping @Sendable (UserQuery) throws -> String
    ) {
        self.list = list
        self.account = account
        self.csv = csv
    }
}

/// Renders the workflow templates' page: the list (`product` nil) or one scheme's editor, with the
/// rows as posted (`draft`), its preview, the version just saved, the problems found. Nil: no such scheme.
public typealias WorkflowsRenderer = @Sendable (_ product: Int64?, _ draft: WorkflowDraft?, _ preview: Bool, _ saved: Int64?, _ problems: [String]) throws -> String?

/// Renders a dossier's admin page: its id, the session's form token, what was just done, why a
/// form was refused. Nil: no such dossier.
public typealias DossierRenderer = @Sendable (_ id: Int64, _ csrf: String, _ notice: String?, _ problem: String?) throws -> String?

public typealias AnnouncementsRenderer = @Sendable (_ draft: AnnouncementDraft, _ sent: Int?, _ audience: Int?, _ problem: String?) throws -> String
