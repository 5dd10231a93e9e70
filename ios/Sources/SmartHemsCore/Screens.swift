// Hand-written Swift conveniences over the generated bindings (SmartHemsCore.swift, generated and
// never edited). What is here compiles everywhere Swift runs — iOS, and Linux, where
// scripts/swift-test.sh tests it; what needs Apple's frameworks lives in ScreenModel.swift and
// KeychainStore.swift behind `#if canImport(...)`. Business rules stay in the core.
import Foundation

/// Forwards the core's screens into an `AsyncStream`. The core alone holds it (through the
/// subscription), so it lives exactly as long as the subscription does.
final class StreamListener: ScreenListener, @unchecked Sendable {
    private let continuation: AsyncStream<ScreenView>.Continuation

    init(_ continuation: AsyncStream<ScreenView>.Continuation) {
        self.continuation = continuation
        Self.count(+1)
    }

    deinit { Self.count(-1) }

    func onScreen(view: ScreenView) { continuation.yield(view) }

    // How many listeners the core holds now: the tests check that ending an iteration ends the
    // subscription (the core lets go of its listener).
    private static let lock = NSLock()
    private static var alive = 0
    private static func count(_ change: Int) {
        lock.lock()
        alive += change
        lock.unlock()
    }
    static var subscribed: Int {
        lock.lock()
        defer { lock.unlock() }
        return alive
    }
}

extension SmartHems {
    /// Every screen the core shows, starting with the current one. Ending the iteration (leaving
    /// the `for await` loop, or cancelling its task) ends the subscription. A slow reader sees the
    /// newest screens (older ones are dropped), which is what a UI wants.
    public func screens() -> AsyncStream<ScreenView> {
        AsyncStream(bufferingPolicy: .bufferingNewest(16)) { continuation in
            let subscription = self.subscribe(listener: StreamListener(continuation))
            // Held by the stream until it terminates; then released, which unsubscribes.
            continuation.onTermination = { _ in withExtendedLifetime(subscription) {} }
        }
    }
}

extension ScreenView {
    /// The button with this label, as the user reads it.
    public func button(_ label: String) -> Button? { buttons.first { $0.label == label } }
}
