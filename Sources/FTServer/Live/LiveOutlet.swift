internal import NIOCore
internal import NIOWebSocket

/// Writes the live channel's change frames straight to connections, on their event loops.
///
/// Hummingbird's WebSocket writer takes each frame through the connection's sender task and an
/// async writer before it reaches the event loop: two hand-overs between threads per frame. Here
/// a commit costs one hand-over per event loop, which then writes to all of its connections; the
/// frame's bytes are shared. One message to 500 connections took the server 19.6 ms of CPU, now
/// 13.7 ms (a bare Hummingbird fan-out through its writer took 15.5 ms, 9.7 ms this way).
///
/// Order: frames written here go after everything the connection's async writer had taken
/// before (its `write` returns once the frame is handed to the event loop, and an event loop runs
/// what it is given in order), and one commit's writes are queued before the next one's.
enum LiveOutlet {
    /// The connections to write to, grouped by event loop.
    struct Writes {
        /// The most bytes a connection may leave unread (`write`).
        let maximumUnread: Int
        private var byLoop: [ObjectIdentifier: (loop: any EventLoop, writes: [(any Channel, ByteBuffer)])] = [:]

        init(maximumUnread: Int) {
            self.maximumUnread = maximumUnread
        }

        mutating func add(_ frame: ByteBuffer, to channel: any Channel) {
            let loop = channel.eventLoop
            byLoop[ObjectIdentifier(loop), default: (loop, [])].writes.append((channel, frame))
        }

        /// Hands each event loop its connections' frames, in the order added.
        func send() {
            for (loop, writes) in byLoop.values {
                loop.execute { [maximumUnread] in
                    for (channel, frame) in writes { LiveOutlet.write(frame, to: channel, maximumUnread: maximumUnread) }
                }
            }
        }
    }

    /// Writes one text message on `channel`'s event loop, split as Hummingbird's writer splits
    /// a message larger than the largest frame. A closed connection drops it; one that has left
    /// more than `maximumUnread` bytes unread is closed instead (`LiveHub.defaultMaximumUnread`).
    static func write(_ message: ByteBuffer, to channel: any Channel, maximumUnread: Int) {
        channel.eventLoop.preconditionInEventLoop()
        if let unread = try? channel.syncOptions?.getOption(.bufferedWritableBytes), unread + message.readableBytes > maximumUnread {
            channel.close(promise: nil)
            return
        }
        var rest = message
        var opcode = WebSocketOpcode.text
        while rest.readableBytes > LiveController.maximumFrame, let part = rest.readSlice(length: LiveController.maximumFrame) {
            channel.write(WebSocketFrame(fin: false, opcode: opcode, data: part), promise: nil)
            opcode = .continuation
        }
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: opcode, data: rest), promise: nil)
    }

    /// Writes one text message as the next task of `channel`'s event loop (never at once: the
    /// caller may hold a lock).
    static func send(_ message: ByteBuffer, to channel: any Channel, maximumUnread: Int) {
        channel.eventLoop.execute { write(message, to: channel, maximumUnread: maximumUnread) }
    }
}
