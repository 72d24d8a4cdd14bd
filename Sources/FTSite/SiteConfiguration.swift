public import Foundation

/// How `SiteGenerator` builds the public site.
public struct SiteConfiguration: Sendable {
    /// The folder of Mustache templates, `assets/` and `locales/`.
    public var templatesDirectory: String
    /// Where the site is written.
    public var outputDirectory: String
    /// The public address of the site, for canonical URLs, the sitemap and the feed (no trailing slash).
    public var baseURL: String
    /// Expert cards per listing page.
    public var pageSize: Int
    /// Rewrite every file even when its bytes are unchanged.
    public var clean: Bool
    /// The locale file under `locales/`.
    public var locale: String
    /// The browser modules of the offline app (`*.js`), shipped under `app/sync/`; nil: the
    /// `sync` folder beside the templates folder.
    public var syncDirectory: String?
    /// The day profiles' response times are measured back from (`responseWindowDays`); nil: the
    /// current UTC day. Part of the build's inputs, so the first build of a new day is a full one.
    public var today: Date?

    /// Response times count the conversations whose client first wrote in these last days.
    public static let responseWindowDays = 90

    /// The start of the response-time window: midnight UTC, `responseWindowDays` before today.
    public var answeredSince: Date {
        let day = ((today ?? Date()).timeIntervalSince1970 / 86_400).rounded(.down)
        return Date(timeIntervalSince1970: (day - Double(Self.responseWindowDays)) * 86_400)
    }

    public init(
        templatesDirectory: String = "site-templates",
        outputDirectory: String = "public",
        baseURL: String = "http://127.0.0.1:8080",
        pageSize: Int = 24,
        clean: Bool = false,
        locale: String = "fr",
        syncDirectory: String? = nil,
        today: Date? = nil
    ) {
        self.templatesDirectory = templatesDirectory
        self.outputDirectory = outputDirectory
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.pageSize = max(1, pageSize)
        self.clean = clean
        self.locale = locale
        self.syncDirectory = syncDirectory
        self.today = today
    }
}
