import ArgumentParser
import FTModel
import FTNotify
import FTSite
import FTStore
import Foundation
import Logging

/// `ft serve`'s e-mail settings: where e-mails go (an SMTP server, or .eml files), and when.
struct MailOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The SMTP server for e-mails: smtp://user:password@host:587 (STARTTLS when offered) or smtps://…:465 (FT_SMTP_URL works too, and keeps the password out of `ps`). Without it, e-mails are written as .eml files in --mail-dir.",
        valueName: "url"))
    var smtp: String?

    @Option(help: ArgumentHelp("The e-mails' sender address.", valueName: "address"))
    var smtpFrom = "notifications@financialtracker.example"

    @Option(help: ArgumentHelp("A certificate authority (PEM) to trust for the SMTP server instead of the system's.", valueName: "file"))
    var smtpCA: String?

    @Option(help: ArgumentHelp("Where e-mails are written when there is no --smtp (default: DATA_DIR/mail).", valueName: "dir"))
    var mailDir: String?

    @Option(help: ArgumentHelp("Hours, Paris time, with no e-mail but account messages: START-END, or none.", valueName: "h-h"))
    var quietHours = "21-8"

    @Option(help: ArgumentHelp("Seconds a message's e-mail waits for the conversation's next messages, sent together.", valueName: "s"))
    var mailDigest = 120

    @Option(help: ArgumentHelp("Tries of an e-mail or a push before it becomes a dead letter.", valueName: "N"))
    var mailTries = 6

    @Option(help: ArgumentHelp("Seconds before the first retry (then doubled each time, up to an hour, with jitter).", valueName: "s"))
    var mailRetryDelay = 30

    @Option(help: ArgumentHelp("Seconds between two looks for e-mails to send.", valueName: "s"))
    var mailInterval = 5

    @Flag(help: "Send no e-mail (notifications stay in the app).")
    var noMail = false

    func validate() throws {
        _ = try parsedQuietHours()
        guard mailDigest >= 0 else { throw ValidationError("--mail-digest must be 0 or more seconds, not \(mailDigest)") }
        guard mailTries >= 1 else { throw ValidationError("--mail-tries must be at least 1, not \(mailTries)") }
        guard mailRetryDelay >= 1 else { throw ValidationError("--mail-retry-delay must be at least 1 second, not \(mailRetryDelay)") }
        guard (1...3_600).contains(mailInterval) else { throw ValidationError("--mail-interval must be 1 to 3600 seconds, not \(mailInterval)") }
        guard MailAddress(smtpFrom).isValid else { throw ValidationError("--smtp-from '\(smtpFrom)' is not an e-mail address") }
    }

    func parsedQuietHours() throws -> QuietHours {
        if quietHours == "none" { return QuietHours(startHour: 0, endHour: 0) }
        let parts = quietHours.split(separator: "-").map { Int($0) }
        guard parts.count == 2, let start = parts[0], let end = parts[1], (0...23).contains(start), (0...23).contains(end) else {
            throw ValidationError("--quiet-hours must be START-END in hours (21-8) or none, not '\(quietHours)'")
        }
        return QuietHours(startHour: start, endHour: end)
    }

    /// The e-mail worker, or nil with --no-mail. Checks the templates and the SMTP URL now: a
    /// mistake stops the server at start, with what was wrong.
    /// `channels`: every outside channel the server delivers on (fanned out together);
    /// `adminDirectory`: where the reports e-mailed to admins are.
    func makeMailer(
        database: AppDatabase, blobs: BlobStore, templates: String, baseURL: String, dataDirectory: String, adminDirectory: String,
        channels: Set<NotificationChannel>, logger: Logger
    ) throws -> NotificationMailer? {
        guard !noMail else { return nil }
        let url = smtp ?? ProcessInfo.processInfo.environment["FT_SMTP_URL"].flatMap { $0.isEmpty ? nil : $0 }
        var isDirectory: ObjCBool = false
        if url == nil, !FileManager.default.fileExists(atPath: templates + "/mail", isDirectory: &isDirectory) {
            // Files only, and nothing to write them with: say so, and serve without e-mails.
            logger.warning("no e-mail templates at \(templates)/mail: notifications stay in the app (pass --templates DIR)")
            return nil
        }
        let mailTemplates: MailTemplates
        do {
            mailTemplates = try MailTemplates(directory: templates)
        } catch {
            throw CLIError("e-mail templates: \(error) (pass --templates DIR, or --no-mail)")
        }
        let transport: any MailTransport
        if let url {
            let host = URL(string: baseURL)?.host ?? "localhost"
            do {
                transport = try SMTPTransport(url: url, helloName: host, trustedAuthority: smtpCA)
            } catch {
                throw CLIError("\(error)")
            }
        } else {
            let directory = mailDir ?? (dataDirectory as NSString).appendingPathComponent("mail")
            do {
                transport = try MailDirectory(directory: directory)
            } catch {
                throw CLIError("cannot create the mail folder \(directory): \(error.localizedDescription)")
            }
        }
        logger.notice("e-mails: \(transport.description)")
        return NotificationMailer(
            database: database, templates: mailTemplates, transport: transport,
            configuration: MailConfiguration(from: MailAddress(smtpFrom, name: "FinancialTracker"), baseURL: baseURL, policy: try policy(), interval: .seconds(mailInterval),
                adminDirectory: adminDirectory),
            tokens: blobs.linkTokens, channels: channels, logger: Logger(label: "FinancialTracker.mail")
        )
    }

    /// When notifications leave (quiet hours, digests) and how failures are retried: e-mail and
    /// push alike.
    func policy() throws -> NotificationPolicy {
        NotificationPolicy(
            quietHours: try parsedQuietHours(), digestWindow: TimeInterval(mailDigest),
            retry: RetryPolicy(maximumAttempts: mailTries, firstDelay: TimeInterval(mailRetryDelay))
        )
    }
}
