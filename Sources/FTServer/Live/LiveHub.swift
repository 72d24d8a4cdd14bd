public import FTSync
internal import Synchronization

/// Who is connected to the live channel, and what each connection is told. It stores nothing:
/// commits arrive as sequence numbers (each connection then pulls what its user may see, through
/// the same row-level rule as `GET /sync/pull`), typing and presence are relayed and forgotten.
public final class LiveHub: Sendable {
    /// What a connection's sender loop receives.
    enum Event: Sendable {
        /// Changes up to this sequence number are committed.
        case committed(Int64)
        /// A message to write as is (presence, typing).
        case send(LiveMessage.Outgoing)
    }

    private struct Member {
        var actor: SyncActor
        var continuation: AsyncStream<Event>.Continuation
        var watching: Set<Int64> = []
    }

    private struct State {
        var members: [UInt64: Member] = [:]
        var rooms: [Int64: Set<UInt64>] = [:]
        var nextId: UInt64 = 1
        var latestCommitted: Int64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// The number of open connections.
    public var connectionCount: Int { state.withLock { $0.members.count } }

    /// Registers a connection; its events arrive on the returned stream until `leave`.
    func join(_ actor: SyncActor) -> (id: UInt64, events: AsyncStream<Event>) {
        let (stream, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .unbounded)
        let id = state.withLock { state in
            let id = state.nextId
            state.nextId += 1
            state.members[id] = Member(actor: actor, continuation: continuation)
            return id
        }
        return (id, stream)
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

    /// Tells every connection that changes up to `seq` are committed.
    public func committed(upTo seq: Int64) {
        let continuations = state.withLock { state -> [AsyncStream<Event>.Continuation] in
            state.latestCommitted = max(state.latestCommitted, seq)
            return state.members.values.map(\.continuation)
        }
        for continuation in continuations { continuation.yield(.committed(seq)) }
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
