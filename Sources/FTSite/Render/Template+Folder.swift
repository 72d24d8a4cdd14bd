internal import Foundation

extension Template {
    /// Every `.mustache` file of `folder`, parsed, by name without the extension (files read in
    /// name order; `read` sees each one's name and bytes first). Nil when the folder cannot be
    /// listed. A file that is not UTF-8 or does not parse is an error naming it (and the line).
    static func parseFolder(_ folder: String, read: (_ file: String, _ data: Data) -> Void = { _, _ in }) throws -> [String: Template]? {
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return nil }
        var templates: [String: Template] = [:]
        for file in files.filter({ $0.hasSuffix(".mustache") }).sorted() {
            let path = (folder as NSString).appendingPathComponent(file)
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw SiteError.unreadable(path, reason: "not UTF-8 text")
            }
            read(file, data)
            do {
                templates[String(file.dropLast(".mustache".count))] = try Template(text)
            } catch let error as Template.ParseError {
                throw SiteError.template(file: path, line: error.line, column: error.column, reason: error.reason)
            }
        }
        return templates
    }

    /// Refuses a partial that none of `templates` (from `folder`) defines, naming where it is used.
    static func checkPartials(of templates: [String: Template], in folder: String) throws {
        for name in templates.keys.sorted() {
            for partial in templates[name]?.partials ?? [] where templates[partial.name] == nil {
                throw SiteError.missingPartial(partial.name, file: (folder as NSString).appendingPathComponent(name + ".mustache"), line: partial.line)
            }
        }
    }
}
