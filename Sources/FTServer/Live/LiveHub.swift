public import Foundation
internal import FTModel
public import FTStore
internal import FTSync
internal import Synchronization
internal import NIOCore
public import Logging

/// Who is connected to the live channel, and what each connection is told. It stores nothing.
///
/// Commits are read once (`fan-out`): after each push the new changes of the log are read in one
/// query and each connection gets those of dossiers its user may see — the rule of
/// `GET /sync/pull` (`AppDatabase.visibleDossiers`), looked up once per user and kept for at most
/// a second; each session is checked again at the same pace, so a sign-out or a deactivation ends
/// the channel. Typing and presence are relayed and forgotten.
public final class LiveHub: Sendable {
    /// What a connection's sender loop receives.
    enum Event: Sendable {
        /// The session is over (signed out, expired, deactivated).
        case sessionEnded
        /// The user was granted a dossier (`SyncGrant`): the device must pull a fresh snapshot.
        case resync
        /// A message to write as is (presence, typing).
        case send(LiveMessage.Outgoing)
    }

    private struct Member {
        var actor: SyncActor
        var token: String
        var continuation: AsyncStream<Event>.Continuation
        var watching: Set<Int64> = []
        var delivery: Delivery
    }

    /// How commits reach a connection.
    private enum Delivery {
        /// Its sender is writing what it missed: the changes of the commits since it joined wait
        /// here, until `finishCatchUp`.
        case catchingUp([PulledChange], channel: any Channel)
        /// Straight to its channel (`LiveOutlet`); `sentUpTo`: the newest change it was sent.
        case direct(any Channel, sentUpTo: Int64)

        /// Keeps `frame`'s changes until the catch-up ends, or adds the frame to `writes`
        /// without the changes the connection was sent already (the hub's reads can lag behind
        /// a catch-up). In place: a long catch-up's list is not copied at each commit.
        mutating func take(_ frame: Frame, into writes: inout LiveOutlet.Writes) {
            switch self {
            case .catchingUp(var pending, let channel):
                self = .direct(channel, sentUpTo: 0)  // lets go of `pending`'s storage
                pending.append(contentsOf: frame.changes)
                self = .catchingUp(pending, channel: channel)
            case .direct(let channel, let sentUpTo):
                guard let newest = frame.changes.last, newest.seq > sentUpTo else { return }
                let fresh = frame.changes[0].seq > sentUpTo ? frame.bytes : Frame.bytes(of: frame.changes.filter { $0.seq > sentUpTo })
                writes.add(fresh, to: channel)
                self = .direct(channel, sentUpTo: newest.seq)
            }
        }

        /// The catch-up has sent everything up to `cursor`: what is kept after it is written now
        /// (on the channel's event loop, as its next task), the next commits as they come.
        mutating func finishCatchUp(cursor: Int64, maximumUnread: Int) {
            guard case .catchingUp(let pending, let channel) = self else { return }
            let fresh = pending.filter { $0.seq > cursor }
            if !fresh.isEmpty { LiveOutlet.send(Frame.bytes(of: fresh), to: channel, maximumUnread: maximumUnread) }
            self = .direct(channel, sentUpTo: fresh.last?.seq ?? cursor)
        }
    }

    /// One commit's changes for one user, and the frame that sends them.
    private struct Frame {
        var changes: [PulledChange]
        var bytes: ByteBuffer

        /// The `changes` frame of `changes` (not empty), its cursor the last one's.
        static func bytes(of changes: [PulledChange]) -> ByteBuffer {
            ByteBuffer(string: LiveMessage.Outgoing.changes(changes, cursor: changes.last?.seq ?? 0, hasMore: false).json())
        }
    }

    private struct State {
        var members: [UInt64: Member] = [:]
        var rooms: [Int64: Set<UInt64>] = [:]
        var nextId: UInt64 = 1
    }

    private let state = Mutex(State())
    private let database: AppDatabase
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let maximumUnread: Int
    private let commits: AsyncStream<Int64>.Continuation
    /// How long a user's visible dossiers and a session's validity are trusted.
    static let recheckInterval: TimeInterval = 1

    /// The most bytes a connection may leave unread in the server's memory. A device that stops
    /// reading (asleep, on a dead network that has not timed out, or hostile) would otherwise make
    /// every commit pile up for it: past this, its connection is closed, and the device resumes
    /// from its cursor when it connects again.
    public static let defaultMaximumUnread = 4 << 20

    /// `maximumUnread`: the most bytes a connection may leave unread before it is closed.
    public init(database: AppDatabase, maximumUnread: Int = LiveHub.defaultMaximumUnread, logger: Logger = Logger(label: "financialtracker.live"), now: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.maximumUnread = maximumUnread
        self.logger = logger
        self.now = now
        let (stream, continuation) = AsyncStream<Int64>.makeStream(bufferingPolicy: .bufferingNewest(1))
        commits = continuation
        let start = (try? database.latestSequence()) ?? 0
        Task.detached { [weak self] in
            var watermark = start
            for await seq in stream {
                guard let self else { return }
                watermark = self.fanOut(after: watermark, committed: seq)
            }
        }
    }

    deinit {
        commits.finish()
    }

    /// The number of open connections.
    public var connectionCount: Int { state.withLock { $0.members.count } }

    /// Registers a connection; its events (presence, typing, the end of its session) arrive on
    /// the returned stream until `leave`. Every change committed after this call that its user
    /// may see is kept until `finishCatchUp`, then written to `channel`.
    func join(_ actor: SyncActor, token: String, channel: any Channel) -> (id: UInt64, events: AsyncStream<Event>) {
        // Presence and typing for a connection whose sender is stuck writing to a device that
        // does not read: the newest are kept, not every one.
        let (stream, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .bufferingNewest(1_000))
        let delivery = Delivery.catchingUp([], channel: channel)
        let id = state.withLock { state in
            let id = state.nextId
            state.nextId += 1
            state.members[id] = Member(actor: actor, token: token, continuation: continuation, delivery: delivery)
            return id
        }
        return (id, stream)
    }

    /// How many changes wait for `id`'s catch-up to end; nil once it has (for the tests).
    func pendingChanges(of id: UInt64) -> Int? {
        state.withLock { state in
            guard case .catchingUp(let pending, _) = state.members[id]?.delivery else { return nil }
            return pending.count
        }
    }

    /// The connection has written everything up to `cursor` (its catch-up): the changes after it
    /// that commits brought meanwhile are written now, and the next commits' straight to its
    /// channel. They are queued on the channel's event loop before the lock is let go, so that no
    /// later commit's frame can overtake them.
    func finishCatchUp(_ id: UInt64, cursor: Int64) {
        state.withLock { state in state.members[id]?.delivery.finishCatchUp(cursor: cursor, maximumUnread: maximumUnread) }
    }

    /// Removes a connection, ends its stream and tells the rooms it watched.
    func leave(_ id: UInt64) {
        let (member, announcements) = state.withLock { state -> (Member?, [(Set<UInt64>, LiveMessage.Outgoing)]) in
            guard let member = state.members.removeValue(forKey: id) else { return (nil, []) }
            var announcements: [(Set<UInt64>, LiveMessage.Outgoing)] = []
            for conversation in member.watching {
                state.rooms[conversation]?.remove(id)
                if state.rooms[conversation]?.isEmpty == true { state.rooms[conversation] = nil }
                announcements.append(Self.presence(of: conversation, in: state))
            }
            return (member, announcements)
        }
        member?.continuation.finish()
        deliver(announcements)
    }

    /// Changes up to `seq` are committed: they are read and sent to whoever may see them.
    public func committed(upTo seq: Int64) {
        commits.yield(seq)
    }

    /// A session was signed out: its connections end now, not at the next check.
    func revoke(token: String) {
        sessions.withLock { $0[token] = Trusted(value: false, checkedAt: .distantFuture) }
        let continuations = state.withLock { $0.members.values.filter { $0.token == token }.map(\.continuation) }
        for continuation in continuations { continuation.yield(.sessionEnded) }
    }

    /// Ends the live connections of a user's sessions but the one of `kept` (a password changed,
    /// "se déconnecter partout", an account deactivated): each is told its session ended and closes.
    func revoke(user: Int64, except kept: String? = nil) {
        sessions.withLock { sessions in
            for token in sessions.keys where token != kept { sessions[token] = nil }
        }
        let continuations = state.withLock { $0.members.values.filter { $0.actor.user == user && $0.token != kept }.map(\.continuation) }
        for continuation in continuations { continuation.yield(.sessionEnded) }
    }

    private struct Trusted<Value> {
        var value: Value
        var checkedAt: Date
    }

    private let visibility = Mutex<[Int64: Trusted<Set<Int64>?>]>([:])
    private let sessions = Mutex<[String: Trusted<Bool>]>([:])

    /// Sends the changes after `watermark`; returns the new watermark. `committed`: a change
    /// known to be committed before this call.
    private func fanOut(after watermark: Int64, committed: Int64) -> Int64 {
        var watermark = watermark
        // Nobody listening: nothing to read. (`committed` was committed before the check: a
        // connection that joins after it pulls everything up to then itself.)
        if state.withLock({ $0.members.isEmpty }) {
            return max(watermark, committed)
        }
        while true {
            let read: LogRead
            do {
                read = try database.changes(after: watermark, limit: 1_000)
            } catch {
                logger.error("live channel: cannot read the log after \(watermark): \(error); tried again at the next commit")
                return watermark
            }
            guard let through = read.through else { return watermark }
            // A change that cannot be read is skipped, and the watermark moves past it all the same:
            // one bad row never stops the channel for everyone.
            if !read.unreadable.isEmpty {
                logger.error("live channel: skipped unreadable changes", metadata: ["seq": "\(read.unreadable.map(String.init).joined(separator: ","))"])
            }
            watermark = through
            let batch = read.changes
            let listeners = state.withLock { $0.members.map { (id: $0.key, actor: $0.value.actor, token: $0.value.token) } }
            let now = now()
            // One frame per user: a user's connections get the same changes (500 connections of
            // two users made 500 encodings of the same message).
            var frames: [Int64: Frame?] = [:]
            var outgoing: [(UInt64, Frame)] = []
            var ended: [UInt64] = []
            var resyncing: [UInt64] = []
            // Users granted a dossier in this batch: what they see changed, and their devices
            // missed the dossier's earlier changes — each connection is told to start again.
            let granted = Set(batch.compactMap(\.grantedUser))
            if !granted.isEmpty { visibility.withLock { cache in for user in granted { cache[user] = nil } } }
            for listener in listeners {
                guard sessionIsValid(token: listener.token, actor: listener.actor, now: now) else {
                    ended.append(listener.id)
                    continue
                }
                if granted.contains(listener.actor.user) {
                    resyncing.append(listener.id)
                    continue
                }
                let frame: Frame?
                if let known = frames[listener.actor.user] {
                    frame = known
                } else {
                    frame = self.frame(of: batch, for: listener.actor, now: now)
                    frames[listener.actor.user] = .some(frame)
                }
                if let frame { outgoing.append((listener.id, frame)) }
            }
            var writes = LiveOutlet.Writes(maximumUnread: maximumUnread)
            let (endedSessions, resyncs) = state.withLock { state in
                for (id, frame) in outgoing { state.members[id]?.delivery.take(frame, into: &writes) }
                return (ended.compactMap { state.members[$0]?.continuation }, resyncing.compactMap { state.members[$0]?.continuation })
            }
            writes.send()
            for continuation in endedSessions { continuation.yield(.sessionEnded) }
            for continuation in resyncs { continuation.yield(.resync) }
            if read.rows < 1_000 { return watermark }
        }
    }

    /// The changes of `batch` that `actor` may see and their frame; nil when there are none.
    private func frame(of batch: [LoggedChange], for actor: SyncActor, now: Date) -> Frame? {
        guard let visible = visibleDossiers(actor, now: now) else { return nil }
        let changes = batch.filter { $0.isVisible(to: actor.user, dossiers: visible) }.map(\.change)
        guard !changes.isEmpty else { return nil }
        return Frame(changes: changes, bytes: Frame.bytes(of: changes))
    }

    /// Nil (outer) when it cannot be read: nothing is sent rather than too much.
    private func visibleDossiers(_ actor: SyncActor, now: Date) -> Set<Int64>?? {
        if let cached = visibility.withLock({ $0[actor.user] }), now.timeIntervalSince(cached.checkedAt) < Self.recheckInterval {
            return .some(cached.value)
        }
        let fresh: Set<Int64>?
        do {
            fresh = try database.visibleDossiers(for: actor)
        } catch {
            return nil
        }
        visibility.withLock { $0[actor.user] = Trusted(value: fresh, checkedAt: now) }
        return .some(fresh)
    }

    private func sessionIsValid(token: String, actor: SyncActor, now: Date) -> Bool {
        if let cached = sessions.withLock({ $0[token] }), now.timeIntervalSince(cached.checkedAt) < Self.recheckInterval {
            return cached.value
        }
        let user = try? database.user(token: token, now: now)
        let valid = user?.id == actor.user && user?.role == actor.role
        sessions.withLock { $0[token] = Trusted(value: valid, checkedAt: now) }
        return valid
    }

    /// Adds a connection to a conversation's room (the caller has checked that its user may see
    /// it) and tells the room who is there.
    func watch(_ id: UInt64, conversation: Int64) {
        let announcement = state.withLock { state -> (Set<UInt64>, LiveMessage.Outgoing)? in
            guard state.members[id] != nil else { return nil }
            state.members[id]?.watching.insert(conversation)
            state.rooms[conversation, default: []].insert(id)
            return Self.presence(of: conversation, in: state)
        }
        deliver(announcement.map { [$0] } ?? [])
    }

    func unwatch(_ id: UInt64, conversation: Int64) {
        let announcement = state.withLock { state -> (Set<UInt64>, LiveMessage.Outgoing)? in
            guard state.members[id]?.watching.remove(conversation) != nil else { return nil }
            state.rooms[conversation]?.remove(id)
            if state.rooms[conversation]?.isEmpty == true { state.rooms[conversation] = nil }
            return Self.presence(of: conversation, in: state)
        }
        deliver(announcement.map { [$0] } ?? [])
    }

    /// Relays "typing" to the other connections in the room. Returns false when the sender does
    /// not watch the conversation (it must `watch` first, which checks access).
    func typing(_ id: UInt64, conversation: Int64) -> Bool {
        let targets = state.withLock { state -> (Int64, [AsyncStream<Event>.Continuation])? in
            guard let member = state.members[id], member.watching.contains(conversation) else { return nil }
            let others = (state.rooms[conversation] ?? []).filter { $0 != id }
            return (member.actor.user, others.compactMap { state.members[$0]?.continuation })
        }
        guard let (user, continuations) = targets else { return false }
        for continuation in continuations { continuation.yield(.send(.typing(conversation: conversation, user: user))) }
        return true
    }

    /// The users present in a room (distinct, sorted) and the connections to tell.
    private static func presence(of conversation: Int64, in state: State) -> (Set<UInt64>, LiveMessage.Outgoing) {
        let ids = state.rooms[conversation] ?? []
        let users = Set(ids.compactMap { state.members[$0]?.actor.user }).sorted()
        return (ids, .presence(conversation: conversation, online: users))
    }

    private func deliver(_ announcements: [(Set<UInt64>, LiveMessage.Outgoing)]) {
        for (ids, message) in announcements {
            let continuations = state.withLock { state in ids.compactMap { state.members[$0]?.continuation } }
            for continuation in continuations { continuation.yield(.send(message)) }
        }
    }
}
