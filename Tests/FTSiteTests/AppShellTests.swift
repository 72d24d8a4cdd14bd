import FTSite
import Foundation
import Testing
import FTTestSupport

/// The offline app's files, generated with the site: its pages from `site-templates/app/`, its
/// modules copied from `sync/`, a build fingerprint that changes when any of them does.
@Suite struct AppShellTests {
    @Test func theAppShipsWithTheSiteAndItsBuildFollowsItsSources() throws {
        let fixture = try SiteFixture(experts: 6, clients: 12)
        // A copy of the templates and of the sync folder beside them, to change one module.
        let folder = TestFolder.path("ft-app")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let repository = (SiteFixture.templates as NSString).deletingLastPathComponent
        try FileManager.default.copyItem(atPath: SiteFixture.templates, toPath: folder + "/site-templates")
        try FileManager.default.copyItem(atPath: repository + "/sync", toPath: folder + "/sync")
        var configuration = fixture.configuration
        configuration.templatesDirectory = folder + "/site-templates"

        try fixture.generate(configuration)
        let files = try fixture.files()
        let modules = try FileManager.default.contentsOfDirectory(atPath: repository + "/sync").filter { $0.hasSuffix(".js") }
        #expect(!modules.isEmpty)
        for module in modules {
            #expect(files["app/sync/" + module] == FileManager.default.contents(atPath: repository + "/sync/" + module), "\(module)")
        }
        let page = try fixture.read("app/index.html")
        let build = try #require(page.firstMatch(of: /data-build="([0-9a-f]{12})"/)?.1)
        #expect(page.contains("<h1>Mon espace</h1>"))

        // A changed module: a new build fingerprint, the module rewritten.
        try "export const changed = true;\n".write(toFile: folder + "/sync/hlc.js", atomically: true, encoding: .utf8)
        let report = try fixture.generate(configuration)
        #expect(report.written.contains("app/sync/hlc.js"))
        #expect(report.written.contains("app/index.html"))
        let rebuilt = try #require(try fixture.read("app/index.html").firstMatch(of: /data-build="([0-9a-f]{12})"/)?.1)
        #expect(rebuilt != build)

        // Templates without an app: no app files, and the old ones are removed.
        try FileManager.default.removeItem(atPath: folder + "/site-templates/app")
        let without = try fixture.generate(configuration)
        #expect(without.removed.contains("app/index.html") && without.removed.contains("app/sync/hlc.js"))
        #expect(try fixture.files().keys.allSatisfy { !$0.hasPrefix("app/") })
    }
}
