internal import Crypto
internal import Foundation

/// The templates, strings and stylesheet of a site, loaded and checked once per build: a syntax
/// error or a missing partial is reported with its file and line before anything is rendered.
struct SiteTemplates: Sendable {
    /// Page templates the generator renders; every other `.mustache` file is a partial.
    static let pageTemplates = ["home", "listing", "expert", "search", "not-found", "legal", "feed", "account"]

    let templates: [String: Template]
    /// `templates`, linked; and with the app's templates (the site's win a name both have).
    let set: TemplateSet
    let appSet: TemplateSet
    /// The locale's strings, by key.
    let strings: [String: String]
    /// The stylesheet's bytes and its fingerprinted path, e.g. `assets/site.3f2a9c1b0d.css`.
    let stylesheet: Data
    let stylesheetPath: String
    /// Files copied as they are (path under the output folder → bytes): scripts, icons, and the
    /// app's modules from the sync folder (under `app/sync/`).
    let assets: [String: Data]
    /// The app's pages and files (`app/<name>.mustache` → `app/<name>`), rendered with the site's
    /// partials and the app's own (`app/_<name>.mustache`, used as `{{> _<name>}}`).
    let appTemplates: [String: Template]
    /// A fingerprint of everything the app is made of, so that its service worker takes over
    /// when any of it changes.
    let appBuild: String
    /// The legal pages (`legal/<slug>.md`, Markdown the operator edits): slug, title (the first
    /// `# ` line) and the Markdown after it.
    let legal: [(slug: String, title: String, markdown: String)]
    /// The search's places (`data/places.tsv`; empty without it), cut into files by full builds
    /// only (`PlaceShards.files`): a targeted build writes none of them.
    let places: [PlaceShards.Place]
    /// SHA-256 of every file read (names and bytes).
    let sourceDigest: String

    init(directory: String, locale: String, syncDirectory: String? = nil) throws {
        var digest = SHA256()
        func record(_ name: String, _ data: Data) {
            digest.update(data: Data((name + "\u{0}").utf8))
            digest.update(data: data)
        }
        guard let templates = try Template.parseFolder(directory, read: record) else {
            throw SiteError.unreadable(directory, reason: "the templates folder is missing")
        }
        for name in Self.pageTemplates where templates[name] == nil {
            throw SiteError.missingTemplate(name, directory: directory)
        }
        try Template.checkPartials(of: templates, in: directory)
        self.templates = templates

        let stringsPath = (directory as NSString).appendingPathComponent("locales/\(locale).json")
        guard let stringsData = FileManager.default.contents(atPath: stringsPath) else {
            throw SiteError.unreadable(stringsPath, reason: "the locale file is missing")
        }
        guard let decoded = try? JSONDecoder().decode([String: String].self, from: stringsData) else {
            throw SiteError.unreadable(stringsPath, reason: "not a JSON object of strings")
        }
        strings = decoded
        record(stringsPath, stringsData)

        let cssPath = (directory as NSString).appendingPathComponent("assets/site.css")
        guard let css = FileManager.default.contents(atPath: cssPath) else {
            throw SiteError.unreadable(cssPath, reason: "the stylesheet is missing")
        }
        stylesheet = css
        record(cssPath, css)
        let cssDigest = SHA256.hash(data: css).prefix(5).map { String(format: "%02x", $0) }.joined()
        stylesheetPath = "assets/site.\(cssDigest).css"

        var assets: [String: Data] = [:]
        let assetsDirectory = (directory as NSString).appendingPathComponent("assets")
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: assetsDirectory)) ?? []).sorted() where name != "site.css" {
            if let data = FileManager.default.contents(atPath: (assetsDirectory as NSString).appendingPathComponent(name)) {
                assets["assets/\(name)"] = data
                record(name, data)
            }
        }

        // The offline app: its pages under app/, its modules from the sync folder.
        var appDigest = SHA256()
        appDigest.update(data: Data(stylesheetPath.utf8))
        let appDirectory = (directory as NSString).appendingPathComponent("app")
        // An app folder that is missing has no templates.
        let appTemplates = try Template.parseFolder(appDirectory) { file, data in
            record("app/" + file, data)
            appDigest.update(data: Data(file.utf8))
            appDigest.update(data: data)
        } ?? [:]
        for name in appTemplates.keys.sorted() {
            for partial in appTemplates[name]?.partials ?? [] where templates[partial.name] == nil && appTemplates[partial.name] == nil {
                throw SiteError.missingPartial(partial.name, file: (appDirectory as NSString).appendingPathComponent(name + ".mustache"), line: partial.line)
            }
        }
        let syncFolder = syncDirectory ?? ((directory as NSString).deletingLastPathComponent as NSString).appendingPathComponent("sync")
        if !appTemplates.isEmpty {
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: syncFolder)) ?? []).sorted() where name.hasSuffix(".js") {
                if let data = FileManager.default.contents(atPath: (syncFolder as NSString).appendingPathComponent(name)) {
                    assets["app/sync/\(name)"] = data
                    record("sync/" + name, data)
                    appDigest.update(data: Data(name.utf8))
                    appDigest.update(data: data)
                }
            }
        }
        var legal: [(slug: String, title: String, markdown: String)] = []
        let legalDirectory = (directory as NSString).appendingPathComponent("legal")
        for file in ((try? FileManager.default.contentsOfDirectory(atPath: legalDirectory)) ?? []).sorted() where file.hasSuffix(".md") {
            let path = (legalDirectory as NSString).appendingPathComponent(file)
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw SiteError.unreadable(path, reason: "not UTF-8 text")
            }
            guard text.hasPrefix("# "), let end = text.firstIndex(of: "\n") else {
                throw SiteError.unreadable(path, reason: "the first line must be the page's title, as '# Title'")
            }
            record("legal/" + file, data)
            legal.append((String(file.dropLast(3)), String(text[text.index(text.startIndex, offsetBy: 2)..<end]).trimmingCharacters(in: .whitespaces), String(text[end...])))
        }
        self.legal = legal
        let placesPath = (directory as NSString).appendingPathComponent("data/places.tsv")
        if let data = FileManager.default.contents(atPath: placesPath) {
            guard let text = String(data: data, encoding: .utf8) else { throw SiteError.unreadable(placesPath, reason: "not UTF-8 text") }
            record("data/places.tsv", data)
            places = try PlaceShards.parse(text, file: placesPath)
        } else {
            places = []
        }
        self.assets = assets
        self.appTemplates = appTemplates
        set = TemplateSet(templates)
        appSet = TemplateSet(templates.merging(appTemplates) { site, _ in site })
        appBuild = appDigest.finalize().prefix(6).map { String(format: "%02x", $0) }.joined()
        sourceDigest = digest.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Renders one of the app's files.
    func renderApp(_ context: TemplateValue, file name: String) -> String {
        guard let template = appTemplates[name] else { return "" }
        // A page of the app named like a site template is still the app's page.
        guard templates[name] == nil else { return template.render(context, partials: templates.merging(appTemplates) { site, _ in site }) }
        return appSet.render(name, context: context)
    }

    /// Renders a page template.
    func render(_ context: TemplateValue, template name: String) throws -> String {
        String(decoding: try renderBytes(context, template: name), as: UTF8.self)
    }

    /// Renders a page template into UTF-8 bytes; partials of shared objects (cards) are rendered
    /// once and reused.
    func renderBytes(_ context: TemplateValue, template name: String) throws -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(64 * 1_024)
        try render(context, template: name, into: &output)
        return output
    }

    /// Renders a page template after the bytes in `output` (a buffer reused from page to page).
    func render(_ context: TemplateValue, template name: String, into output: inout [UInt8]) throws {
        guard set.render(name, context: context, reusingFragments: true, into: &output) else {
            throw SiteError.missingTemplate(name, directory: "the templates folder")
        }
    }
}
