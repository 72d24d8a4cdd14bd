internal import Foundation

/// The e-mails' templates (`mail/*.mustache` in the templates folder: for each e-mail a text
/// part `<name>.txt` and an HTML part `<name>.html`; files starting with `_` are partials), loaded
/// and checked once: a syntax error or a missing partial names its file and line at start.
public struct MailTemplates: Sendable {
    /// The e-mails every templates folder must have.
    public static let required = ["notification", "search-alert-confirmation", "search-alert-experts", "account"]

    private let set: TemplateSet

    public init(directory: String) throws {
        let folder = (directory as NSString).appendingPathComponent("mail")
        guard let templates = try Template.parseFolder(folder) else {
            throw SiteError.unreadable(folder, reason: "the mail templates folder is missing")
        }
        for name in Self.required {
            for part in ["txt", "html"] where templates["\(name).\(part)"] == nil {
                throw SiteError.missingTemplate("\(name).\(part)", directory: folder)
            }
        }
        try Template.checkPartials(of: templates, in: folder)
        set = TemplateSet(templates)
    }

    /// One e-mail's two parts. `values` are shown escaped in the HTML part by `{{name}}` (the
    /// text part uses `{{{name}}}`: plain text is not HTML); `items` is the list the `items`
    /// section repeats over.
    public func render(_ name: String, values: [String: String], items: [[String: String]]) -> (text: String, html: String) {
        var context: [String: TemplateValue] = values.mapValues { .text($0) }
        context["items"] = .list(items.map { item in .object(item.mapValues { .text($0) }) })
        context["several"] = .flag(items.count > 1)
        let value = TemplateValue.object(context)
        return (set.render("\(name).txt", context: value), set.render("\(name).html", context: value))
    }
}
