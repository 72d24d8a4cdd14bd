internal import Crypto
internal import Foundation
internal import Mustache

/// The templates, strings and stylesheet of a site, loaded and checked once per build.
struct SiteTemplates: Sendable {
    /// Page templates the generator renders; every other `.mustache` file is a partial.
    static let pageTemplates = ["home", "listing", "expert", "search", "not-found"]

    let library: MustacheLibrary
    /// The locale's strings, by key.
    let strings: [String: String]
    /// The stylesheet's bytes and its fingerprinted path, e.g. `assets/site.3f2a9c1b0d.css`.
    let stylesheet: Data
    let stylesheetPath: String
    /// Files copied as they are (path under the output folder → bytes): scripts, icons.
    let assets: [String: Data]

    init(directory: String, locale: String) throws {
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw SiteError.unreadable(directory, reason: "the templates folder is missing")
        }
        library = try Self.loadLibrary(directory: directory, files: files)
        let names = files.filter { $0.hasSuffix(".mustache") }.map { String($0.dropLast(".mustache".count)) }
        for name in Self.pageTemplates where !names.contains(name) {
            throw SiteError.missingTemplate(name, directory: directory)
        }
        try Self.checkPartials(directory: directory, files: files.filter { $0.hasSuffix(".mustache") }, known: Set(names))

        let stringsPath = (directory as NSString).appendingPathComponent("locales/\(locale).json")
        guard let stringsData = FileManager.default.contents(atPath: stringsPath) else {
            throw SiteError.unreadable(stringsPath, reason: "the locale file is missing")
        }
        guard let decoded = try? JSONDecoder().decode([String: String].self, from: stringsData) else {
            throw SiteError.unreadable(stringsPath, reason: "not a JSON object of strings")
        }
        strings = decoded

        let cssPath = (directory as NSString).appendingPathComponent("assets/site.css")
        guard let css = FileManager.default.contents(atPath: cssPath) else {
            throw SiteError.unreadable(cssPath, reason: "the stylesheet is missing")
        }
        stylesheet = css
        let digest = SHA256.hash(data: css).prefix(5).map { String(format: "%02x", $0) }.joined()
        stylesheetPath = "assets/site.\(digest).css"

        var assets: [String: Data] = [:]
        let assetsDirectory = (directory as NSString).appendingPathComponent("assets")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: assetsDirectory)) ?? [] where name != "site.css" {
            if let data = FileManager.default.contents(atPath: (assetsDirectory as NSString).appendingPathComponent(name)) {
                assets["assets/\(name)"] = data
            }
        }
        self.assets = assets
    }

    /// Every `{{> name}}` must name a template of the folder: swift-mustache would render a
    /// missing partial as nothing, silently.
    private static func checkPartials(directory: String, files: [String], known: Set<String>) throws {
        for file in files.sorted() {
            let path = (directory as NSString).appendingPathComponent(file)
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw SiteError.unreadable(path, reason: "not UTF-8 text")
            }
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                var rest = Substring(line)
                while let start = rest.range(of: "{{>") {
                    let after = rest[start.upperBound...]
                    guard let end = after.range(of: "}}") else { break }
                    let name = after[..<end.lowerBound].trimmingCharacters(in: .whitespaces)
                    if !known.contains(name) {
                        throw SiteError.missingPartial(name, file: path, line: index + 1)
                    }
                    rest = after[end.upperBound...]
                }
            }
        }
    }

    /// Renders a page template; a template that renders nothing is an error, not an empty page.
    func render(_ context: [String: Any], template: String) throws -> String {
        guard let html = library.render(context, withTemplate: template) else {
            throw SiteError.missingTemplate(template, directory: "the templates folder")
        }
        return html
    }

    /// A string of the locale, or the key itself so that a missing string shows.
    func string(_ key: String) -> String {
        strings[key] ?? key
    }
}

extension SiteTemplates {
    /// Parses every template of the folder; a syntax error names the file, line and column.
    static func loadLibrary(directory: String, files: [String]) throws -> MustacheLibrary {
        var templates: [String: MustacheTemplate] = [:]
        for file in files.filter({ $0.hasSuffix(".mustache") }).sorted() {
            let path = (directory as NSString).appendingPathComponent(file)
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw SiteError.unreadable(path, reason: "not UTF-8 text")
            }
            do {
                templates[String(file.dropLast(".mustache".count))] = try MustacheTemplate(string: text)
            } catch let error as MustacheTemplate.ParserError {
                throw SiteError.template(
                    file: path, line: error.context.lineNumber, column: error.context.columnNumber,
                    reason: Self.explain(error.error)
                )
            }
        }
        return MustacheLibrary(templates: templates)
    }

    private static func explain(_ error: any Error) -> String {
        switch error as? MustacheTemplate.Error {
        case .sectionCloseNameIncorrect: "a section is closed with another name than it was opened with"
        case .unfinishedName: "a tag is not closed with }}"
        case .expectedSectionEnd: "a section is never closed"
        case .invalidSetDelimiter: "invalid delimiter change"
        default: "\(error)"
        }
    }
}
