import AuthenticationServices
import SmartHemsCore
import UIKit

/// What only the phone can do: the login page in ASWebAuthenticationSession, opening Google Home.
final class ApplePhone: NSObject, Platform, ASWebAuthenticationPresentationContextProviding, @unchecked Sendable {
    weak var core: SmartHems?
    private var session: ASWebAuthenticationSession?

    func openLoginPage(url: String) {
        DispatchQueue.main.async {
            guard let url = URL(string: url) else { return }
            let session = ASWebAuthenticationSession(url: url, callbackURLScheme: "jp.co.panasonic.smarthems") { [weak self] callback, _ in
                // A cancelled sheet gives no URL: the core's login screen offers to try again.
                guard let callback, let core = self?.core else { return }
                Task { _ = await core.openUrl(url: callback.absoluteString) }
            }
            session.presentationContextProvider = self
            session.prefersEphemeralWebBrowserSession = false // keep the CLUB Panasonic SSO (step 3's note)
            self.session = session
            session.start()
        }
    }

    /// Google Home at `link` (its linking page for this service, a universal link), else the app,
    /// else the App Store.
    func openGoogleHome(link: String) {
        DispatchQueue.main.async {
            let app = URL(string: "googlehome://")!
            let store = URL(string: "https://apps.apple.com/app/google-home/id680819774")!
            guard let deepLink = URL(string: link) else { return }
            UIApplication.shared.open(deepLink, options: [.universalLinksOnly: true]) { opened in
                if opened { return }
                UIApplication.shared.open(app, options: [:]) { opened in
                    if !opened { UIApplication.shared.open(store) }
                }
            }
        }
    }

    /// App Flip's answer: back to Google Home through its redirect (the core built and checked it).
    func answerGoogle(answer: AppFlipAnswer) {
        DispatchQueue.main.async {
            switch answer {
            case let .approved(redirect, _), let .declined(redirect):
                if let url = URL(string: redirect) { UIApplication.shared.open(url) }
            case .refused:
                break // never send anything to a redirect that could not be trusted
            }
        }
    }

    func presentationAnchor(for session: ASWebAuthenticationSession) -> ASPresentationAnchor {
        UIApplication.shared.connectedScenes.compactMap { ($0 as? UIWindowScene)?.keyWindow }.first ?? ASPresentationAnchor()
    }
}
