import ArgumentParser
import FTModel
import FTNotify
import FTServer
import FTStore
import Foundation
import Logging

/// `ft serve`'s Web Push settings.
struct PushOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Who push services can contact about this server (VAPID subject): mailto:… or https://….", valueName: "uri"))
    var pushSubject = "mailto:notifications@financialtracker.example"

    @Option(help: ArgumentHelp("Seconds between two looks for push notifications to send.", valueName: "s"))
    var pushInterval = 2

    @Option(help: ArgumentHelp("Push notifications sent at once (encrypted, signed and posted), at most.", valueName: "n"))
    var pushConcurrency = 32

    @Flag(help: "Send no push notification (no subscription is taken either).")
    var noPush = false

    @Flag(help: ArgumentHelp("For tests only: accept http:// and loopback push endpoints, for a push service on this machine. Private and link-local addresses stay refused.", visibility: .hidden))
    var unsafePushEndpoints = false

    func validate() throws {
        guard pushSubject.hasPrefix("mailto:") || pushSubject.hasPrefix("https://") else {
            throw ValidationError("--push-subject must start with mailto: or https://, not '\(pushSubject)'")
        }
        guard (1...3_600).contains(pushInterval) else { throw ValidationError("--push-interval must be 1 to 3600 seconds, not \(pushInterval)") }
        guard (1...256).contains(pushConcurrency) else { throw ValidationError("--push-concurrency must be 1 to 256, not \(pushConcurrency)") }
    }

    /// The push worker and what the API needs of it, or nil with --no-push. The VAPID key comes
    /// from the document key.
    func makePusher(database: AppDatabase, blobs: BlobStore, policy: NotificationPolicy, channels: Set<NotificationChannel>, logger: Logger) throws -> (NotificationPusher, WebPushSettings)? {
        guard !noPush else { return nil }
        let vapid = try VAPID(privateKey: blobs.vapidPrivateKey, subject: pushSubject)
        let endpoints = PushEndpointGuard(allowsLoopback: unsafePushEndpoints)
        if unsafePushEndpoints { logger.warning("--unsafe-push-endpoints: http:// and loopback push endpoints are accepted (tests only)") }
        let pusher = NotificationPusher(
            database: database, transport: HTTPPushTransport(),
            configuration: PushConfiguration(vapid: vapid, endpoints: endpoints, policy: policy, interval: .seconds(pushInterval), concurrency: pushConcurrency),
            channels: channels, logger: Logger(label: "FinancialTracker.push")
        )
        let settings = WebPushSettings(publicKey: vapid.publicKey) { endpoint in _ = try await endpoints.check(endpoint) }
        return (pusher, settings)
    }
}
