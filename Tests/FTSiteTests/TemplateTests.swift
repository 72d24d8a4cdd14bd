@testable import FTSite
import Foundation
import Testing
import FTTestSupport

@Suite struct TemplateTests {
    func render(_ source: String, _ context: TemplateValue, partials: [String: String] = [:]) throws -> String {
        let compiled = try partials.mapValues { try Template($0) }
        return try Template(source).render(context, partials: compiled)
    }

    @Test func variablesAreEscapedUnlessTriple() throws {
        let context: TemplateValue = ["x": "<a href=\"y\">Tom & Jerry's</a>"]
        #expect(try render("{{x}}", context) == "&lt;a href=&quot;y&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;")
        #expect(try render("{{{x}}}|{{&x}}", context) == "<a href=\"y\">Tom & Jerry's</a>|<a href=\"y\">Tom & Jerry's</a>")
        #expect(try render("[{{missing}}]", context) == "[]")
    }

    @Test func sectionsListsAndInvertedSections() throws {
        let context: TemplateValue = [
            "items": [["name": "un"], ["name": "deux"]],
            "empty": [],
            "yes": true, "no": false,
            "person": ["name": "Inès", "city": ["name": "Nîmes"]],
            "title": "T",
        ]
        #expect(try render("{{#items}}<{{name}}>{{/items}}", context) == "<un><deux>")
        #expect(try render("{{#empty}}x{{/empty}}{{^empty}}vide{{/empty}}", context) == "vide")
        #expect(try render("{{#yes}}oui{{/yes}}{{#no}}non{{/no}}{{^no}}pas non{{/no}}", context) == "ouipas non")
        #expect(try render("{{#person}}{{name}} à {{city.name}} ({{title}}){{/person}}", context) == "Inès à Nîmes (T)")
        #expect(try render("{{person.city.name}}", context) == "Nîmes")
        #expect(try render("{{#items}}{{#yes}}{{name}}{{/yes}}{{/items}}", context) == "undeux", "outer names stay visible")
        let list: TemplateValue = ["letters": ["a", "b"]]
        #expect(try render("{{#letters}}[{{.}}]{{/letters}}", list) == "[a][b]")
    }

    @Test func partialsSeeTheCurrentContext() throws {
        let context: TemplateValue = ["cards": [["name": "A"], ["name": "B"]]]
        #expect(try render("{{#cards}}{{> card}}{{/cards}}", context, partials: ["card": "<p>{{name}}</p>"]) == "<p>A</p><p>B</p>")
    }

    @Test func aSharedObjectsPartialIsReusedOnlyWhileTheNamesItReadOutsideAgree() throws {
        let set = TemplateSet(["card": try Template("<p>{{name}} {{t.label}} {{extra}}</p>"), "page": try Template("{{#cards}}{{> card}}{{/cards}}")])
        func render(_ context: TemplateValue) -> String {
            String(decoding: set.renderBytes("page", context: context, reusingFragments: true) ?? [], as: UTF8.self)
        }
        let object = SharedObject(["name": "A"])
        let card = TemplateValue.shared(object)
        let strings = TemplateValue.shared(SharedObject(["label": "L"]))
        #expect(render(["t": strings, "cards": [card, card]]) == "<p>A L </p><p>A L </p>")
        // Remembered as the body of {{#cards}} (the page's first step is that section).
        let steps = try #require(set.entries["page"])
        let key = SharedObject.FragmentKey(set: ObjectIdentifier(set), start: Int32(steps.lowerBound + 1), end: Int32(steps.upperBound))
        #expect(object.fragment(for: key)?.bytes == Array("<p>A L </p>".utf8), "remembered once rendered")
        #expect(render(["t": strings, "extra": "X", "cards": [card]]) == "<p>A L X</p>", "a name missing before now resolves")
        #expect(render(["t": .shared(SharedObject(["label": "M"])), "cards": [card]]) == "<p>A M </p>", "another shared object")
        #expect(render(["t": ["label": "N"], "cards": [card]]) == "<p>A N </p>", "a plain object")
        #expect(render(["t": strings, "cards": [card]]) == "<p>A L </p>")
    }

    @Test func aPartialThatReadAListOutsideIsRenderedEveryTime() throws {
        let set = TemplateSet(["card": try Template("{{name}}:{{#items}}{{.}}{{/items}};"), "page": try Template("{{#cards}}{{> card}}{{/cards}}")])
        func render(_ context: TemplateValue) -> String {
            String(decoding: set.renderBytes("page", context: context, reusingFragments: true) ?? [], as: UTF8.self)
        }
        let card = TemplateValue.shared(SharedObject(["name": "A"]))
        #expect(render(["items": ["x", "y"], "cards": [card]]) == "A:xy;")
        #expect(render(["items": ["z"], "cards": [card]]) == "A:z;")
    }

    @Test func linkedPartialsNestedSectionsAndUnknownPartials() throws {
        // "a" links before "z", which it names; sections nest around partials; an unknown
        // partial shows nothing (SiteTemplates refuses one before rendering).
        let set = TemplateSet([
            "a": try Template("[{{#xs}}{{#on}}<{{> z}}>{{/on}}{{^on}}-{{/on}}{{/xs}}{{> missing}}]{{tail}}"),
            "z": try Template("{{name}}{{#inner}}({{.}}){{/inner}}"),
        ])
        let context: TemplateValue = ["tail": "!", "xs": [["on": true, "name": "p", "inner": ["1", "2"]], ["on": false], ["on": true, "name": "q"]]]
        #expect(set.render("a", context: context) == "[<p(1)(2)>-<q>]!")
        #expect(set.render("z", context: ["name": "alone"]) == "alone")
        #expect(set.renderBytes("nope", context: [:]) == nil)
    }

    @Test func renderingIntoABufferAppendsAfterWhatIsThere() throws {
        let set = TemplateSet(["page": try Template("{{#cards}}{{> card}}{{/cards}}"), "card": try Template("<{{name}}>")])
        let card = TemplateValue.shared(SharedObject(["name": "A"]))
        var buffer = Array("old|".utf8)
        #expect(set.render("page", context: ["cards": [card, card]], reusingFragments: true, into: &buffer))
        #expect(String(decoding: buffer, as: UTF8.self) == "old|<A><A>", "the remembered fragment is the card's bytes alone")
        buffer.removeAll(keepingCapacity: true)
        #expect(set.render("page", context: ["cards": [card]], reusingFragments: true, into: &buffer))
        #expect(String(decoding: buffer, as: UTF8.self) == "<A>")
        #expect(!set.render("nope", context: [:], into: &buffer))
    }

    @Test func aSharedObjectRemembersEachSetsPartialApart() throws {
        let card = TemplateValue.shared(SharedObject(["name": "A"]))
        let one = TemplateSet(["card": try Template("<{{name}}>"), "page": try Template("{{#cards}}{{> card}}{{/cards}}")])
        let two = TemplateSet(["card": try Template("({{name}})"), "page": try Template("{{#cards}}{{> card}}{{/cards}}")])
        for _ in 0..<2 {
            #expect(one.renderBytes("page", context: ["cards": [card]], reusingFragments: true) == Array("<A>".utf8))
            #expect(two.renderBytes("page", context: ["cards": [card]], reusingFragments: true) == Array("(A)".utf8))
        }
    }

    @Test func standaloneTagsTakeTheirLine() throws {
        let source = "<ul>\n  {{#items}}\n  <li>{{.}}</li>\n  {{/items}}\n</ul>\n{{! a comment }}\nfin"
        #expect(try render(source, ["items": ["a", "b"]]) == "<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\nfin")
    }

    @Test(arguments: [
        ("a\n{{#s}}\nb", 2, 1, "never closed"),
        ("ab {{x", 1, 4, "never closed"),
        ("{{#a}}{{/b}}", 1, 7, "closes nothing here"),
        ("x\ny {{/a}}", 2, 3, "closes nothing here"),
        ("{{=<% %>=}}", 1, 1, "not supported"),
        ("{{}}", 1, 1, "empty tag"),
        ("{{a b}}", 1, 1, "not a valid name"),
    ])
    func syntaxErrorsSayWhere(source: String, line: Int, column: Int, reason: String) {
        #expect {
            try Template(source)
        } throws: { error in
            let error = try #require(error as? Template.ParseError)
            return error.line == line && error.column == column && error.reason.contains(reason)
        }
    }
}

@Suite struct TemplateFolderTests {
    /// A copy of the repository's templates, to break one of them.
    func copyOfTemplates() throws -> String {
        let copy = TestFolder.path("ft-templates")
        try FileManager.default.copyItem(atPath: SiteFixture.templates, toPath: copy)
        return copy
    }

    @Test func aBrokenTemplateNamesItsFileAndLineAndWritesNothing() throws {
        let fixture = try SiteFixture(experts: 4, clients: 6)
        try fixture.generate()
        let before = try fixture.files()
        let templates = try copyOfTemplates()
        let path = templates + "/listing.mustache"
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text = text.replacingOccurrences(of: "{{/listing.empty}}", with: "")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let brokenLine = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("{{#listing.empty}}") }.map { $0 + 1 }

        var configuration = fixture.configuration
        configuration.templatesDirectory = templates
        #expect {
            try fixture.generate(configuration)
        } throws: { error in
            let error = try #require(error as? SiteError)
            return error.file == path && error.line == brokenLine && error.description.contains("listing.mustache")
                && error.description.contains("line \(brokenLine ?? 0)") && error.description.contains("nothing was written")
        }
        #expect(try fixture.files() == before)
    }

    @Test func aMissingPartialIsAnErrorNotABlank() throws {
        let fixture = try SiteFixture(experts: 4, clients: 6)
        let templates = try copyOfTemplates()
        try FileManager.default.removeItem(atPath: templates + "/card.mustache")
        var configuration = fixture.configuration
        configuration.templatesDirectory = templates
        #expect {
            try fixture.generate(configuration)
        } throws: { error in
            let error = try #require(error as? SiteError)
            return error.description.contains("the partial 'card' does not exist") && error.line != nil
        }
        #expect(!FileManager.default.fileExists(atPath: fixture.output + "/index.html"))
    }

    @Test func ownTemplatesAreUsed() throws {
        let fixture = try SiteFixture(experts: 4, clients: 6)
        let templates = try copyOfTemplates()
        try "<!doctype html><title>{{page.title}}</title><h1>Mon accueil à moi</h1>".write(toFile: templates + "/home.mustache", atomically: true, encoding: .utf8)
        var configuration = fixture.configuration
        configuration.templatesDirectory = templates
        try fixture.generate(configuration)
        #expect(try fixture.read("index.html").contains("<h1>Mon accueil à moi</h1>"))
    }
}
