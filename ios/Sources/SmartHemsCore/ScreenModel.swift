// The SwiftUI side of the helpers: Combine's ObservableObject exists on Apple platforms only.
#if canImport(Combine)
import Combine
import Foundation

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

    public func tap(_ action: Action) { Task { await core.tap(action: action) } }
}
#endif
