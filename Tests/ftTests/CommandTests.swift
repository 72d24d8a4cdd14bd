import Foundation
import Testing

@Suite struct CommandTests {
    @Test(arguments: [[], ["seed"], ["info"], ["generate"], ["serve"], ["compact"], ["keygen"], ["verify"]])
    func everyCommandHasHelp(command: [String]) throws {
        let result = try FT.run(command + ["--help"])
        #expect(result.status == 0)
        #expect(result.output.contains("USAGE: ft"))
        #expect(result.output.contains("--data-dir") || command.isEmpty)
    }

    @Test func theSeedHelpExplainsItsOptions() throws {
        let help = try FT.run(["seed", "--help"]).output
        for option in ["--experts", "--clients", "--seed", "--today", "--replace", "--demo-password", "--log-level"] {
            #expect(help.contains(option), "seed --help does not mention \(option)")
        }
    }

    @Test(arguments: [
        (["seed", "--experts", "-1"], "--experts must be 0 or more"),
        (["seed", "--clients", "-5"], "--clients must be 0 or more"),
        (["seed", "--experts", "beaucoup"], "beaucoup"),
        (["seed", "--today", "2026-02-30"], "--today must be a date like"),
        (["seed", "--frobnicate"], "Unknown option '--frobnicate'"),
        (["seed", "--log-level", "loud"], "unknown log level 'loud'"),
        (["teleport"], "Unexpected argument 'teleport'"),
        (["compact", "--changes-days=-1"], "--changes-days must be 0 or more"),
        (["serve", "--rebuild-delay=-5"], "--rebuild-delay must be 0 to 600000 ms"),
        (["serve", "--base-url", "ftp://x"], "--base-url must start with http:// or https://"),
    ])
    func badArgumentsGetAClearErrorAndANonZeroExit(arguments: [String], message: String) throws {
        let folder = try FT.temporaryDirectory()
        let result = try FT.run(arguments.first == "seed" ? arguments + ["--data-dir", folder + "/data"] : arguments)
        #expect(result.status != 0)
        #expect(result.errors.contains(message), "stderr was: \(result.errors)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/data/financialtracker.sqlite"))
    }

    @Test func anUnwritableDataDirectoryIsAClearError() throws {
        let folder = try FT.temporaryDirectory()
        let blocker = folder + "/not-a-folder"
        try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
        let result = try FT.run(["seed", "--data-dir", blocker + "/data", "--experts", "1", "--clients", "1"])
        #expect(result.status != 0)
        #expect(result.errors.contains("cannot create the data directory \(blocker)/data"), "stderr was: \(result.errors)")
    }

    @Test func seedingTwiceWithTheSameArgumentsGivesTheSameDatabase() throws {
        let folder = try FT.temporaryDirectory()
        var digests: [String] = []
        for name in ["a", "b"] {
            let dir = folder + "/" + name
            let seeded = try FT.run(["seed", "--data-dir", dir, "--experts", "12", "--clients", "25", "--seed", "9", "--today", "2026-11-20"])
            #expect(seeded.status == 0, "stderr was: \(seeded.errors)")
            #expect(seeded.output.contains("Seeded \(dir)/financialtracker.sqlite (seed 9, today 2026-11-20):"))
            #expect(seeded.output.contains("  expert                  12"))
            #expect(seeded.output.contains("  client                  25"))
            #expect(seeded.output.contains("Demo accounts (password \"demo-financialtracker\"): admin@financialtracker.example"))
            let info = try FT.run(["info", "--digest"], environment: ["FT_DATA_DIR": dir])
            #expect(info.status == 0)
            digests.append(info.output.split(separator: "\n").dropFirst().joined(separator: "\n"))
        }
        #expect(digests[0] == digests[1])
        #expect(digests[0].contains("expert"))
    }

    @Test func anExistingDatabaseIsKeptUnlessReplaceIsGiven() throws {
        let dir = try FT.temporaryDirectory() + "/data"
        #expect(try FT.run(["seed", "--data-dir", dir, "--experts", "3", "--clients", "4"]).status == 0)
        let path = dir + "/financialtracker.sqlite"
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        let refused = try FT.run(["seed", "--data-dir", dir, "--experts", "5", "--clients", "5"])
        #expect(refused.status != 0)
        #expect(refused.errors.contains("already holds"))
        #expect(refused.errors.contains("--replace"))
        #expect(try FT.run(["info", "--data-dir", dir]).output.contains("  expert                  3"))

        let replaced = try FT.run(["seed", "--data-dir", dir, "--experts", "5", "--clients", "5", "--replace"])
        #expect(replaced.status == 0, "stderr was: \(replaced.errors)")
        #expect(try FT.run(["info", "--data-dir", dir]).output.contains("  expert                  5"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) != before)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains("seeding") }
        #expect(leftovers.isEmpty)
    }

    @Test func aFileThatIsNotADatabaseIsRefusedAndLeftAsItWas() throws {
        let dir = try FT.temporaryDirectory()
        let path = dir + "/financialtracker.sqlite"
        let text = Data("Liste de courses : pain, fromage.\n".utf8)
        try text.write(to: URL(fileURLWithPath: path))
        for command in [["info"], ["seed", "--experts", "1", "--clients", "1"]] {
            let result = try FT.run(command + ["--data-dir", dir])
            #expect(result.status != 0)
            #expect(result.errors.contains("is not a FinancialTracker database"), "stderr was: \(result.errors)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == text)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["financialtracker.sqlite"])
    }

    @Test func infoWithoutADatabaseSaysHowToMakeOne() throws {
        let dir = try FT.temporaryDirectory()
        let result = try FT.run(["info", "--data-dir", dir])
        #expect(result.status != 0)
        #expect(result.errors.contains("ft seed"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }
}

@Suite struct CompactCommandTests {
    @Test func compactSaysWhatItRemoved() throws {
        let data = try FT.temporaryDirectory() + "/data"
        #expect(try FT.run(["seed", "--data-dir", data, "--experts", "3", "--clients", "4", "--today", "2026-11-20"]).status == 0)
        let result = try FT.run(["compact", "--data-dir", data, "--changes-days", "0", "--tombstones-days", "0"])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("Compacted the sync log: 0 changes"), "\(result.output)")
    }
}

@Suite struct KeyCommandTests {
    /// No key, no server: a clear error before anything is opened or written; `ft keygen` makes
    /// one readable by its owner only, and never replaces it.
    @Test func theServerNeedsTheDocumentKeyAndKeygenNeverReplacesIt() throws {
        let data = try FT.temporaryDirectory() + "/data"
        #expect(try FT.run(["seed", "--data-dir", data, "--experts", "2", "--clients", "2", "--today", "2026-11-20"]).status == 0)
        let stored = try FileManager.default.subpathsOfDirectory(atPath: data + "/blobs").sorted()
        let refused = try FT.run(["serve", "--data-dir", data, "--port", String(20_000 + Int.random(in: 0..<20_000))], environment: ["FT_DOCUMENT_KEY": ""])
        #expect(refused.status != 0)
        #expect(refused.errors.contains("no document key"), "\(refused.errors)")
        #expect(refused.errors.contains("ft keygen"))
        #expect(try FileManager.default.subpathsOfDirectory(atPath: data + "/blobs").sorted() == stored)

        let made = try FT.run(["keygen", "--data-dir", data])
        #expect(made.status == 0, "\(made.errors)")
        let keyPath = data + "/document.key"
        let key = try String(contentsOfFile: keyPath, encoding: .utf8)
        #expect(Data(base64Encoded: key.trimmingCharacters(in: .whitespacesAndNewlines))?.count == 32)
        let permissions = try FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? NSNumber
        #expect(permissions?.intValue == 0o600)
        let again = try FT.run(["keygen", "--data-dir", data])
        #expect(again.status != 0)
        #expect(again.errors.contains("already exists"))
        #expect(try String(contentsOfFile: keyPath, encoding: .utf8) == key)
    }
}
