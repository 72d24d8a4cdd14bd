internal import Foundation

/// The restricted pages' templates (`admin/*.mustache` in the templates folder), the locale's
/// strings and the stylesheet (the site's, followed by `admin/admin.css`), checked once.
struct AdminTemplates: Sendable {
    static let required = ["dashboard", "work", "users", "report", "reports", "alerts"]

    let templates: [String: Template]
    /// `templates`, linked.
    let set: TemplateSet
    let strings: [String: String]
    let stylesheet: Data

    init(directory: String, locale: String) throws {
        let folder = (directory as NSString).appendingPathComponent("admin")
        guard let templates = try Template.parseFolder(folder) else {
            throw SiteError.unreadable(folder, reason: "the admin templates folder is missing")
        }
        for name in Self.required where templates[name] == nil {
            throw SiteError.missingTemplate(name, directory: folder)
        }
        try Template.checkPartials(of: templates, in: folder)
        self.templates = templates
        set = TemplateSet(templates)
        // The site's strings, and the admin pages' own over them.
        var strings: [String: String] = [:]
        for name in ["\(locale).json", "admin-\(locale).json"] {
            let path = (directory as NSString).appendingPathComponent("locales/" + name)
            guard let data = FileManager.default.contents(atPath: path), let decoded = try? JSONDecoder().decode([String: String].self, from: data) else {
                throw SiteError.unreadable(path, reason: "the locale file is missing or not a JSON object of strings")
            }
            strings.merge(decoded) { _, admin in admin }
        }
        self.strings = strings
        let site = FileManager.default.contents(atPath: (directory as NSString).appendingPathComponent("assets/site.css")) ?? Data()
        let admin = FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent("admin.css")) ?? Data()
        stylesheet = site + Data("\n".utf8) + admin
    }

    func render(_ context: TemplateValue, template name: String) -> String {
        set.render(name, context: context)
    }
}
