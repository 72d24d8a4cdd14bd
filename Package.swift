// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "FinancialTracker",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ft", targets: ["ft"])
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.4.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        // Already in the graph through Hummingbird; named for NIOHTTPTypes (the 100-continue handler).
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.34.1"),
        // Already in the graph through hummingbird-websocket; named for its client's headers in a test.
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.2"),
        // TLS for SMTP (STARTTLS and smtps): already built for the tests' HTTP client.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // Web Push delivery: HTTPS to each browser's push service, with pooled connections.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        // GET /metrics in Prometheus' text format; swift-metrics comes with Hummingbird already.
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
    ],
    targets: [
        // The domain: value types and rules, no I/O, no dependencies.
        .target(name: "FTModel", swiftSettings: swiftSettings),
        // One process-wide SQLite setting that Swift cannot make (sqlite3_config is variadic).
        .target(name: "CSQLiteTuning", linkerSettings: [.linkedLibrary("sqlite3")]),
        // SQLite through GRDB: the only module that imports GRDB.
        .target(
            name: "FTStore",
            dependencies: [
                "CSQLiteTuning", "FTModel", "FTSync",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C functions, for the push writer's per-operation statements (`DirectStatement`).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // cmark-gfm, imported by FTMarkdown only.
        .systemLibrary(
            name: "CCmarkGFM",
            pkgConfig: "libcmark-gfm",
            providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]
        ),
        // libarchive, imported by FTArchive only.
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        // Zip and tar files through libarchive; document archives and where a version's bytes are read.
        .target(
            name: "FTArchive",
            dependencies: ["CArchive", "FTModel", "FTStore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // The merge core: hybrid logical clock, merge rules, validation. Pure and deterministic.
        .target(name: "FTSync", dependencies: ["FTModel"], swiftSettings: swiftSettings),
        // Safe GitHub-flavoured Markdown to HTML.
        .target(name: "FTMarkdown", dependencies: ["CCmarkGFM"], swiftSettings: swiftSettings),
        // The static-site generator: snapshot → view models → Mustache → files written only when changed.
        .target(
            name: "FTSite",
            dependencies: [
                "FTModel", "FTStore", "FTMarkdown", "FTArchive",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP server: static files, sign-in, the sync API.
        .target(
            name: "FTServer",
            dependencies: [
                "FTModel", "FTStore", "FTSync", "FTArchive", "FTMarkdown",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // Notifications leave the app: e-mails composed from the mail templates, sent over SMTP
        // (swift-nio, TLS through swift-nio-ssl) or written as .eml files; Web Push (RFC 8291
        // encryption, VAPID) through async-http-client; retried, dead-lettered.
        .target(
            name: "FTNotify",
            dependencies: [
                "FTModel", "FTStore", "FTSite",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Deterministic French demo data, written through FTStore.
        .target(
            name: "FTSeed",
            dependencies: ["FTModel", "FTStore"],
            swiftSettings: swiftSettings
        ),
        // The command-line tool: thin, each subcommand calls one module.
        .executableTarget(
            name: "ft",
            dependencies: [
                "FTModel", "FTStore", "FTSeed", "FTSite", "FTServer", "FTArchive", "FTNotify",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Temporary folders for the test targets, removed when the test process exits.
        .target(name: "FTTestSupport", path: "Tests/FTTestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "FTModelTests", dependencies: ["FTModel"], swiftSettings: swiftSettings),
        .testTarget(
            name: "FTStoreTests",
            dependencies: ["FTModel", "FTStore", "FTSeed", "FTSync", "FTTestSupport", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FTServerTests",
            dependencies: [
                "FTModel", "FTStore", "FTSeed", "FTSync", "FTServer", "FTArchive", "FTTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSTesting", package: "hummingbird-websocket"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FTNotifyTests",
            dependencies: [
                "FTModel", "FTStore", "FTSeed", "FTSite", "FTSync", "FTNotify", "FTTestSupport",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"), .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "FTSyncTests", dependencies: ["FTModel", "FTSync", "FTTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "FTMarkdownTests", dependencies: ["FTMarkdown"], swiftSettings: swiftSettings),
        .testTarget(
            name: "FTSiteTests",
            dependencies: ["FTModel", "FTStore", "FTSeed", "FTSite", "FTTestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "FTSeedTests", dependencies: ["FTModel", "FTStore", "FTSeed"], swiftSettings: swiftSettings),
        .testTarget(name: "ftTests", dependencies: ["ft", "FTTestSupport", .product(name: "GRDB", package: "GRDB.swift")], swiftSettings: swiftSettings),
    ]
)
