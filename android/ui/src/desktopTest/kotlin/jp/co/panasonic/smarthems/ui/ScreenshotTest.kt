package jp.co.panasonic.smarthems.ui

import androidx.compose.ui.geometry.Size
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.runSkikoComposeUiTest
import androidx.compose.ui.unit.Density
import java.io.File
import jp.co.panasonic.smarthems.core.Action
import jp.co.panasonic.smarthems.core.AppFlipAnswer
import jp.co.panasonic.smarthems.core.AppFlipRequest
import jp.co.panasonic.smarthems.core.Screen
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.MethodOrderer
import org.junit.jupiter.api.Order
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestMethodOrder

/**
 * Every screen kind of flows A, B and C, and the other kinds a user can meet, rendered by the
 * shell's composables from the real core — the generated Kotlin bindings over JNA against the
 * core's library and the simulated cloud process — and driven by clicks on the rendered buttons.
 * PNGs and index.md land in `-Dscreens.dir` (target/screens).
 */
@OptIn(ExperimentalTestApi::class)
@TestMethodOrder(MethodOrderer.OrderAnnotation::class)
class ScreenshotTest {
    companion object {
        private val gallery = Gallery(File(System.getProperty("screens.dir") ?: "target/screens"))

        @JvmStatic
        @BeforeAll
        fun clean() {
            gallery.dir.deleteRecursively()
            gallery.dir.mkdirs()
        }

        @JvmStatic
        @AfterAll
        fun index() {
            gallery.finish()
            gallery.writeIndex()
            println(
                "screens: ${gallery.shots.size} PNGs in ${gallery.dir.absolutePath} (index.md); " +
                    "PNG encoding ${gallery.encodeNanos / 1_000_000} ms (beside the test)",
            )
        }

        /** A phone's screen for the scene; the font scale is set per render (Variant). */
        private fun onPhone(flow: String, block: Stage.(SimCloud) -> Unit) =
            runSkikoComposeUiTest(Size(WIDTH_PX.toFloat(), HEIGHT_PX.toFloat()), Density(DENSITY)) {
                SimCloud().use { sim ->
                    val stage = Stage(this, gallery, flow)
                    try {
                        stage.block(sim)
                    } finally {
                        stage.close()
                    }
                }
            }
    }

    /** Welcome → login in the browser → the app's terms → the speaker question (いいえ) → home. */
    @Test
    @Order(1)
    fun `flow A - every screen from welcome to home`() = onPhone("A") { sim ->
        Installation(sim).use { phone ->
            show(phone.newApp())
            runBlocking { core.start() }
            await<Screen.Welcome>(); snap()
            tap<Action.OpenLogin>()
            await<Screen.Login>(); snap()
            runBlocking { core.openUrl(logInInBrowser(phone.phone.loginPages.last())) }
            await<Screen.AppTerms>(); snap()
            tap<Action.AcceptTerms>()
            await<Screen.SpeakerPrompt>(); snap()
            tap<Action.SkipSpeaker>()
            await<Screen.Home>(); snap()
            busyAnnounced().forEach { snapRecorded(it) }
            assertTrue(captured.containsAll(listOf("Welcome", "Login", "AppTerms", "SpeakerPrompt", "Home")), "$captured")
            assertTrue(captured.any { it.startsWith("Busy-") }, "a Busy screen rendered: $captured")
        }
    }

    /**
     * はい → nickname typed into the field → privacy policy → a device chosen by clicking its row,
     * its room typed and sent by 「次へ」 alone → Google Home → terms → utterances → registration →
     * Google Home → linked → p.10; then App Flip's consent.
     */
    @Test
    @Order(2)
    fun `flow B - every screen of the speaker registration, and App Flip`() = onPhone("B") { sim ->
        Installation(sim).use { phone ->
            show(phone.newApp())
            runBlocking { core.start() }
            await<Screen.Welcome>()
            tap<Action.OpenLogin>()
            await<Screen.Login>()
            runBlocking { core.openUrl(logInInBrowser(phone.phone.loginPages.last())) }
            await<Screen.AppTerms>()
            tap<Action.AcceptTerms>()
            await<Screen.SpeakerPrompt>()
            tap<Action.RegisterSpeaker>()
            registerSpeaker(sim, nickname = "たろう", room = "一階リビング")
            // App Flip: Google Home asks this app to link; the consent screen answers it.
            runBlocking {
                core.appFlip(
                    AppFlipRequest(
                        clientId = "google-home",
                        scope = "openid",
                        state = "state-from-google",
                        redirectUri = "https://oauth-redirect-sandbox.googleusercontent.com/a/jp.co.panasonic.smarthems",
                        callerVerified = true,
                    ),
                )
            }
            await<Screen.AppFlipConsent>(); snap()
            tap<Action.ApproveLink>()
            ui.waitUntil("Google to get the app's answer", PATIENCE_MS) { phone.phone.answers.isNotEmpty() }
            assertTrue(phone.phone.answers.first() is AppFlipAnswer.Approved, "${phone.phone.answers}")
            busyAnnounced().forEach { snapRecorded(it) }
            assertTrue(
                captured.containsAll(
                    listOf(
                        "Nickname", "PrivacyPolicy", "DeviceSelection", "AccountLink", "SpeakerTerms", "Utterances",
                        "HandOff", "WaitingForGoogleHome", "SpeakerDone", "Troubleshooting", "AppFlipConsent",
                    ),
                ),
                "$captured",
            )
        }
    }

    /** The AiSEG2's 2D code read by the phone: login, then the speaker registration without the app's terms. */
    @Test
    @Order(3)
    fun `flow C - every screen from the AiSEG2's 2D code`() = onPhone("C") { sim ->
        Installation(sim).use { phone ->
            show(phone.newApp())
            runBlocking { core.start() }
            await<Screen.Welcome>()
            val link = Regex("\"link\":\"([^\"]+)\"").find(sim.post("/aiseg/panel-link", """{"email":"$EMAIL"}"""))!!.groupValues[1]
            runBlocking { core.openUrl(link) }
            await<Screen.Login>(); snap()
            runBlocking { core.openUrl(logInInBrowser(phone.phone.loginPages.last())) }
            registerSpeaker(sim, nickname = "はなこ", room = "ダイニング")
            tap<Action.GoHome>()
            await<Screen.Home>(); snap()
            busyAnnounced().forEach { snapRecorded(it) }
            assertTrue("AppTerms" !in captured, "C never shows the app's terms: $captured")
        }
    }

    /**
     * The other kinds: old ID, update, a notice (no browser), help, a problem, terms declined,
     * a new 2D code during a registration, registration stopped (privacy policy declined).
     */
    @Test
    @Order(4)
    fun `other screens - migration, update, help, declined, cancelled, problem`() = onPhone("other") { sim ->
        Installation(sim, oldId = true).use { phone ->
            show(phone.newApp())
            runBlocking { core.start() }
            await<Screen.Migration>(); snap()
        }
        Installation(sim, appVersion = "2.9.0").use { phone ->
            show(phone.newApp())
            runBlocking { core.start() }
            await<Screen.UpdateRequired>(); snap()
            tap<Action.OpenStore>()
            ui.waitUntil("the store to open", PATIENCE_MS) { phone.phone.storeOpened.isNotEmpty() }
        }
        Installation(sim).use { phone ->
            show(phone.newApp())
            runBlocking { core.start() }
            await<Screen.Welcome>()
            // No browser on the phone: the platform's failure comes back as a notice on the screen.
            phone.phone.noBrowser = true
            tap<Action.OpenLogin>()
            await("a screen with the could-not-open notice") { view.notice != null }; snap()
            phone.phone.noBrowser = false
            if (view.screen !is Screen.Welcome) {
                tap<Action.CancelLogin>()
                await<Screen.Welcome>()
            }
            tap<Action.OpenHelp>()
            await<Screen.Help>(); snap()
            tap<Action.CloseHelp>()
            await<Screen.Welcome>()
            // A keychain that refuses (a locked Keystore): the service-trouble screen, and 「再試行」 works.
            phone.keychain.unavailable = true
            tap<Action.OpenLogin>()
            await<Screen.Problem>(); snap()
            phone.keychain.unavailable = false
            tap<Action.Retry>()
            await<Screen.Login>()
            runBlocking { core.openUrl(logInInBrowser(phone.phone.loginPages.last())) }
            await<Screen.AppTerms>()
            tap<Action.DeclineTerms>()
            await<Screen.TermsDeclined>(); snap()
        }
        Installation(sim).use { phone ->
            show(phone.newApp())
            runBlocking { core.start() }
            tap<Action.OpenLogin>()
            await<Screen.Login>()
            runBlocking { core.openUrl(logInInBrowser(phone.phone.loginPages.last())) }
            await<Screen.AppTerms>()
            tap<Action.AcceptTerms>()
            await<Screen.SpeakerPrompt>()
            tap<Action.RegisterSpeaker>()
            await<Screen.Nickname>()
            type("じろう")
            ui.waitUntil("the core to keep the nickname", PATIENCE_MS) { core.screen().input?.value == "じろう" }
            // Another AiSEG2 2D code read while typing: asked first, and carrying on keeps the name.
            val link = Regex("\"link\":\"([^\"]+)\"").find(sim.post("/aiseg/panel-link", """{"email":"$EMAIL"}"""))!!.groupValues[1]
            runBlocking { core.openUrl(link) }
            await<Screen.NewCodePrompt>(); snap()
            tap<Action.ContinueRegistration>()
            await("the nickname kept") { it is Screen.Nickname && view.input?.value == "じろう" }
            tap<Action.SubmitNickname>()
            await<Screen.PrivacyPolicy>()
            tap<Action.DeclineTerms>()
            await<Screen.SpeakerCancelled>(); snap()
            busyAnnounced().forEach { snapRecorded(it) }
        }
    }

    /** From the nickname screen to the link done and p.10, as a user clicks through it. */
    private fun Stage.registerSpeaker(sim: SimCloud, nickname: String, room: String) {
        await<Screen.Nickname>(); snap()
        type(nickname)
        ui.waitUntil("the core to keep the nickname", PATIENCE_MS) { core.screen().input?.value == nickname }
        tap<Action.SubmitNickname>()
        await<Screen.PrivacyPolicy>(); snap()
        tap<Action.AcceptTerms>()
        val devices = await<Screen.DeviceSelection>(); snap()
        // The whole row toggles the check box (the first device the core lists).
        val device = devices.buttons.first { it.action is Action.ToggleDevice }
        tap("the first device") { it == device.action }
        await("the device checked") { it is Screen.DeviceSelection && view.buttons.any { b -> b.action == device.action && b.checked == true } }
        // Its room, typed and not confirmed with the keyboard: 「次へ」 sends it first.
        type(room)
        snap()
        tap<Action.ConfirmDevices>()
        assertSentInOrder({ it is Action.SetRoom && it.room == room }, { it is Action.ConfirmDevices })
        await<Screen.AccountLink>(); snap()
        tap<Action.ChooseSpeaker>()
        await<Screen.SpeakerTerms>(); snap()
        tap<Action.AcceptTerms>()
        await<Screen.Utterances>(); snap()
        tap<Action.Register>()
        await<Screen.HandOff>(); snap()
        assertTrue(sim.get("/speaker-registration?email=$EMAIL").contains(room), "the room reached the cloud's registration")
        tap<Action.OpenGoogleHome>()
        await<Screen.WaitingForGoogleHome>(); snap()
        val linked = sim.post("/google/link", """{"email":"$EMAIL","password":"$PASSWORD","nickname":"$nickname"}""")
        assertTrue(linked.contains("Finished"), linked)
        runBlocking { core.appForegrounded() }
        await<Screen.SpeakerDone>(); snap()
        tap<Action.VoiceNotWorking>()
        await<Screen.Troubleshooting>(); snap()
    }
}
