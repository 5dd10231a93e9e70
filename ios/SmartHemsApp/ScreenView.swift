import SwiftUI
import SmartHemsCore

/// The whole UI: the screen the core says is current, one view per kind of screen.
struct ScreenView: View {
    @ObservedObject var model: ScreenModel

    var body: some View {
        let view = model.view
        ScrollView {
            VStack(alignment: .leading, spacing: 12) {
                Text(view.title).font(.title2).bold()
                if let notice = view.notice { Text(notice).foregroundColor(.red) }
                switch view.screen {
                case .busy: ProgressView()
                case .deviceSelection: DeviceList(view: view, tap: model.tap)
                default: Standard(view: view, tap: model.tap)
                }
            }
            .padding()
        }
    }
}

private struct Standard: View {
    let view: SmartHemsCore.ScreenView
    let tap: (Action) -> Void

    var body: some View {
        ForEach(view.body, id: \.self) { Text($0) }
        if let input = view.input {
            TextField(input.label, text: Binding(get: { input.value }, set: { tap(.editNickname(text: $0)) }))
                .textFieldStyle(.roundedBorder)
            if let error = input.error { Text(error).foregroundColor(.red).font(.footnote) }
        }
        Buttons(buttons: view.buttons, tap: tap)
    }
}

private struct DeviceList: View {
    let view: SmartHemsCore.ScreenView
    let tap: (Action) -> Void

    var body: some View {
        ForEach(view.body, id: \.self) { Text($0) }
        ForEach(Array(view.buttons.enumerated()), id: \.offset) { _, button in
            if let checked = button.checked {
                Toggle(isOn: Binding(get: { checked }, set: { _ in tap(button.action) })) {
                    VStack(alignment: .leading) {
                        Text(button.label)
                        if let detail = button.detail { Text(detail).font(.footnote) }
                        if let hint = button.hint { Text(hint).font(.footnote).foregroundColor(.orange) }
                        // The room (Google's roomHint): typed here, kept and checked by the core.
                        if checked, case let .toggleDevice(id) = button.action {
                            RoomField(placeholder: button.detail ?? "") { tap(.setRoom(id: id, room: $0)) }
                        }
                    }
                }
            } else {
                Buttons(buttons: [button], tap: tap)
            }
        }
    }
}

private struct Buttons: View {
    let buttons: [SmartHemsCore.Button]
    let tap: (Action) -> Void

    var body: some View {
        ForEach(Array(buttons.enumerated()), id: \.offset) { _, button in
            if button.primary {
                SwiftUI.Button(button.label) { tap(button.action) }.buttonStyle(.borderedProminent).disabled(!button.enabled)
            } else {
                SwiftUI.Button(button.label) { tap(button.action) }.buttonStyle(.bordered).disabled(!button.enabled)
            }
        }
    }
}

private struct RoomField: View {
    let placeholder: String
    let submit: (String) -> Void
    @State private var room = ""

    var body: some View {
        TextField(placeholder, text: $room).textFieldStyle(.roundedBorder).onSubmit { submit(room) }
    }
}
