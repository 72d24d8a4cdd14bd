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

    public init(
        templatesDirectory: String = "site-templates",
        outputDirectory: String = "public",
        baseURL: String = "http://127.0.0.1:8080",
        pageSize: Int = 24,
        clean: Bool = false,
        locale: String = "fr",
        syncDirectory: String? = nil
    ) {
        self.templatesDirectory = templatesDirectory
        self.outputDirectory = outputDirectory
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.pageSize = max(1, pageSize)
        self.clean = clean
        self.locale = locale
        self.syncDirectory = syncDirectory
    }
}
