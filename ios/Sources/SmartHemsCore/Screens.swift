// Hand-written Swift conveniences over the generated bindings (SmartHemsCore.swift, generated).
import Foundation

private final class StreamListener: ScreenListener, @unchecked Sendable {
    let continuation: AsyncStream<ScreenView>.Continuation
    init(_ continuation: AsyncStream<ScreenView>.Continuation) { self.continuation = continuation }
    func onScreen(view: ScreenView) { continuation.yield(view) }
}

extension SmartHems {
    /// Every screen the core shows, starting with the current one. Ending the iteration ends the
    /// subscription.
    public func screens() -> AsyncStream<ScreenView> {
        AsyncStream(bufferingPolicy: .bufferingNewest(16)) { continuation in
            let subscription = self.subscribe(listener: StreamListener(continuation))
            continuation.onTermination = { _ in _ = subscription }
        }
    }
}

/// The current screen as an observable model for SwiftUI.
@MainActor
public final class ScreenModel: ObservableObject {
    @Published public private(set) var view: ScreenView
    public let core: SmartHems
    private var task: Task<Void, Never>?

    public init(core: SmartHems) {
        self.core = core
        self.view = core.screen()
        task = Task { [weak self] in
            for await view in core.screens() { self?.view = view }
        }
    }

    deinit { task?.cancel() }

    public func tap(_ action: Action) { Task { _ = await core.tap(action: action) } }
}
